// Package lambdatest runs a handler under the real aws-lambda-go runtime loop, in a child process
// of the test binary, against a local Runtime API, so tests can see exactly what Lambda would
// report: the errorType (the name Step Functions matches in Retry and Catch) and errorMessage of
// a failed invocation, or the response payload of a successful one. This is the runtime's own
// naming rule, not a copy of it.
//
// Use: in TestMain call Serve(handlers) first (it only acts in the child process), then in a
// test call Invoke(t, "name", payload). InvokeCommand runs a built handler binary instead, and
// Start does so in an environment of its own and times the start (BenchmarkHandlerStartup);
// Measure reads the process's peak memory and CPU time (BenchmarkHandlerMemory).
package lambdatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

const envHandler = "SKEIN_LAMBDATEST_HANDLER"

// Serve runs the handler named by the child's environment under lambda.Start and never returns;
// in the parent process (no such environment) it returns at once.
func Serve(handlers map[string]any) {
	name := os.Getenv(envHandler)
	if name == "" {
		return
	}
	h, ok := handlers[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "lambdatest: no handler %q\n", name)
		os.Exit(3)
	}
	lambda.Start(h)
	os.Exit(0)
}

// Result is what the runtime posted back.
type Result struct {
	Payload      []byte // the response, when the invocation succeeded
	ErrorType    string // the errorType, when it failed
	ErrorMessage string
}

// Invoke runs the named handler once with payload and a deadline timeout from now.
func Invoke(t testing.TB, name string, payload []byte, timeout time.Duration) Result {
	t.Helper()
	return InvokeCommand(t, []string{os.Args[0], "-test.run=^$"}, []string{envHandler + "=" + name}, payload, timeout, nil)
}

// InvokeCommand runs argv (a handler binary, or the test binary) as a Lambda runtime with env
// added to the test's environment, sends it one invocation of payload and returns what it
// posted back. stdout, when not nil, receives the process's standard output (its logs).
func InvokeCommand(t testing.TB, argv, env []string, payload []byte, timeout time.Duration, stdout io.Writer) Result {
	t.Helper()
	r, _, _, err := run(argv, append(os.Environ(), env...), payload, timeout, stdout)
	if err != nil {
		t.Fatalf("lambdatest: %v", err)
	}
	return r
}

// Timing is how long a runtime took from the start of its process (the fork and exec included).
type Timing struct {
	// Ready is until its first poll of /2018-06-01/runtime/invocation/next: its init phase.
	Ready time.Duration
	// Served is until it posted the first invocation's response or error.
	Served time.Duration
}

// Usage is what a runtime process used over its life, from the kernel's accounting of the
// ended child (getrusage): the Max Memory Used and the CPU that Lambda's REPORT line and
// billing reflect.
type Usage struct {
	// MaxRSS is the process's peak resident set size, in bytes: VmHWM where /proc has it,
	// getrusage's ru_maxrss elsewhere.
	MaxRSS int64
	// CPU is its user plus system CPU time.
	CPU time.Duration
	// LogBytes and LogLines are what it wrote to standard output: the log CloudWatch Logs
	// ingests (and bills by the byte) in AWS.
	LogBytes, LogLines int64
}

// Measure is Start, returning what the process used (its start included) instead of how long
// it took.
func Measure(argv, env []string, payload []byte, timeout time.Duration) (Result, Usage, error) {
	var out counter
	r, _, u, err := run(argv, env, payload, timeout, &out)
	u.LogBytes, u.LogLines = out.bytes, out.lines
	return r, u, err
}

// counter counts the bytes and lines written to it.
type counter struct{ bytes, lines int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.bytes += int64(len(p))
	c.lines += int64(bytes.Count(p, []byte("\n")))
	return len(p), nil
}

// Start runs argv as a Lambda runtime with exactly env (nothing inherited: Lambda's environment
// holds only what it sets and what the function configures), sends it one invocation of payload
// and returns what it posted back and how long that took. The process is killed once it has
// answered; an error says why it did not.
func Start(argv, env []string, payload []byte, timeout time.Duration) (Result, Timing, error) {
	r, t, _, err := run(argv, env, payload, timeout, nil)
	return r, t, err
}

// run is Start with stdout, returning the process's usage too.
func run(argv, env []string, payload []byte, timeout time.Duration, stdout io.Writer) (Result, Timing, Usage, error) {
	name := filepath.Base(argv[0])
	type answer struct {
		r  Result
		at time.Time
	}
	done := make(chan answer, 1)
	var served atomic.Bool
	var ready atomic.Int64 // UnixNano of the first poll
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		ready.CompareAndSwap(0, time.Now().UnixNano())
		if served.Swap(true) { // one invocation only: hold the next poll until the end
			<-r.Context().Done()
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
		w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(timeout).UnixMilli(), 10))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:"+name)
		_, _ = w.Write(payload)
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/req-1/response", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		done <- answer{Result{Payload: b}, time.Now()}
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/req-1/error", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var e struct {
			Type    string `json:"errorType"`
			Message string `json:"errorMessage"`
		}
		_ = json.Unmarshal(b, &e)
		done <- answer{Result{ErrorType: e.Type, ErrorMessage: e.Message}, time.Now()}
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(env[:len(env):len(env)], "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(srv.URL, "http://"))
	cmd.Stdout = stdout
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{}, Timing{}, Usage{}, fmt.Errorf("starting the runtime: %w", err)
	}
	exited := make(chan error, 1)
	defer func() { _ = cmd.Process.Kill() }()
	go func() { exited <- cmd.Wait() }()
	select {
	case a := <-done:
		hwm := peakRSS(cmd.Process.Pid) // the runtime now waits for its next invocation
		_ = cmd.Process.Kill()
		<-exited //nolint:errcheck // Wait's error is expected (the process was just killed) and `_ = <-exited` trips staticcheck S1005; this waits so the output is copied in full before Wait returns
		u := usageOf(cmd.ProcessState)
		if hwm > 0 {
			u.MaxRSS = hwm
		}
		return a.r, Timing{Ready: time.Unix(0, ready.Load()).Sub(start), Served: a.at.Sub(start)}, u, nil
	case err := <-exited:
		return Result{}, Timing{}, Usage{}, fmt.Errorf("the runtime exited before answering: %v\n%s", err, stderr.String())
	case <-ctx.Done():
		return Result{}, Timing{}, Usage{}, fmt.Errorf("no answer from the runtime\n%s", stderr.String())
	}
}

// peakRSS is the peak resident set size of the running process pid since its exec, in bytes
// (VmHWM of /proc/<pid>/status), or 0 where there is no /proc. getrusage's ru_maxrss is not
// enough on Linux: exec carries the parent's high-water mark into the child's (the child ran
// in the parent's memory until its exec), so a large test process would read as the handler's
// peak.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// usageOf reads an ended process's usage; MaxRSS is 0 where the platform does not report it.
func usageOf(ps *os.ProcessState) Usage {
	u := Usage{CPU: ps.UserTime() + ps.SystemTime()}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		u.MaxRSS = int64(ru.Maxrss) * 1024 // Linux reports kilobytes
		if runtime.GOOS == "darwin" {
			u.MaxRSS = int64(ru.Maxrss) // macOS reports bytes
		}
	}
	return u
}
