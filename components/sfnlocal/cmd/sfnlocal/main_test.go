package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// buildCLI builds the command into a temporary directory, as a user would run it.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sfnlocal")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func writeFile(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, bin, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func TestCLIContract(t *testing.T) {
	bin := buildCLI(t)
	dir := t.TempDir()
	def := writeFile(t, dir, "def.json", `{"StartAt":"Add","States":{
		"Add":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:AddNumbers","ResultPath":"$.sum","Next":"Check"},
		"Check":{"Type":"Choice","Choices":[{"Variable":"$.sum","NumericGreaterThan":100,"Next":"TooBig"}],"Default":"Done"},
		"TooBig":{"Type":"Fail","Error":"Sum.TooBig","Cause":"over 100"},
		"Done":{"Type":"Succeed"}}}`, 0o644)
	add := writeFile(t, dir, "add.sh", "#!/bin/sh\n"+
		`a=$(echo "$1" | sed 's/.*"a":\([0-9]*\).*/\1/'); b=$(echo "$1" | sed 's/.*"b":\([0-9]*\).*/\1/'); echo $((a+b))`+"\n", 0o755)
	typed := writeFile(t, dir, "typed.sh", "#!/bin/sh\necho '{\"errorType\":\"Add.Refused\",\"errorMessage\":\"no adding today\"}' >&2\nexit 3\n", 0o755)
	logged := writeFile(t, dir, "logged.sh", "#!/bin/sh\necho 'starting' >&2\necho '{\"errorType\":\"Add.Overflow\",\"errorMessage\":\"too big\"}' >&2\nexit 1\n", 0o755)
	plain := writeFile(t, dir, "plain.sh", "#!/bin/sh\necho 'something went wrong' >&2\nexit 1\n", 0o755)

	t.Run("success prints the output as one line and exits 0", func(t *testing.T) {
		out, errOut, code := run(t, bin, `{"a":2,"b":3}`, "-f", def, "-t", "Add:"+add)
		if code != 0 || out != "{\"a\":2,\"b\":3,\"sum\":5}\n" {
			t.Fatalf("code %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("a Fail state prints error and cause and exits 2", func(t *testing.T) {
		out, _, code := run(t, bin, `{"a":200,"b":3}`, "-f", def, "-t", "Add:"+add)
		if code != 2 || strings.TrimSpace(out) != `{"error":"Sum.TooBig","cause":"over 100"}` {
			t.Fatalf("code %d, stdout %q", code, out)
		}
	})
	for _, c := range []struct{ name, executable, error, cause string }{
		{"an executable's JSON error on stderr names the error", typed, "Add.Refused", "no adding today"},
		{"the JSON error is found after log lines on stderr", logged, "Add.Overflow", "too big"},
		{"a plain failure is States.TaskFailed with stderr as the cause", plain, "States.TaskFailed", "something went wrong"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, _, code := run(t, bin, `{}`, "-f", def, "-t", "Add:"+c.executable)
			var got map[string]string
			_ = json.Unmarshal([]byte(out), &got)
			if code != 2 || got["error"] != c.error || got["cause"] != c.cause {
				t.Fatalf("code %d, stdout %q", code, out)
			}
		})
	}
	t.Run("an unregistered Lambda fails the execution", func(t *testing.T) {
		out, _, code := run(t, bin, `{}`, "-f", def)
		if code != 2 || !strings.Contains(out, "Lambda.ResourceNotFoundException") {
			t.Fatalf("code %d, stdout %q", code, out)
		}
	})
	t.Run("an invalid definition exits 1 with a clear message", func(t *testing.T) {
		bad := writeFile(t, dir, "bad.json", `{"StartAt":"X","States":{"X":{"Type":"Pass","Next":"Y"}}}`, 0o644)
		out, errOut, code := run(t, bin, `{}`, "-f", bad)
		if code != 1 || out != "" || !strings.Contains(errOut, `Next names "Y", which is not a state`) {
			t.Fatalf("code %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("usage errors exit 1", func(t *testing.T) {
		for _, args := range [][]string{{}, {"-f", def, "-t", "NoColon"}, {"-f", filepath.Join(dir, "missing.json")}} {
			if _, _, code := run(t, bin, `{}`, args...); code != 1 {
				t.Errorf("%v: code %d, want 1", args, code)
			}
		}
		if _, errOut, code := run(t, bin, `{not json`, "-f", def); code != 1 || !strings.Contains(errOut, "not valid JSON") {
			t.Errorf("bad input: code %d, stderr %q", code, errOut)
		}
	})
	t.Run("events are written as JSON Lines", func(t *testing.T) {
		events := filepath.Join(dir, "events.jsonl")
		if _, _, code := run(t, bin, `{"a":1,"b":1}`, "-f", def, "-t", "Add:"+add, "-events", events); code != 0 {
			t.Fatalf("code %d", code)
		}
		b, _ := os.ReadFile(events)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		var last map[string]any
		_ = json.Unmarshal([]byte(lines[len(lines)-1]), &last)
		if !strings.Contains(lines[0], `"type":"ExecutionStarted"`) || last["type"] != "ExecutionSucceeded" {
			t.Errorf("events %s", b)
		}
	})
}

// -t naming a state the definition lacks fails before anything runs.
func TestCLIRejectsOverrideOfUnknownState(t *testing.T) {
	bin := buildCLI(t)
	dir := t.TempDir()
	def := writeFile(t, dir, "def.json", `{"StartAt":"Add","States":{"Add":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:AddNumbers","End":true}}}`, 0o644)
	_, stderr, code := run(t, bin, "{}", "-f", def, "-t", "Ad:/bin/true")
	if code != 1 || !strings.Contains(stderr, `"Ad"`) || !strings.Contains(stderr, "Add") {
		t.Errorf("exit %d, stderr %q: want exit 1 naming Ad and the Task states", code, stderr)
	}
}

// sfnlocal serve, as a user runs it: the SDK's client starts an execution whose Task (an
// executable) fails the first time, then redrives it; the redrive continues at the failed Task
// (the state before it does not run again) under the same execution ARN.
func TestServeRedrive(t *testing.T) {
	bin := buildCLI(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "fixed")
	calls := filepath.Join(dir, "calls")
	def := writeFile(t, dir, "def.json", `{"StartAt":"Prep","States":{
		"Prep":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:prep","ResultPath":"$.prep","Next":"Work"},
		"Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","Parameters":{"n.$":"$$.Execution.RedriveCount"},"End":true}}}`, 0o644)
	prep := writeFile(t, dir, "prep.sh", "#!/bin/sh\necho prep >> "+calls+"\necho '\"ok\"'\n", 0o755)
	work := writeFile(t, dir, "work.sh", "#!/bin/sh\necho work >> "+calls+"\nif [ -e "+marker+" ]; then cat; exit 0; fi\n"+
		`echo '{"errorType":"Vendor.Down","errorMessage":"try later"}' >&2; exit 1`+"\n", 0o755)
	cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:0", "-f", def, "-name", "night", "-t", "Prep:"+prep, "-t", "Work:"+work)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	rd := bufio.NewReader(stdout)
	line, err := rd.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening on http://") {
		t.Fatalf("first line %q, %v", line, err)
	}
	url := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	smArn, _ := rd.ReadString('\n')
	smArn = strings.TrimSpace(smArn)
	if smArn != "arn:aws:states:us-east-1:123456789012:stateMachine:night" {
		t.Fatalf("state machine ARN line %q", smArn)
	}
	c := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{}})
	ctx := context.Background()
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smArn), Name: aws.String("n1")})
	if err != nil {
		t.Fatal(err)
	}
	wait := func() *sfn.DescribeExecutionOutput {
		for {
			d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != types.ExecutionStatusRunning {
				return d
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if d := wait(); d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "Vendor.Down" || d.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
		t.Fatalf("first attempt: %s %s %s", d.Status, aws.ToString(d.Error), d.RedriveStatus)
	}
	writeFile(t, dir, "fixed", "", 0o644)
	if _, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: st.ExecutionArn}); err != nil {
		t.Fatalf("RedriveExecution: %v", err)
	}
	d := wait()
	if d.Status != types.ExecutionStatusSucceeded || aws.ToInt32(d.RedriveCount) != 1 || aws.ToString(d.Output) != `{"n":1}` {
		t.Fatalf("after the redrive: %s, redriveCount %d, output %s", d.Status, aws.ToInt32(d.RedriveCount), aws.ToString(d.Output))
	}
	log, _ := os.ReadFile(calls)
	if got := strings.Fields(string(log)); strings.Join(got, " ") != "prep work work" {
		t.Errorf("calls %v, want prep work work (Prep is not run again)", got)
	}
	var nr *types.ExecutionNotRedrivable
	if _, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: st.ExecutionArn}); !errors.As(err, &nr) {
		t.Errorf("redriving the succeeded execution: %v, want ExecutionNotRedrivable", err)
	}
}
