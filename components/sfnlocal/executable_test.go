package sfnlocal_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skeinhq/skein/components/sfnlocal"
)

func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "task.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func overrideEngine(t *testing.T, x *sfnlocal.Executable, timeout int) *sfnlocal.Engine {
	t.Helper()
	to := ""
	if timeout > 0 {
		to = `,"TimeoutSeconds":` + strconv.Itoa(timeout)
	}
	return mustEngine(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f"`+to+`,"End":true}}}`,
		&sfnlocal.Options{TaskOverrides: map[string]sfnlocal.Invoker{"T": x}})
}

// The payload goes on standard input, whatever its size, and also as the last argument while it
// is under 128 KiB: a 200 KiB input used to fail with "argument list too long".
func TestExecutablePayloadOnStdin(t *testing.T) {
	e := overrideEngine(t, &sfnlocal.Executable{Path: script(t, "cat\n")}, 0)
	big := `{"s":"` + strings.Repeat("x", 200<<10) + `"}`
	out, err := e.Execute(context.Background(), []byte(big))
	if err != nil || string(out) != big {
		t.Fatalf("200 KiB through stdin: %.80s... %v", out, err)
	}
	e = overrideEngine(t, &sfnlocal.Executable{Path: script(t, `printf '%s' "$1"`)}, 0)
	if out, err := e.Execute(context.Background(), []byte(`{"a":1}`)); err != nil || string(out) != `{"a":1}` {
		t.Fatalf("small payload as the argument: %s %v", out, err)
	}
}

// A task's timeout kills the program's whole process group: a child it started does not
// outlive it (one was orphaned per attempt before).
func TestExecutableTimeoutKillsProcessGroup(t *testing.T) {
	dir := t.TempDir()
	x := &sfnlocal.Executable{Path: script(t, "sleep 300 &\necho $! > child.pid\nsleep 300\n"), Dir: dir}
	e := overrideEngine(t, x, 1)
	_, err := e.Execute(context.Background(), nil)
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) || ee.Name != sfnlocal.ErrTimeout {
		t.Fatalf("want States.Timeout, got %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "child.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	// The kill is sent before Execute returns; wait for the child to be gone (or a zombie).
	deadline := time.Now().Add(20 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") || syscall.Kill(pid, 0) != nil {
			return
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the program's child %d still runs after the task timed out", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Captured output is bounded: stderr keeps its last 64 KiB (where an error object is expected),
// stdout beyond the 256 KiB payload limit fails the task with States.DataLimitExceeded.
func TestExecutableOutputCapped(t *testing.T) {
	e := overrideEngine(t, &sfnlocal.Executable{Path: script(t,
		`head -c 10000000 /dev/zero | tr '\0' x >&2; echo >&2; echo '{"errorType":"Boom","errorMessage":"at the end"}' >&2; exit 1`)}, 0)
	_, err := e.Execute(context.Background(), nil)
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) || ee.Name != "Boom" || ee.Cause != "at the end" {
		t.Fatalf("want Boom from the last stderr line, got %v", err)
	}
	e = overrideEngine(t, &sfnlocal.Executable{Path: script(t, `head -c 10000000 /dev/zero | tr '\0' x >&2; exit 1`)}, 0)
	_, err = e.Execute(context.Background(), nil)
	if !errors.As(err, &ee) || ee.Name != sfnlocal.ErrTaskFailed || len(ee.Cause) > 64<<10 {
		t.Fatalf("want States.TaskFailed with at most 64 KiB of cause, got %s with %d bytes", ee.Name, len(ee.Cause))
	}
	e = overrideEngine(t, &sfnlocal.Executable{Path: script(t, `printf '"'; head -c 300000 /dev/zero | tr '\0' x; printf '"'`)}, 0)
	_, err = e.Execute(context.Background(), nil)
	if !errors.As(err, &ee) || ee.Name != sfnlocal.ErrDataLimitExceeded {
		t.Fatalf("want States.DataLimitExceeded for 300 KB on stdout, got %v", err)
	}
}

// An override for a state the definition does not have (a typo in -t) is an error, not a
// silently unused flag.
func TestTaskOverrideOfUnknownState(t *testing.T) {
	d, err := sfnlocal.Parse([]byte(`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"Inner","States":{"Inner":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}}],"End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	x := &sfnlocal.Executable{Path: "/bin/true"}
	if _, err := sfnlocal.New(d, &sfnlocal.Options{TaskOverrides: map[string]sfnlocal.Invoker{"Inner": x}}); err != nil {
		t.Errorf("a Task state inside a branch: %v", err)
	}
	_, err = sfnlocal.New(d, &sfnlocal.Options{TaskOverrides: map[string]sfnlocal.Invoker{"Inenr": x, "P": x}})
	if err == nil || !strings.Contains(err.Error(), `TaskOverrides["Inenr"]`) || !strings.Contains(err.Error(), `TaskOverrides["P"]`) || !strings.Contains(err.Error(), "Inner") {
		t.Errorf("want both bad names reported with the Task states, got %v", err)
	}
}
