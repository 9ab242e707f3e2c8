// Package sfnjudge runs a state machine definition under aws-local-stepfunctions, an independent
// Amazon States Language interpreter written in TypeScript, so that tests can compare what our
// code does (or generates) with what a third party does with the same definition.
//
// The helper starts Node 22 (found by package judge) on a small script that drives the library's
// API (`new StateMachine(definition).run(input)`), and serves the AWS Lambda Invoke API on
// 127.0.0.1 for it: aws-local-stepfunctions invokes Lambda through the AWS SDK for JavaScript, and
// the child's environment points AWS_ENDPOINT_URL_LAMBDA at the helper, with dummy credentials
// and a region. Each invocation is answered by a Go [Func] looked up by function name or ARN.
//
// Invocations are answered the way Lambda answers them
// (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html):
//   - success: HTTP 200, the function's result as the body, X-Amz-Executed-Version: $LATEST;
//   - a function error: HTTP 200, X-Amz-Function-Error: Unhandled and a body
//     {"errorType":...,"errorMessage":...}; the errorType is the error's ErrorType() when it has
//     one, otherwise the name aws-lambda-go reports for the error's Go type (the type name without
//     its package, "errorString" for errors.New);
//   - [Throttled]: HTTP 429 TooManyRequestsException (the SDK retries it like any throttle);
//   - an unknown function: HTTP 404 ResourceNotFoundException.
//
// Funcs run concurrently, as Node calls them (a Map or Parallel state invokes its branches at
// the same time), so a test can observe the concurrency the engine produces.
//
// Note: aws-local-stepfunctions returns the function's raw result for
// `arn:aws:states:::lambda:invoke` Task states, without the {"Payload": ...} wrapper that AWS
// returns.
package sfnjudge

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skeinhq/skein/components/internal/judge"
)

//go:embed testdata/run.js
var runScript []byte

// FunctionError is a function error with an explicit error type, as a handler written in another
// runtime raises it (or a Go one with an ErrorType method): both engines report Type as the
// error's name and Message as its cause.
type FunctionError struct{ Type, Message string }

func (e FunctionError) Error() string { return e.Message }

// ErrorType returns Type (see the package's ErrorType).
func (e FunctionError) ErrorType() string { return e.Type }

// Func answers one Lambda invocation: it receives the invocation payload and returns the
// function's result. A returned error becomes a function error (see the package comment).
type Func func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error)

// Result is what aws-local-stepfunctions reported for one execution.
type Result struct {
	// Output is the execution's output when it succeeded.
	Output json.RawMessage
	// Error and Cause are set when the execution failed: the error name (for example
	// "States.TaskFailed" or a Fail state's Error) and its cause as the library reports it.
	Error, Cause string
	// Invalid is set, instead of everything else, when the library rejected the definition.
	Invalid string
	// Duration is how long the library's run() took for this execution (Node's clock, without
	// starting Node or validating the definition).
	Duration time.Duration
}

// Failed reports whether the execution failed.
func (r Result) Failed() bool { return r.Error != "" }

// Case is one execution for [RunAll].
type Case struct {
	Definition []byte
	Input      []byte
	Funcs      map[string]Func
	// NoPathCheck turns off the library's JSONPath validation of the definition (its validator
	// rejects some paths AWS accepts); zero means validate everything, as the library does by
	// default.
	NoPathCheck bool
	// NoSleep makes every Retry interval and Wait state take 0 ms (the library's
	// retryIntervalOverrides and waitTimeOverrides); zero means real sleeps.
	NoSleep bool
}

// Throttled is an error a Func returns to be answered with HTTP 429 TooManyRequestsException.
type Throttled struct{ Message string }

func (e *Throttled) Error() string { return "throttled: " + e.Message }

// Run executes definition with input under aws-local-stepfunctions, answering its Lambda
// invocations with funcs (keyed by function name or ARN; either matches). It fails the test when
// the tools are missing or the runner itself breaks, and returns the execution's result.
func Run(t testing.TB, definition, input []byte, funcs map[string]Func) Result {
	t.Helper()
	return RunAll(t, []Case{{Definition: definition, Input: input, Funcs: funcs}})[0]
}

// RunAll executes the cases one after another in a single Node process (starting Node and the
// AWS SDK costs about half a second, so a corpus runs much faster this way) and returns their
// results in order.
func RunAll(t testing.TB, cases []Case) []Result {
	t.Helper()
	if len(cases) == 0 {
		return nil
	}
	node := judge.Node(t)
	modDir := judge.Module(t, "aws-local-stepfunctions")
	tools := judge.ToolsDir(t)

	srv := &server{cases: cases, active: -1}
	ts := httptest.NewServer(srv.mux())
	defer ts.Close()

	type wireCase struct {
		Definition json.RawMessage `json:"definition"`
		Input      json.RawMessage `json:"input"`
		Validation map[string]bool `json:"validation,omitempty"`
		NoSleep    bool            `json:"noSleep,omitempty"`
	}
	req := struct {
		Endpoint string     `json:"endpoint"`
		Cases    []wireCase `json:"cases"`
	}{Endpoint: ts.URL}
	for i, c := range cases {
		if !json.Valid(c.Definition) {
			t.Fatalf("sfnjudge: case %d: the definition is not valid JSON", i)
		}
		in := c.Input
		if len(bytes.TrimSpace(in)) == 0 {
			in = []byte("{}")
		}
		if !json.Valid(in) {
			t.Fatalf("sfnjudge: case %d: the input is not valid JSON", i)
		}
		wc := wireCase{Definition: c.Definition, Input: in, NoSleep: c.NoSleep}
		if c.NoPathCheck {
			wc.Validation = map[string]bool{"checkPaths": false}
		}
		req.Cases = append(req.Cases, wc)
	}
	stdin, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("sfnjudge: %v", err)
	}

	dir := t.TempDir()
	script := filepath.Join(dir, "run.js")
	if err := os.WriteFile(script, runScript, 0o600); err != nil {
		t.Fatalf("sfnjudge: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), node, script, modDir)
	cmd.Env = childEnv(ts.URL, tools)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sfnjudge: node %s: %v\n%s", script, err, stderr.String())
	}

	var results []Result
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<30)
	for sc.Scan() {
		var line struct {
			Output   json.RawMessage `json:"output"`
			Error    *string         `json:"error"`
			Cause    string          `json:"cause"`
			Invalid  *string         `json:"invalid"`
			Internal bool            `json:"internal"`
			NS       int64           `json:"ns"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("sfnjudge: unreadable runner output %q: %v", sc.Text(), err)
		}
		switch {
		case line.Invalid != nil:
			results = append(results, Result{Invalid: *line.Invalid})
		case line.Error != nil:
			if line.Internal {
				t.Logf("sfnjudge: case %d: the library failed outside an execution: %s: %s", len(results), *line.Error, line.Cause)
			}
			results = append(results, Result{Error: *line.Error, Cause: line.Cause, Duration: time.Duration(line.NS)})
		default:
			results = append(results, Result{Output: line.Output, Duration: time.Duration(line.NS)})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("sfnjudge: reading runner output: %v", err)
	}
	if len(results) != len(cases) {
		t.Fatalf("sfnjudge: %d results for %d cases\n%s", len(results), len(cases), stderr.String())
	}
	return results
}

// childEnv is the parent's environment without AWS settings that could send the SDK elsewhere,
// plus the local endpoint, dummy credentials and a region.
func childEnv(endpoint, tools string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || k == "NODE_PATH" || k == "NODE_OPTIONS" {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"AWS_ENDPOINT_URL_LAMBDA="+endpoint,
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDLOCALSFN",
		"AWS_SECRET_ACCESS_KEY=localsfn-secret",
		"AWS_EC2_METADATA_DISABLED=true",
		"NODE_PATH="+tools,
	)
}

type server struct {
	cases  []Case
	mu     sync.Mutex
	active int
}

func (s *server) mux() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("POST /_skein/case/{i}", func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.PathValue("i"))
		if err != nil || i < 0 || i >= len(s.cases) {
			http.Error(w, "no such case", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.active = i
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /2015-03-31/functions/{name}/invocations", s.invoke)
	return m
}

func (s *server) invoke(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.mu.Lock()
	var funcs map[string]Func
	if s.active >= 0 {
		funcs = s.cases[s.active].Funcs
	}
	s.mu.Unlock()
	fn := Lookup(funcs, name)
	if fn == nil {
		writeServiceError(w, http.StatusNotFound, "ResourceNotFoundException",
			"Function not found: "+name)
		return
	}
	payload, err := io.ReadAll(r.Body)
	if err != nil {
		writeServiceError(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	out, err := fn(r.Context(), payload)
	if err != nil {
		var th *Throttled
		if errors.As(err, &th) {
			writeServiceError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded. "+th.Message)
			return
		}
		body, _ := json.Marshal(map[string]string{"errorType": ErrorType(err), "errorMessage": err.Error()})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		_, _ = w.Write(body)
		return
	}
	if len(out) == 0 {
		out = []byte("null")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	_, _ = w.Write(out)
}

func writeServiceError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	body, _ := json.Marshal(map[string]string{"Type": "User", "message": msg})
	_, _ = w.Write(body)
}

// ErrorType names an error the way a Go Lambda function reports it: ErrorType() when the error
// has that method, otherwise the name of its Go type without the package and pointer
// (aws-lambda-go's rule: errors.New gives "errorString", fmt.Errorf with %w "wrapError").
func ErrorType(err error) string {
	if et, ok := err.(interface{ ErrorType() string }); ok {
		return et.ErrorType()
	}
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// Lookup finds the Func for a function name or ARN (qualified or not): an exact key first, then
// any key naming the same function.
func Lookup(funcs map[string]Func, nameOrArn string) Func {
	if fn, ok := funcs[nameOrArn]; ok {
		return fn
	}
	want := FunctionName(nameOrArn)
	for k, fn := range funcs {
		if FunctionName(k) == want {
			return fn
		}
	}
	return nil
}

// FunctionName reduces a function name, partial ARN or ARN (with or without a version or alias
// qualifier) to the bare function name.
func FunctionName(nameOrArn string) string {
	s := nameOrArn
	if i := strings.Index(s, "function:"); i >= 0 {
		s = s[i+len("function:"):]
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	return s
}

// String renders a result for test failure messages.
func (r Result) String() string {
	switch {
	case r.Invalid != "":
		return "invalid definition: " + r.Invalid
	case r.Error != "":
		return fmt.Sprintf("failed: %s: %s", r.Error, r.Cause)
	default:
		return "succeeded: " + string(r.Output)
	}
}
