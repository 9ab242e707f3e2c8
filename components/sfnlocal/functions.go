package sfnlocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
)

// Invoker answers one invocation with a JSON payload. aws-lambda-go's lambda.Handler is an
// Invoker, so the very handler a function deploys can be registered.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

var _ Invoker = lambda.Handler(nil)

// Functions maps Lambda function names and ARNs to local handlers. A Task's function resolves by
// its exact name or ARN first, then by the bare function name (so "arn:...:function:f:prod",
// "f" and "arn:...:function:f" all reach the handler registered as "f"). The zero value is
// ready to use and safe for concurrent use.
//
// Errors are reported the way AWS reports a Go function's errors to Step Functions: the error
// name is the errorType (aws-lambda-go's rule: the error's Go type name without package and
// pointer, so errors.New gives "errorString", or the Type of a messages.InvokeResponse_Error) and
// the cause is the JSON error payload {"errorMessage":...,"errorType":...}. A panic becomes an
// error the same way. An Invoker that returns *ExecutionError chooses the name and cause itself.
type Functions struct {
	mu sync.RWMutex
	m  map[string]Invoker
}

// Register maps a function name or ARN to a handler. Invocations may run concurrently (Map and
// Parallel states), so the handler must be safe for concurrent use and must not reuse the bytes it
// returned. A lambda.NewHandler handler is not (it recycles its result buffer when Invoke
// returns); register such functions with RegisterFunc instead.
func (f *Functions) Register(nameOrArn string, h Invoker) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]Invoker{}
	}
	f.m[nameOrArn] = h
}

// RegisterFunc maps a function name or ARN to a Go handler function with one of the signatures
// lambda.Start accepts, wrapped by lambda.NewHandler (the same JSON handling as in production).
// Prefer it to Register(name, lambda.NewHandler(fn)) when the function can run concurrently (Map,
// Parallel): see [Functions.Register].
func (f *Functions) RegisterFunc(nameOrArn string, handlerFunc any) error {
	if handlerFunc == nil || reflect.TypeOf(handlerFunc).Kind() != reflect.Func {
		return fmt.Errorf("sfnlocal: RegisterFunc(%q): the handler must be a function, got %T", nameOrArn, handlerFunc)
	}
	f.Register(nameOrArn, newPooledHandler(handlerFunc))
	return nil
}

// pooledHandler gives each concurrent invocation its own lambda.NewHandler instance. A handler
// made by lambda.NewHandler encodes its result into a pooled buffer and returns that buffer's
// bytes, which it recycles as soon as Invoke returns; in the Lambda runtime invocations never
// overlap, but here they do, and a shared handler would hand one invocation's buffer to another
// while the first result is still being read.
type pooledHandler struct {
	pool sync.Pool
}

func newPooledHandler(fn any) *pooledHandler {
	h := &pooledHandler{}
	h.pool.New = func() any { return lambda.NewHandler(fn) }
	return h
}

func (h *pooledHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	lh := h.pool.Get().(lambda.Handler)
	out, err := lh.Invoke(ctx, payload)
	out = append([]byte(nil), out...) // copy before the handler (and its buffer) is reused
	h.pool.Put(lh)
	return out, err
}

// RegisterExecutable maps a function name or ARN to an executable run once per invocation (see
// [Executable]).
func (f *Functions) RegisterExecutable(nameOrArn, path string, args ...string) {
	f.Register(nameOrArn, &Executable{Path: path, Args: args})
}

// Lookup finds the handler for a function name or ARN.
func (f *Functions) Lookup(nameOrArn string) (Invoker, bool) {
	if f == nil {
		return nil, false
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if h, ok := f.m[nameOrArn]; ok {
		return h, true
	}
	want := functionName(nameOrArn)
	for k, h := range f.m {
		if functionName(k) == want {
			return h, true
		}
	}
	return nil, false
}

// functionName reduces a name, partial ARN or ARN (qualified or not) to the function name.
func functionName(s string) string {
	if i := strings.Index(s, "function:"); i >= 0 {
		s = s[i+len("function:"):]
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	return s
}

// Executable runs a program per invocation, the contract of the sfnlocal CLI's -t flag: the
// program gets the task input JSON on standard input, and also as its last argument while that
// is under 128 KiB (the most Linux passes in one argument); it prints its result JSON on
// stdout. A non-zero exit fails the task: the error name and cause come from a JSON object
// {"errorType":...,"errorMessage":...} on stderr when there is one (all of stderr, or its last
// line holding such an object), otherwise the name is States.TaskFailed and the cause is
// stderr. The program runs in a process group of its own, killed whole when the task times out
// or the execution ends; stdout is read up to the 256 KiB payload limit (more fails the task
// with States.DataLimitExceeded) and stderr keeps its last 64 KiB.
type Executable struct {
	Path string
	Args []string
	// Dir is the working directory; empty means the current one.
	Dir string
}

const (
	// maxArgPayload is the size from which the payload no longer goes as an argument.
	maxArgPayload = 128 << 10
	// maxStderr is how much of an executable's stderr is kept (the end).
	maxStderr = 64 << 10
	// waitDelay bounds the wait for output pipes that a killed program's children keep open.
	waitDelay = 2 * time.Second
)

// Invoke implements Invoker.
func (x *Executable) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	args := append([]string(nil), x.Args...)
	if len(payload) < maxArgPayload {
		args = append(args, string(payload))
	}
	cmd := exec.CommandContext(ctx, x.Path, args...)
	cmd.Dir = x.Dir
	cmd.Stdin = bytes.NewReader(payload)
	stdout := &cappedBuffer{max: maxPayloadBytes}
	stderr := &tailBuffer{max: maxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	ownGroup(cmd)
	cmd.WaitDelay = waitDelay
	err := cmd.Run()
	if err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return nil, &ExecutionError{Name: ErrTaskFailed, Cause: fmt.Sprintf("running %s: %v", x.Path, err)}
		}
		if name, cause, ok := stderrError(stderr.Bytes()); ok {
			return nil, &ExecutionError{Name: name, Cause: cause}
		}
		cause := strings.TrimSpace(string(stderr.Bytes()))
		if cause == "" {
			cause = fmt.Sprintf("%s exited with %v", x.Path, err)
		}
		return nil, &ExecutionError{Name: ErrTaskFailed, Cause: cause}
	}
	if stdout.over {
		return nil, newErr(ErrDataLimitExceeded, "%s printed more than the %d-byte payload limit", x.Path, maxPayloadBytes)
	}
	out := bytes.TrimSpace(stdout.b)
	if len(out) == 0 {
		return []byte("null"), nil
	}
	if !json.Valid(out) {
		return nil, &ExecutionError{Name: ErrTaskFailed, Cause: fmt.Sprintf("%s printed output that is not JSON: %s", x.Path, truncate(string(out), 200))}
	}
	return out, nil
}

// cappedBuffer keeps the first max bytes written to it and notes whether there were more.
type cappedBuffer struct {
	b    []byte
	max  int
	over bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := c.max - len(c.b); len(p) > room {
		c.b = append(c.b, p[:max(room, 0)]...)
		c.over = true
	} else {
		c.b = append(c.b, p...)
	}
	return len(p), nil
}

// tailBuffer keeps the last max bytes written to it (where an error object is expected).
type tailBuffer struct {
	b   []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2*t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) Bytes() []byte {
	if len(t.b) > t.max {
		return t.b[len(t.b)-t.max:]
	}
	return t.b
}

// stderrError finds the {"errorType":...,"errorMessage":...} object an executable wrote on
// stderr: the whole of stderr, or else its last line that is such an object (so log lines
// before it do not hide it).
func stderrError(stderr []byte) (name, cause string, ok bool) {
	var e struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(bytes.TrimSpace(stderr), &e) == nil && e.ErrorType != "" {
		return e.ErrorType, e.ErrorMessage, true
	}
	lines := bytes.Split(bytes.TrimSpace(stderr), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		line := bytes.TrimSpace(lines[i])
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		if json.Unmarshal(line, &e) == nil && e.ErrorType != "" {
			return e.ErrorType, e.ErrorMessage, true
		}
	}
	return "", "", false
}

// invokeHandler calls a handler, turning function errors and panics into ExecutionErrors named
// as AWS names a Go function's errors.
func invokeHandler(ctx context.Context, h Invoker, payload []byte) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = lambdaError(panicTypeName(r), fmt.Sprint(r))
		}
	}()
	out, err = h.Invoke(ctx, payload)
	if err == nil {
		return out, nil
	}
	var ee *ExecutionError
	if errors.As(err, &ee) {
		return nil, ee
	}
	var ire messages.InvokeResponse_Error
	if errors.As(err, &ire) {
		return nil, lambdaError(ire.Type, ire.Message)
	}
	var irp *messages.InvokeResponse_Error
	if errors.As(err, &irp) && irp != nil {
		return nil, lambdaError(irp.Type, irp.Message)
	}
	return nil, lambdaError(goErrorType(err), err.Error())
}

func lambdaError(typ, msg string) *ExecutionError {
	b, _ := marshalJSON(map[string]any{"errorMessage": msg, "errorType": typ})
	return &ExecutionError{Name: typ, Cause: string(b)}
}

func goErrorType(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return "nil"
	}
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

func panicTypeName(r any) string {
	if err, ok := r.(error); ok {
		return goErrorType(err)
	}
	return goErrorType(r)
}
