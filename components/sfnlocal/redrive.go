package sfnlocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// frame is where a machine run (an execution, a Parallel branch, an inline Map iteration)
// stopped unsuccessfully: the state it was in, that state's input, and what that state left
// (its branches, iterations or Map Run) when it is a Parallel or Map state.
type frame struct {
	state string
	input any
	sub   *subRun
}

// subRun is what a Parallel or Map state that failed left: each branch's or iteration's output
// when it succeeded and where it stopped when it did not, or the Map Run of a Distributed Map.
type subRun struct {
	outs   []any
	ok     []bool
	frames []*frame // nil, or nil for the branches and iterations that never stopped unsuccessfully
	dist   *mapRunMemo
}

func (p *subRun) succeeded(i int) bool { return p != nil && i < len(p.ok) && p.ok[i] }

func (p *subRun) frame(i int) *frame {
	if p == nil || i >= len(p.frames) {
		return nil
	}
	return p.frames[i]
}

// Execution statuses (DescribeExecution's status).
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
)

// Redrive statuses (DescribeExecution's redriveStatus).
const (
	RedriveRedrivable    = "REDRIVABLE"
	RedriveNotRedrivable = "NOT_REDRIVABLE"
)

// redrivePeriod is how long after it stopped an execution can be redriven (AWS: 14 days).
const redrivePeriod = 14 * 24 * time.Hour

// Error codes of Engine.Redrive and Engine.Describe, AWS's exception names (the JSON protocol's
// __type).
const (
	CodeExecutionDoesNotExist  = "ExecutionDoesNotExist"
	CodeExecutionNotRedrivable = "ExecutionNotRedrivable"
	CodeInvalidArn             = "InvalidArn"
)

// RequestError is a request the engine refuses, as the Step Functions API refuses it: Code is
// AWS's exception name (ExecutionNotRedrivable, ExecutionDoesNotExist, InvalidArn).
//
//	var re *sfnlocal.RequestError
//	if errors.As(err, &re) && re.Code == sfnlocal.CodeExecutionNotRedrivable { ... }
type RequestError struct {
	Code    string
	Message string
}

func (e *RequestError) Error() string { return e.Code + ": " + e.Message }

// ExecutionDescription is what DescribeExecution returns for an execution, with AWS's JSON
// names (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html).
type ExecutionDescription struct {
	ExecutionArn    string `json:"executionArn"`
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	// Status is RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED.
	Status    string    `json:"status"`
	StartDate time.Time `json:"startDate"`
	// StopDate is zero while the execution runs.
	StopDate time.Time `json:"stopDate,omitzero"`
	Input    string    `json:"input"`
	// Output is the execution's output JSON when it succeeded, empty otherwise.
	Output string `json:"output,omitempty"`
	// Error and Cause say how it failed, empty otherwise.
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
	// RedriveCount counts the redrives (0 before the first); RedriveDate is the latest one's
	// time, zero before the first.
	RedriveCount int       `json:"redriveCount"`
	RedriveDate  time.Time `json:"redriveDate,omitzero"`
	// RedriveStatus is REDRIVABLE or NOT_REDRIVABLE, and RedriveStatusReason says why not.
	RedriveStatus       string `json:"redriveStatus"`
	RedriveStatusReason string `json:"redriveStatusReason,omitempty"`
}

// execRecord is a top-level execution the engine ran: its description and, while it is
// unsuccessful, where it stopped.
type execRecord struct {
	desc      ExecutionDescription // Input and Output empty: inputJSON and output hold them
	inputJSON []byte               // the input as given (a copy; empty for {})
	output    []byte               // the output when the execution succeeded
	start     time.Time
	frame     *frame // where the latest attempt stopped; nil once it succeeded
	events    int64  // history events so far, all attempts
	lastEvent int64  // id of its latest event (when events are listened to)
	notRedriv string // why it cannot be redriven whatever its status ("" when it can)
}

// track records a top-level execution as it starts.
// It keeps the input's text rather than its parsed value: a redrive parses it again, and the
// engine holds no execution's values once it succeeded.
func (e *Engine) track(x *execution, raw []byte) *execRecord {
	rec := &execRecord{
		desc: ExecutionDescription{ExecutionArn: x.arn, StateMachineArn: e.arn, Name: x.name, Status: StatusRunning,
			StartDate: x.start},
		inputJSON: bytes.Clone(bytes.TrimSpace(raw)), start: x.start,
	}
	e.execMu.Lock()
	e.execs[x.arn] = rec
	e.execMu.Unlock()
	return rec
}

// finish records how an attempt of a top-level execution ended and returns Execute's results.
func (e *Engine) finish(rec *execRecord, x *execution, out any, fr *frame, err error) ([]byte, string, error) {
	var b []byte
	if err == nil {
		var merr error
		if b, merr = marshalJSON(out); merr != nil {
			err = merr
		}
	}
	e.execMu.Lock()
	defer e.execMu.Unlock()
	d := &rec.desc
	d.StopDate = time.Now().UTC()
	rec.events, rec.lastEvent = x.events.Load(), x.lastEvent.Load()
	rec.frame = fr
	rec.output, d.Error, d.Cause = nil, "", ""
	var ee *ExecutionError
	switch {
	case err == nil:
		d.Status, rec.output = StatusSucceeded, b
	case errors.As(err, &ee) && ee.Name == ErrTimeout && strings.HasPrefix(ee.Cause, causeExecutionTimedOut):
		d.Status, d.Error, d.Cause = StatusTimedOut, ee.Name, ee.Cause
	case errors.As(err, &ee):
		d.Status, d.Error, d.Cause = StatusFailed, ee.Name, ee.Cause
		if ee.Name == ErrRuntime && strings.HasPrefix(ee.Cause, causeHistoryCap) {
			rec.notRedriv = "Execution reached the maximum number of history events"
		}
	default:
		d.Status, d.Cause = StatusAborted, err.Error()
	}
	if err != nil {
		return nil, x.arn, err
	}
	return b, x.arn, nil
}

// redrivable says why rec cannot be redriven now ("" when it can); e.execMu is held.
func (e *Engine) redrivable(rec *execRecord, now time.Time) string {
	d := &rec.desc
	switch {
	case e.opts.Type == "EXPRESS":
		return "Express executions cannot be redriven"
	case d.Status == StatusRunning || d.Status == StatusSucceeded:
		return "Execution is " + d.Status + " and cannot be redriven"
	case rec.notRedriv != "":
		return rec.notRedriv
	case now.Sub(d.StopDate) > redrivePeriod:
		return "Execution stopped more than 14 days ago and cannot be redriven"
	case e.opts.Limits.HistoryEvents > 0 && rec.events >= int64(e.opts.Limits.HistoryEvents)-1:
		return fmt.Sprintf("Execution has %d history events: a redrive needs room for 2 more under the %d allowed", rec.events, e.opts.Limits.HistoryEvents)
	}
	return ""
}

func (e *Engine) describe(rec *execRecord, now time.Time) *ExecutionDescription {
	d := rec.desc
	d.Input, d.Output = "{}", string(rec.output)
	if len(rec.inputJSON) > 0 {
		d.Input = string(rec.inputJSON)
	}
	d.RedriveStatus, d.RedriveStatusReason = RedriveRedrivable, ""
	if why := e.redrivable(rec, now); why != "" {
		d.RedriveStatus, d.RedriveStatusReason = RedriveNotRedrivable, why
	}
	return &d
}

// lookup finds a top-level execution by ARN; e.execMu is held.
func (e *Engine) lookup(executionArn string) (*execRecord, error) {
	prefix := strings.Replace(e.arn, ":stateMachine:", ":execution:", 1) + ":"
	if !strings.HasPrefix(executionArn, "arn:aws:states:") || strings.Count(executionArn, ":") < 7 {
		return nil, &RequestError{Code: CodeInvalidArn, Message: fmt.Sprintf("Invalid Arn: '%s'", executionArn)}
	}
	rec := e.execs[executionArn]
	if rec == nil {
		why := ""
		if !strings.HasPrefix(executionArn, prefix) {
			why = fmt.Sprintf(" (this engine's executions start with %s)", prefix)
		}
		return nil, &RequestError{Code: CodeExecutionDoesNotExist, Message: "Execution Does Not Exist: '" + executionArn + "'" + why}
	}
	return rec, nil
}

// Describe is DescribeExecution for an execution this engine ran (Execute, ExecuteNamed or
// Redrive): its status, input and output or error, and redriveCount, redriveDate, redriveStatus
// and redriveStatusReason. An unknown ARN fails with *RequestError ExecutionDoesNotExist.
func (e *Engine) Describe(executionArn string) (*ExecutionDescription, error) {
	e.execMu.Lock()
	defer e.execMu.Unlock()
	rec, err := e.lookup(executionArn)
	if err != nil {
		return nil, err
	}
	return e.describe(rec, time.Now()), nil
}

// Redrive is RedriveExecution
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html): it
// continues a FAILED, ABORTED or TIMED_OUT execution of this engine, under the same execution
// ARN and with the same input, from the state that did not succeed, and returns its new outcome
// as Execute does. States that succeeded are not run again; in a Parallel or inline Map state
// only the branches and iterations that failed, were aborted or never started run again (the
// others keep their outputs); a Distributed Map's Map Run is redriven: same Map Run ARN,
// only the child executions that did not succeed run again, the tolerated failure threshold is
// judged over the whole run and ResultWriter writes the results again. The redriven state's
// Retry counts start from 0. $$.Execution.RedriveCount is the redrive's number (1 for the
// first) and $$.Execution.RedriveTime its time; the history goes on with ExecutionRedriven
// (redriveCount) and the events that follow, ids continuing the earlier attempt's.
//
// It fails with *RequestError: ExecutionDoesNotExist for an ARN this engine did not run,
// ExecutionNotRedrivable for an execution that is running or succeeded, of an EXPRESS state
// machine, stopped more than 14 days ago, or whose history has no room for a redrive (24,999
// events); the message says which.
func (e *Engine) Redrive(ctx context.Context, executionArn string) ([]byte, error) {
	run, err := e.beginRedrive(executionArn)
	if err != nil {
		return nil, err
	}
	return run(ctx)
}

// beginRedrive checks that the execution can be redriven, marks it RUNNING with its redrive
// counted, and returns the function that runs the redrive.
func (e *Engine) beginRedrive(executionArn string) (func(context.Context) ([]byte, error), error) {
	now := time.Now().UTC()
	e.execMu.Lock()
	rec, err := e.lookup(executionArn)
	if err != nil {
		e.execMu.Unlock()
		return nil, err
	}
	if why := e.redrivable(rec, now); why != "" {
		e.execMu.Unlock()
		return nil, &RequestError{Code: CodeExecutionNotRedrivable, Message: why}
	}
	var in any = newObject(0)
	if len(rec.inputJSON) > 0 {
		v, err := parseJSON(rec.inputJSON)
		if err != nil {
			e.execMu.Unlock()
			return nil, fmt.Errorf("sfnlocal: the execution input is not JSON: %w", err)
		}
		in = v
	}
	d := &rec.desc
	d.Status, d.StopDate = StatusRunning, time.Time{}
	d.RedriveCount++
	d.RedriveDate = now
	prev, name, count := rec.frame, d.Name, d.RedriveCount
	rec.frame = nil
	e.execMu.Unlock()

	run := e.newRun()
	if run.sink != nil {
		run.sink.next = rec.lastEvent
	}
	x := run.newExecution(e.def.m, e.arn, e.opts.Name, name, "", in)
	x.start = rec.start
	x.redriven(count, now)
	x.events.Store(rec.events)
	x.lastEvent.Store(rec.lastEvent)
	if prev == nil {
		prev = &frame{state: e.def.m.startAt, input: in}
	}
	return func(ctx context.Context) ([]byte, error) {
		defer run.prog.close()
		out, fr, err := run.executeX(ctx, x, e.def.m, e.def.m.timeout, prev)
		run.bg.Wait()
		b, _, err := e.finish(rec, x, out, fr, err)
		return b, err
	}, nil
}

// MapRunCounts are a Map Run's child executions (executionCounts) or items (itemCounts) by
// status, over the whole run: every attempt, the latest outcome of each child.
type MapRunCounts struct {
	Pending        int `json:"pending"`
	Running        int `json:"running"`
	Succeeded      int `json:"succeeded"`
	Failed         int `json:"failed"`
	TimedOut       int `json:"timedOut"`
	Aborted        int `json:"aborted"`
	Total          int `json:"total"`
	ResultsWritten int `json:"resultsWritten"`
	// PendingRedrive counts the unsuccessful ones a redrive of the parent would run again;
	// FailuresNotRedrivable is always 0 here.
	PendingRedrive        int `json:"pendingRedrive"`
	FailuresNotRedrivable int `json:"failuresNotRedrivable"`
}

// MapRunDescription is DescribeMapRun's answer, with AWS's JSON names
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeMapRun.html), as
// the latest attempt of the Map Run left it.
type MapRunDescription struct {
	MapRunArn    string `json:"mapRunArn"`
	ExecutionArn string `json:"executionArn"`
	// Status is SUCCEEDED, FAILED or ABORTED.
	Status                     string       `json:"status"`
	StartDate                  time.Time    `json:"startDate"`
	StopDate                   time.Time    `json:"stopDate"`
	MaxConcurrency             int          `json:"maxConcurrency"`
	ToleratedFailurePercentage float64      `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      int          `json:"toleratedFailureCount"`
	ItemCounts                 MapRunCounts `json:"itemCounts"`
	ExecutionCounts            MapRunCounts `json:"executionCounts"`
	// RedriveCount counts the redrives of the Map Run (with its parent); RedriveDate is the
	// latest one's time, zero before the first.
	RedriveCount int       `json:"redriveCount"`
	RedriveDate  time.Time `json:"redriveDate,omitzero"`
}

// describeMapRun records how an attempt of a Map Run ended.
func (e *Engine) describeMapRun(execArn string, memo *mapRunMemo, status string, conc, tolCount int, tolPct float64, written bool) {
	d := &MapRunDescription{MapRunArn: memo.arn, ExecutionArn: execArn, Status: status, StartDate: memo.start,
		StopDate: time.Now().UTC(), MaxConcurrency: conc, RedriveCount: memo.redrives, RedriveDate: memo.redriveDate}
	if tolCount > 0 {
		d.ToleratedFailureCount = tolCount
	}
	if tolPct > 0 {
		d.ToleratedFailurePercentage = tolPct
	}
	for i := range memo.records {
		r := &memo.records[i]
		for _, c := range []struct {
			counts *MapRunCounts
			n      int
		}{{&d.ExecutionCounts, 1}, {&d.ItemCounts, r.items}} {
			c.counts.Total += c.n
			switch r.status {
			case "SUCCEEDED":
				c.counts.Succeeded += c.n
			case "FAILED":
				c.counts.Failed += c.n
			default:
				c.counts.Pending += c.n
			}
			if r.status != "SUCCEEDED" && status != StatusSucceeded {
				c.counts.PendingRedrive += c.n
			}
			if written {
				c.counts.ResultsWritten += c.n
			}
		}
	}
	e.execMu.Lock()
	if e.mapRuns == nil {
		e.mapRuns = map[string]*MapRunDescription{}
	}
	e.mapRuns[memo.arn] = d
	e.execMu.Unlock()
}

// MapRunsOf is ListMapRuns: the ARNs of the Map Runs an execution (by ARN) started, sorted.
func (e *Engine) MapRunsOf(executionArn string) []string {
	e.execMu.Lock()
	defer e.execMu.Unlock()
	var arns []string
	for arn, d := range e.mapRuns {
		if d.ExecutionArn == executionArn {
			arns = append(arns, arn)
		}
	}
	sort.Strings(arns)
	return arns
}

// DescribeMapRun is DescribeMapRun for a Map Run this engine ran: its status and the counts of
// its child executions and items over the whole run (a redriven Map Run counts the children
// that succeeded before the redrive as succeeded), after its latest attempt. An unknown ARN
// fails with *RequestError ResourceNotFound.
func (e *Engine) DescribeMapRun(mapRunArn string) (*MapRunDescription, error) {
	e.execMu.Lock()
	defer e.execMu.Unlock()
	d := e.mapRuns[mapRunArn]
	if d == nil {
		return nil, &RequestError{Code: "ResourceNotFound", Message: "Map Run Does Not Exist: '" + mapRunArn + "'"}
	}
	c := *d
	return &c, nil
}
