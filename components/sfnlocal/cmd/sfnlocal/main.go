// Command sfnlocal runs a Step Functions state machine definition locally with skein's engine
// (package github.com/skeinhq/skein/components/sfnlocal).
//
//	sfnlocal -f definition.json [-t StateName:executable]... < input.json
//
// The execution input is read from standard input (empty means {}). Each -t runs an executable
// instead of the named Task state's resource (a -t naming no Task state is an error): it
// receives the task input JSON on standard input, and also as its first argument while that is
// under 128 KiB, and prints its result JSON on stdout; a non-zero exit fails the task, with the
// error name and cause taken from a JSON object {"errorType":...,"errorMessage":...} on stderr
// when there is one, otherwise States.TaskFailed with stderr (its last 64 KiB) as the cause.
// The executable runs in its own process group, killed whole when the task times out.
//
// Exit status: 0 and the execution output as one line of JSON on stdout when the execution
// succeeds; 2 and {"error":...,"cause":...} on stdout when it fails; 1 and a message on stderr
// when the definition (or the command line, or the input) is invalid.
//
// Other flags: -events FILE writes the execution history as JSON Lines; -progress draws a live
// one-line display of Map progress on stderr; -time-scale F multiplies Wait and Retry sleeps.
//
//	sfnlocal serve [-addr host:port] [-f definition.json [-name N] [-type STANDARD|EXPRESS] [-t StateName:executable]...]
//
// serves the AWS Step Functions JSON protocol at / (POST, X-Amz-Target:
// AWSStepFunctions.<Operation>: CreateStateMachine, DescribeStateMachine, StartExecution,
// DescribeExecution, RedriveExecution, ListExecutions, ListMapRuns, DescribeMapRun; see
// sfnlocal.Server) and the local
// console at GET /, until interrupted. With -f it creates that state machine first (its -t
// overrides apply to it). Its first line on stdout is "listening on http://<address>" (with
// -addr 127.0.0.1:0 the port is chosen), then the state machine's ARN when -f is given.
// Default -addr 127.0.0.1:8083. Exit status 1 when the flags or the definition are invalid or
// the address cannot be listened on; 0 after an interrupt.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"

	"github.com/skeinhq/skein/components/sfnlocal"
)

type overrides []string

func (o *overrides) String() string     { return strings.Join(*o, ",") }
func (o *overrides) Set(v string) error { *o = append(*o, v); return nil }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "serve" {
		return serve(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("sfnlocal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("f", "", "state machine definition file (Amazon States Language JSON)")
	var ts overrides
	fs.Var(&ts, "t", "StateName:executable, run executable instead of the Task state's resource (repeatable)")
	events := fs.String("events", "", "write the execution history as JSON Lines to this file")
	prog := fs.Bool("progress", false, "draw a live one-line Map progress display on stderr")
	scale := fs.Float64("time-scale", 1, "multiply Wait and Retry sleeps by this factor (0.001: a 10 s wait takes 10 ms)")
	name := fs.String("name", "", "state machine name used in ARNs (default local)")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if *file == "" || fs.NArg() > 0 {
		_, _ = fmt.Fprintln(stderr, "usage: sfnlocal -f definition.json [-t StateName:executable]... < input.json")
		return 1
	}
	raw, err := os.ReadFile(*file)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "sfnlocal: %v\n", err)
		return 1
	}
	def, err := sfnlocal.Parse(raw)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "sfnlocal: %s: %v\n", *file, err)
		return 1
	}
	opts := &sfnlocal.Options{TimeScale: *scale, Name: *name, TaskOverrides: map[string]sfnlocal.Invoker{}}
	var bad []error
	for _, t := range ts {
		st, exe, ok := strings.Cut(t, ":")
		if !ok || st == "" || exe == "" {
			bad = append(bad, fmt.Errorf("-t %q: want StateName:executable", t))
			continue
		}
		opts.TaskOverrides[st] = &sfnlocal.Executable{Path: exe}
	}
	if *scale < 0 {
		bad = append(bad, fmt.Errorf("-time-scale must be >= 0, got %v", *scale))
	}
	if len(bad) > 0 {
		_, _ = fmt.Fprintf(stderr, "sfnlocal: %v\n", errors.Join(bad...))
		return 1
	}
	if *events != "" {
		f, err := os.Create(*events)
		if err != nil {
			_, _ = fmt.Fprintf(stderr, "sfnlocal: %v\n", err)
			return 1
		}
		defer func() {
			// a history that could not be written completely is worth a warning, not another
			// exit status: the status reports the execution
			if cerr := f.Close(); cerr != nil {
				_, _ = fmt.Fprintf(stderr, "sfnlocal: writing %s: %v\n", *events, cerr)
			}
		}()
		opts.EventLog = f
	}
	if *prog {
		opts.Progress = stderr
	}
	eng, err := sfnlocal.New(def, opts)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "sfnlocal: %v\n", err)
		return 1
	}
	input, err := io.ReadAll(stdin)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "sfnlocal: reading the input: %v\n", err)
		return 1
	}
	if len(bytes.TrimSpace(input)) > 0 && !json.Valid(input) {
		_, _ = fmt.Fprintln(stderr, "sfnlocal: the input on stdin is not valid JSON")
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	out, err := eng.Execute(ctx, input)
	if err != nil {
		var ee *sfnlocal.ExecutionError
		if !errors.As(err, &ee) {
			ee = &sfnlocal.ExecutionError{Name: "ExecutionAborted", Cause: err.Error()}
		}
		line, _ := json.Marshal(ee)
		_, _ = fmt.Fprintln(stdout, string(line))
		return 2
	}
	_, _ = fmt.Fprintln(stdout, string(out))
	return 0
}

// serve runs `sfnlocal serve`.
func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sfnlocal serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8083", "address to listen on (port 0: any free port)")
	file := fs.String("f", "", "create this state machine definition at start")
	name := fs.String("name", "local", "name of the -f state machine")
	typ := fs.String("type", "STANDARD", "type of the -f state machine: STANDARD or EXPRESS")
	var ts overrides
	fs.Var(&ts, "t", "StateName:executable for the -f state machine (repeatable)")
	scale := fs.Float64("time-scale", 1, "multiply Wait and Retry sleeps by this factor")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() > 0 || (*file == "" && len(ts) > 0) {
		_, _ = fmt.Fprintln(stderr, "usage: sfnlocal serve [-addr host:port] [-f definition.json [-name N] [-type STANDARD|EXPRESS] [-t StateName:executable]...]")
		return 1
	}
	if *scale < 0 {
		_, _ = fmt.Fprintf(stderr, "sfnlocal: -time-scale must be >= 0, got %v\n", *scale)
		return 1
	}
	opts := &sfnlocal.Options{TimeScale: *scale}
	var bad []error
	var ovr map[string]sfnlocal.Invoker
	if len(ts) > 0 {
		ovr = map[string]sfnlocal.Invoker{}
		for _, t := range ts {
			st, exe, ok := strings.Cut(t, ":")
			if !ok || st == "" || exe == "" {
				bad = append(bad, fmt.Errorf("-t %q: want StateName:executable", t))
				continue
			}
			ovr[st] = &sfnlocal.Executable{Path: exe}
		}
	}
	if len(bad) > 0 {
		_, _ = fmt.Fprintf(stderr, "sfnlocal: %v\n", errors.Join(bad...))
		return 1
	}
	srv := sfnlocal.NewServer(opts)
	defer srv.Close()
	smArn := ""
	if *file != "" {
		raw, err := os.ReadFile(*file)
		if err != nil {
			_, _ = fmt.Fprintf(stderr, "sfnlocal: %v\n", err)
			return 1
		}
		if smArn, err = srv.AddStateMachine(*name, *typ, raw, ovr); err != nil {
			_, _ = fmt.Fprintf(stderr, "sfnlocal: %s: %v\n", *file, err)
			return 1
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "sfnlocal: %v\n", err)
		return 1
	}
	_, _ = fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	if smArn != "" {
		_, _ = fmt.Fprintln(stdout, smArn)
	}
	hs := &http.Server{Handler: srv}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = hs.Close()
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		_, _ = fmt.Fprintf(stderr, "sfnlocal: %v\n", err)
		return 1
	}
	return 0
}
