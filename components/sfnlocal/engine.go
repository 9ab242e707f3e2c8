package sfnlocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures an Engine. The zero value runs with real-time sleeps, no functions, an
// empty in-memory object store and in-memory queues.
type Options struct {
	// Functions resolves Lambda functions (direct ARNs and arn:aws:states:::lambda:invoke).
	// Nil means none: every Lambda task fails with Lambda.ResourceNotFoundException.
	Functions *Functions
	// TaskOverrides runs a handler instead of a Task state's Resource, by state name (the CLI's
	// -t StateName:executable). The override receives the task's effective input and its result
	// is the task result, whatever the Resource. Nil means no overrides.
	TaskOverrides map[string]Invoker
	// Store backs ItemReader, ResultWriter and the S3 integrations. Nil means a new empty
	// MemStore per Engine.
	Store ObjectStore
	// Queues receives sqs:sendMessage messages. Nil means a new MemQueues per Engine.
	Queues MessageSender
	// StateMachines resolves states:startExecution targets by ARN or name. Nil means none.
	StateMachines map[string]*Definition
	// TimeScale multiplies every Wait and Retry sleep: 0.001 turns a 10 s wait into 10 ms. Zero
	// means 1 (real time); negative values are rejected. Timeouts are not scaled: they bound
	// real handler time.
	TimeScale float64
	// OnEvent receives every history event, synchronously, from the goroutine that produced
	// it (calls are serialised). Nil means no callback.
	OnEvent func(Event)
	// EventLog receives every history event as one JSON line (GetExecutionHistory's shape).
	// Nil means no log.
	EventLog io.Writer
	// Progress receives a live one-line display of Map progress (for a terminal: it redraws
	// with carriage returns). Nil means no display.
	Progress io.Writer
	// Name is the state machine's name in ARNs and the context object. Empty means "local".
	Name string
	// Region and Account appear in the ARNs the engine makes. Empty means us-east-1 and
	// 123456789012.
	Region, Account string
	// MaxDistributedConcurrency caps a Distributed Map's child executions in flight when its
	// MaxConcurrency is 0 (AWS allows up to 10,000). Zero means 1000.
	MaxDistributedConcurrency int
	// Limits are the AWS quotas the engine enforces. The zero value enforces AWS's.
	Limits Limits
	// Type is the state machine's type, STANDARD or EXPRESS. An Express state machine's
	// executions have no history cap and cannot be redriven (Engine.Redrive fails with
	// ExecutionNotRedrivable), as in AWS. Empty means STANDARD.
	Type string
}

// Limits are AWS quotas (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html)
// that the engine enforces, so that what fails in AWS fails locally.
type Limits struct {
	// PayloadBytes caps the execution input and every state's output, counted as their JSON:
	// more fails with States.DataLimitExceeded (the execution input before anything runs; a
	// state's output as that state's failure, which no Catch handles). Task payloads and
	// results are capped at 256 KiB whatever this says. Zero means 262,144 (256 KiB, AWS's
	// quota); negative means no cap.
	PayloadBytes int
	// HistoryEvents caps the history of a Standard execution (the top-level one, and Distributed
	// Map children of ExecutionType STANDARD): an execution that would write another event than
	// ExecutionSucceeded as event number HistoryEvents fails with States.Runtime (AWS names no
	// error for it; its cause is AWS's message). Events are counted whether or not anyone
	// listens. Zero means 25,000 (AWS's quota); negative means no cap.
	HistoryEvents int
}

// Engine runs executions of one state machine definition. It is safe for concurrent use: each
// Execute is an independent execution.
type Engine struct {
	def    *Definition
	opts   Options
	arn    string
	rngMu  sync.Mutex
	rng    *mrand.Rand
	engine *Engine // root engine for nested machines

	execMu sync.Mutex
	execs  map[string]*execRecord // by execution ARN: what DescribeExecution and Redrive read
	// mapRuns are the Map Runs' descriptions by ARN, as their latest attempt left them
	mapRuns map[string]*MapRunDescription
}

// New validates the options and returns an engine for def.
func New(def *Definition, opts *Options) (*Engine, error) {
	if def == nil {
		return nil, errors.New("sfnlocal: New: the definition is nil")
	}
	o := Options{}
	if opts != nil {
		o = *opts
	}
	var errs []error
	if o.TimeScale < 0 || math.IsNaN(o.TimeScale) || math.IsInf(o.TimeScale, 0) {
		errs = append(errs, fmt.Errorf("sfnlocal: Options.TimeScale must be a finite number >= 0 (0 means 1), got %v", o.TimeScale))
	}
	if o.MaxDistributedConcurrency < 0 || o.MaxDistributedConcurrency > maxDistributedConcurrency {
		errs = append(errs, fmt.Errorf("sfnlocal: Options.MaxDistributedConcurrency must be in 0..%d (0 means %d), got %d",
			maxDistributedConcurrency, defaultDistributedConcurrency, o.MaxDistributedConcurrency))
	}
	if o.Name != "" && (len(o.Name) > 80 || strings.ContainsAny(o.Name, " :/*?\"<>{}[]")) {
		errs = append(errs, fmt.Errorf("sfnlocal: Options.Name must be 1..80 characters without spaces or :/*?\"<>{}[], got %q", o.Name))
	}
	tasks := map[string]bool{}
	def.m.taskStates(tasks)
	for _, name := range slices.Sorted(maps.Keys(o.TaskOverrides)) {
		if o.TaskOverrides[name] == nil {
			errs = append(errs, fmt.Errorf("sfnlocal: Options.TaskOverrides[%q] is nil", name))
		}
		if !tasks[name] {
			errs = append(errs, fmt.Errorf("sfnlocal: Options.TaskOverrides[%q]: the definition has no Task state of that name (its Task states: %s)",
				name, strings.Join(slices.Sorted(maps.Keys(tasks)), ", ")))
		}
	}
	if o.Type != "" && o.Type != "STANDARD" && o.Type != "EXPRESS" {
		errs = append(errs, fmt.Errorf("sfnlocal: Options.Type must be STANDARD or EXPRESS (empty means STANDARD), got %q", o.Type))
	}
	for name, d := range o.StateMachines {
		if d == nil {
			errs = append(errs, fmt.Errorf("sfnlocal: Options.StateMachines[%q] is nil", name))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if o.TimeScale == 0 {
		o.TimeScale = 1
	}
	if o.Store == nil {
		o.Store = NewMemStore()
	}
	if o.Queues == nil {
		o.Queues = &MemQueues{}
	}
	if o.Name == "" {
		o.Name = "local"
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Account == "" {
		o.Account = "123456789012"
	}
	if o.Type == "" {
		o.Type = "STANDARD"
	}
	if o.MaxDistributedConcurrency == 0 {
		o.MaxDistributedConcurrency = defaultDistributedConcurrency
	}
	if o.Limits.PayloadBytes == 0 {
		o.Limits.PayloadBytes = maxPayloadBytes
	}
	if o.Limits.HistoryEvents == 0 {
		o.Limits.HistoryEvents = maxHistoryEvents
	}
	e := &Engine{def: def, opts: o, rng: mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 7)), execs: map[string]*execRecord{}}
	e.arn = fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", o.Region, o.Account, o.Name)
	e.engine = e
	return e, nil
}

// StateMachineArn is the ARN the engine uses for its state machine.
func (e *Engine) StateMachineArn() string { return e.arn }

// Execute runs one execution with input (a JSON document; empty means {}) and returns its output,
// or an error: *ExecutionError when the execution failed (States.Timeout when the definition's
// TimeoutSeconds elapsed), or the context's error when ctx ended first.
func (e *Engine) Execute(ctx context.Context, input []byte) ([]byte, error) {
	out, _, err := e.ExecuteNamed(ctx, "", input)
	return out, err
}

// ExecuteNamed is Execute with an execution name (empty means a random UUID); it also returns
// the execution's ARN.
func (e *Engine) ExecuteNamed(ctx context.Context, name string, input []byte) (output []byte, executionArn string, err error) {
	var in any = newObject(0)
	if lim := e.opts.Limits.PayloadBytes; lim > 0 && len(input) > lim {
		return nil, "", &ExecutionError{Name: ErrDataLimitExceeded,
			Cause: fmt.Sprintf("The execution input is %d bytes, more than the %d-byte limit", len(input), lim)}
	}
	if len(strings.TrimSpace(string(input))) > 0 {
		v, perr := parseJSON(input)
		if perr != nil {
			return nil, "", fmt.Errorf("sfnlocal: the execution input is not JSON: %w", perr)
		}
		in = v
	}
	if name == "" {
		name = newUUID()
	}
	return e.begin(name, in, input)(ctx)
}

// begin records a new execution named name as RUNNING and returns the function that runs it.
// raw is the input's JSON text (empty for {}), kept for DescribeExecution and redrives.
func (e *Engine) begin(name string, in any, raw []byte) func(context.Context) ([]byte, string, error) {
	run := e.newRun()
	x := run.newExecution(e.def.m, e.arn, e.opts.Name, name, "", in)
	if e.opts.Type == "EXPRESS" {
		x.historyCap = 0
	}
	rec := e.track(x, raw)
	return func(ctx context.Context) ([]byte, string, error) {
		defer run.prog.close()
		out, fr, err := run.executeX(ctx, x, e.def.m, e.def.m.timeout, nil)
		run.bg.Wait()
		return e.finish(rec, x, out, fr, err)
	}
}

func (e *Engine) newRun() *run {
	return &run{
		eng:    e,
		sink:   newEventSink(e.opts.OnEvent, e.opts.EventLog),
		prog:   newProgress(e.opts.Progress),
		mapRun: map[string]int{},
	}
}

// run holds what one top-level Execute shares with its branches, iterations and children.
type run struct {
	eng    *Engine
	sink   *eventSink
	prog   *progress
	bg     sync.WaitGroup // asynchronous nested executions
	mu     sync.Mutex
	mapRun map[string]int
}

func (r *run) execArn(smArn, name string) string {
	return strings.Replace(smArn, ":stateMachine:", ":execution:", 1) + ":" + name
}

// execution is one (child) execution: what the context object's Execution and StateMachine say.
type execution struct {
	r         *run
	arn       string
	name      string
	smArn     string
	smName    string
	input     any
	start     time.Time
	lastEvent atomic.Int64
	// events counts the history events of the execution, listened to or not; historyCap is
	// the count it must stay under (0 for none: Express executions).
	events     atomic.Int64
	historyCap int64
	// rd is nil before a redrive (one pointer keeps execution in its 144-byte size class: one
	// is made per Distributed Map child)
	rd *execRedrive
}

// execRedrive is a redriven execution's $$.Execution.RedriveCount and RedriveTime.
type execRedrive struct {
	count int
	time  time.Time
}

func (x *execution) redriven(count int, at time.Time) { x.rd = &execRedrive{count: count, time: at} }

func (x *execution) redrives() int {
	if x.rd == nil {
		return 0
	}
	return x.rd.count
}

// tally counts n events that were not emitted because nobody listens.
func (x *execution) tally(n int64) { x.events.Add(n) }

func (x *execution) emit(typ string, details map[string]any) {
	x.events.Add(1)
	if x.r.sink == nil {
		return
	}
	id := x.r.sink.emit(x.lastEvent.Load(), typ, x.arn, details)
	x.lastEvent.Store(id)
}

func (x *execution) listening() bool { return x.r.sink != nil }

// execute runs a (child) execution of m to completion, emitting Execution* events.
func (r *run) execute(ctx context.Context, m *machine, smArn, smName, name, parentArn string, input any, timeout time.Duration) (any, error) {
	out, _, err := r.executeX(ctx, r.newExecution(m, smArn, smName, name, parentArn, input), m, timeout, nil)
	return out, err
}

// newExecution makes a (child) execution of m named name (its ARN parentArn when that is set).
func (r *run) newExecution(m *machine, smArn, smName, name, parentArn string, input any) *execution {
	x := &execution{r: r, smArn: smArn, smName: smName, name: name, input: input, start: time.Now().UTC()}
	if lim := r.eng.opts.Limits.HistoryEvents; lim > 0 && m.execType != "EXPRESS" {
		x.historyCap = int64(lim)
	}
	x.arn = r.execArn(smArn, name)
	if parentArn != "" {
		x.arn = parentArn
	}
	return x
}

// executeX runs execution x of m to completion, emitting Execution* events: from the start, or,
// when prev is set, as a redrive from where the previous attempt stopped (ExecutionRedriven
// instead of ExecutionStarted). On failure it also returns where this attempt stopped.
func (r *run) executeX(ctx context.Context, x *execution, m *machine, timeout time.Duration, prev *frame) (any, *frame, error) {
	switch {
	case prev != nil && x.listening():
		x.emit("ExecutionRedriven", map[string]any{"redriveCount": int64(x.redrives())})
	case prev != nil:
		x.tally(1)
	case x.listening():
		x.emit("ExecutionStarted", map[string]any{"input": jsonText(x.input), "roleArn": r.roleArn()})
	default:
		x.tally(1)
	}
	var cancel context.CancelFunc
	if timeout > 0 {
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, errExecutionTimeout)
		defer cancel()
	}
	out, fr, err := x.runMachine(ctx, m, x.input, nil, prev)
	if err == nil && ctx.Err() != nil && context.Cause(ctx) == errExecutionTimeout {
		err = errExecutionTimeout
	}
	if err != nil {
		if errors.Is(err, errExecutionTimeout) || (ctx.Err() != nil && context.Cause(ctx) == errExecutionTimeout) {
			x.emit("ExecutionTimedOut", map[string]any{"error": ErrTimeout, "cause": "The execution timed out after its TimeoutSeconds"})
			return nil, fr, &ExecutionError{Name: ErrTimeout, Cause: fmt.Sprintf(causeExecutionTimedOut+" (%v)", timeout)}
		}
		var ee *ExecutionError
		if errors.As(err, &ee) {
			x.emit("ExecutionFailed", map[string]any{"error": ee.Name, "cause": ee.Cause})
			return nil, fr, ee
		}
		x.emit("ExecutionAborted", map[string]any{"cause": err.Error()})
		return nil, fr, err
	}
	if x.listening() {
		x.emit("ExecutionSucceeded", map[string]any{"output": jsonText(out)})
	}
	return out, nil, nil
}

var errExecutionTimeout = errors.New("execution timed out")

// causeExecutionTimedOut begins the cause of an execution that ran longer than its
// TimeoutSeconds (status TIMED_OUT, unlike a state's States.Timeout that fails it).
const causeExecutionTimedOut = "The execution ran longer than its TimeoutSeconds"

// causeHistoryCap begins the cause of an execution that reached the history events quota.
const causeHistoryCap = "The execution reached the maximum number of history events"

func (r *run) roleArn() string {
	return fmt.Sprintf("arn:aws:iam::%s:role/sfnlocal", r.eng.opts.Account)
}

// mapItem is the context object's Map.Item for an iteration.
type mapItem struct {
	index int
	value any
}

// runMachine runs the states of m from StartAt to an end, or, when prev is set (a redrive),
// from the state where the previous attempt stopped, with that state's input. When it fails it
// also returns where it stopped, for a later redrive.
func (x *execution) runMachine(ctx context.Context, m *machine, input any, item *mapItem, prev *frame) (any, *frame, error) {
	name := m.startAt
	var prevSub *subRun
	if prev != nil {
		name, input, prevSub = prev.state, prev.input, prev.sub
	}
	for {
		if err := ctx.Err(); err != nil {
			fr := &frame{state: name, input: input, sub: prevSub}
			if context.Cause(ctx) == errExecutionTimeout {
				return nil, fr, errExecutionTimeout
			}
			return nil, fr, context.Cause(ctx)
		}
		s := m.states[name]
		out, next, sub, err := x.runState(ctx, s, input, item, prevSub)
		prevSub = nil
		if err != nil {
			return nil, &frame{state: name, input: input, sub: sub}, err
		}
		if x.r.prog != nil {
			x.r.prog.transitions.Add(1)
		}
		if next == "" {
			return out, nil, nil
		}
		input, name = out, next
	}
}

// stateCtx builds the context object lazily for one state attempt.
type stateCtx struct {
	x       *execution
	s       *state
	entered time.Time
	retries int
	item    *mapItem
	built   any
	// rd is nil unless the state is redriven or a Parallel or Map try of it failed (one
	// pointer keeps stateCtx in its 80-byte size class: two are made per inline Map item)
	rd *stateRedrive
}

// stateRedrive is what a state left when it failed in the attempt being redriven (prev, used by
// its first try only) and what its latest try leaves (sub).
type stateRedrive struct{ prev, sub *subRun }

func (c *stateCtx) prev() *subRun {
	if c.rd == nil {
		return nil
	}
	return c.rd.prev
}

func (c *stateCtx) left() *subRun {
	if c.rd == nil {
		return nil
	}
	return c.rd.sub
}

func (c *stateCtx) leave(sub *subRun) {
	if c.rd == nil {
		c.rd = &stateRedrive{}
	}
	c.rd.sub = sub
}

func (c *stateCtx) get() any {
	if c.built != nil {
		return c.built
	}
	// AWS's member order, as recorded in LocalStack's test_query_context_object_values; no
	// Task object (AWS adds one only with a task token) and RetryCount only where a Retry can
	// apply (Task, Parallel and Map states).
	state := obj("Name", c.s.name, "EnteredTime", c.entered.UTC().Format("2006-01-02T15:04:05.000Z"))
	switch c.s.typ {
	case "Task", "Parallel", "Map":
		state.add("RetryCount", int64(c.retries))
	}
	ex := obj("Id", c.x.arn, "Input", c.x.input, "StartTime", c.x.start.Format("2006-01-02T15:04:05.000Z"),
		"Name", c.x.name, "RoleArn", c.x.r.roleArn(), "RedriveCount", int64(c.x.redrives()))
	if c.x.rd != nil {
		ex.add("RedriveTime", c.x.rd.time.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	m := obj(
		"Execution", ex,
		"StateMachine", obj("Id", c.x.smArn, "Name", c.x.smName),
		"State", state,
	)
	if c.item != nil {
		m.add("Map", obj("Item", obj("Index", int64(c.item.index), "Value", c.item.value)))
	}
	c.built = m
	return m
}

func (c *stateCtx) fn() ctxSource { return c }

func (c *stateCtx) mapItem() *mapItem { return c.item }

func applyPath(p optPathC, v any, ctx ctxSource, field string) (any, error) {
	if p.null {
		return newObject(0), nil
	}
	if p.path == nil {
		return v, nil
	}
	out, ok := p.path.get(v, ctx)
	if !ok {
		return nil, newErr(ErrRuntime, "Invalid path '%s' : No results for path: %s specified in %s", p.path.src, p.path.src, field)
	}
	return out, nil
}

func applyResultPath(p optPathC, input, result any) (any, error) {
	if p.null {
		return input, nil
	}
	if p.path == nil {
		return result, nil
	}
	return p.path.set(input, result)
}

// runState runs one state and returns its output and the next state's name ("" at an end), or,
// when it fails, what a Parallel or Map state leaves for a redrive. prev is what the state left
// in the attempt being redriven.
func (x *execution) runState(ctx context.Context, s *state, input any, item *mapItem, prev *subRun) (any, string, *subRun, error) {
	if x.historyCap > 0 && x.events.Load() >= x.historyCap-1 {
		// the next event would be the last one allowed, and it is not ExecutionSucceeded
		return nil, "", prev, newErr(ErrRuntime, causeHistoryCap+" (%d).", x.historyCap)
	}
	sc := &stateCtx{x: x, s: s, entered: time.Now(), item: item}
	if prev != nil {
		sc.rd = &stateRedrive{prev: prev}
	}
	if x.listening() {
		x.emit(s.typ+"StateEntered", map[string]any{"name": s.name, "input": jsonText(input)})
	} else {
		x.tally(1)
	}
	out, next, err := x.stateBody(ctx, s, input, sc)
	if err != nil {
		return nil, "", sc.left(), err
	}
	if lim := x.r.eng.opts.Limits.PayloadBytes; lim > 0 && !jsonFits(out, lim) {
		return nil, "", nil, newErr(ErrDataLimitExceeded, "The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", s.name)
	}
	if x.listening() {
		x.emit(s.typ+"StateExited", map[string]any{"name": s.name, "output": jsonText(out)})
	} else {
		x.tally(1)
	}
	return out, next, nil, nil
}

func (x *execution) stateBody(ctx context.Context, s *state, input any, sc *stateCtx) (any, string, error) {
	cf := sc.fn()
	switch s.typ {
	case "Pass":
		eff, err := applyPath(s.inputPath, input, cf, "InputPath")
		if err != nil {
			return nil, "", err
		}
		if s.params != nil {
			if eff, err = s.params.eval(eff, cf); err != nil {
				return nil, "", err
			}
		}
		res := eff
		if s.hasResult {
			res = s.result
		}
		out, err := applyResultPath(s.resultPath, input, res)
		if err != nil {
			return nil, "", err
		}
		out, err = applyPath(s.outputPath, out, cf, "OutputPath")
		return out, s.next, err
	case "Succeed":
		eff, err := applyPath(s.inputPath, input, cf, "InputPath")
		if err != nil {
			return nil, "", err
		}
		out, err := applyPath(s.outputPath, eff, cf, "OutputPath")
		return out, "", err
	case "Fail":
		ee := &ExecutionError{Name: s.failError, Cause: s.failCause}
		dynamic := func(field string, p *jpath, call *icall, dst *string) error {
			var v any
			src := ""
			switch {
			case p != nil:
				v, _ = p.get(input, cf)
				src = p.src
			case call != nil:
				var err error
				if v, err = call.eval(input, cf); err != nil {
					return err
				}
				src = call.src
			default:
				return nil
			}
			str, ok := v.(string)
			if !ok {
				return newErr(ErrRuntime, "The %s %s did not select a string", field, src)
			}
			*dst = str
			return nil
		}
		if err := dynamic("ErrorPath", s.failErrPath, s.failErrCall, &ee.Name); err != nil {
			return nil, "", err
		}
		if err := dynamic("CausePath", s.failCausePath, s.failCauseCall, &ee.Cause); err != nil {
			return nil, "", err
		}
		return nil, "", ee
	case "Choice":
		eff, err := applyPath(s.inputPath, input, cf, "InputPath")
		if err != nil {
			return nil, "", err
		}
		next := ""
		for _, r := range s.choices {
			ok, err := r.eval(eff, cf)
			if err != nil {
				return nil, "", err
			}
			if ok {
				next = r.next
				break
			}
		}
		if next == "" {
			next = s.deflt
		}
		if next == "" {
			return nil, "", newErr(ErrNoChoiceMatched, "No Choice Rule matched and no Default is specified in state '%s'", s.name)
		}
		out, err := applyPath(s.outputPath, eff, cf, "OutputPath")
		return out, next, err
	case "Wait":
		eff, err := applyPath(s.inputPath, input, cf, "InputPath")
		if err != nil {
			return nil, "", err
		}
		var d time.Duration
		switch {
		case s.waitSeconds != nil:
			d = time.Duration(*s.waitSeconds * float64(time.Second))
		case s.waitTimestamp != nil:
			d = time.Until(*s.waitTimestamp)
		case s.waitSecPath != nil:
			n, err := intAt(s.waitSecPath, eff, cf, 0, math.MaxInt64, "The SecondsPath", "a non-negative integer")
			if err != nil {
				return nil, "", err
			}
			d = time.Duration(n) * time.Second
		case s.waitTSPath != nil:
			v, ok := s.waitTSPath.get(eff, cf)
			str, _ := v.(string)
			t, isTS := parseTimestamp(str)
			if !ok || !isTS {
				return nil, "", newErr(ErrRuntime, "The TimestampPath %s must select an RFC 3339 timestamp, got %s", s.waitTSPath.src, mustJSONString(v))
			}
			d = time.Until(t)
		}
		if err := x.r.sleep(ctx, d); err != nil {
			return nil, "", err
		}
		out, err := applyPath(s.outputPath, eff, cf, "OutputPath")
		return out, s.next, err
	case "Task", "Parallel", "Map":
		return x.withRetry(ctx, s, input, sc)
	}
	return nil, "", newErr(ErrRuntime, "unknown state type %q", s.typ)
}

// sleep waits d scaled by the time scale, or until ctx ends.
func (r *run) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	d = time.Duration(float64(d) * r.eng.opts.TimeScale)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		if context.Cause(ctx) == errExecutionTimeout {
			return errExecutionTimeout
		}
		return context.Cause(ctx)
	}
}

// errorMatches implements ErrorEquals matching. States.Runtime is never retried or caught, not
// even when named (LocalStack's test_catch_states_runtime, recorded on AWS); States.ALL matches
// every other error, States.DataLimitExceeded of a task's result included (test_states_errors'
// ..._catch_state_all_data_limit_exceeded_... recordings); States.TaskFailed matches every
// error but States.Timeout (and States.Runtime).
func errorMatches(names []string, err string) bool {
	if err == ErrRuntime {
		return false
	}
	for _, n := range names {
		switch {
		case n == err, n == ErrAll:
			return true
		case n == ErrTaskFailed && err != ErrTimeout:
			return true
		}
	}
	return false
}

// retryDelay is the wait before retry number attempt (0-based) of a retrier: IntervalSeconds x
// BackoffRate^attempt, capped at MaxDelaySeconds, and with FULL jitter a uniform random value
// between 0 and that.
func (r *run) retryDelay(rt retrier, attempt int) time.Duration {
	sec := rt.interval * math.Pow(rt.backoff, float64(attempt))
	if rt.maxDelay > 0 && sec > rt.maxDelay {
		sec = rt.maxDelay
	}
	if rt.fullJitter {
		r.eng.rngMu.Lock()
		sec *= r.eng.rng.Float64()
		r.eng.rngMu.Unlock()
	}
	return time.Duration(sec * float64(time.Second))
}

// withRetry runs a Task, Parallel or Map state's body with its Retry and Catch rules.
func (x *execution) withRetry(ctx context.Context, s *state, input any, sc *stateCtx) (any, string, error) {
	var attempts []int
	if len(s.retry) > 0 {
		attempts = make([]int, len(s.retry))
	}
	for {
		out, err := x.attempt(ctx, s, input, sc)
		if err == nil {
			return out, s.next, nil
		}
		var ee *ExecutionError
		if !errors.As(err, &ee) {
			return nil, "", err // aborted or timed out execution: no retry, no catch
		}
		retried := false
		for i, rt := range s.retry {
			if !errorMatches(rt.errors, ee.Name) {
				continue
			}
			if attempts[i] < rt.maxAttempts {
				d := x.r.retryDelay(rt, attempts[i])
				attempts[i]++
				sc.retries++
				sc.built = nil
				if serr := x.r.sleep(ctx, d); serr != nil {
					return nil, "", serr
				}
				retried = true
			}
			break
		}
		if retried {
			continue
		}
		for _, c := range s.catch {
			if !errorMatches(c.errors, ee.Name) {
				continue
			}
			errObj := obj("Error", ee.Name, "Cause", ee.Cause)
			out, perr := applyResultPath(c.resultPath, input, errObj)
			if perr != nil {
				return nil, "", perr
			}
			return out, c.next, nil
		}
		return nil, "", ee
	}
}

// attempt is one try of a Task, Parallel or Map state: InputPath, Parameters, the work,
// ResultSelector, ResultPath, OutputPath.
func (x *execution) attempt(ctx context.Context, s *state, input any, sc *stateCtx) (any, error) {
	cf := sc.fn()
	eff, err := applyPath(s.inputPath, input, cf, "InputPath")
	if err != nil {
		return nil, err
	}
	var res any
	switch s.typ {
	case "Task":
		if s.params != nil {
			if eff, err = s.params.eval(eff, cf); err != nil {
				return nil, err
			}
		}
		res, err = x.runTask(ctx, s, eff, cf)
	case "Parallel":
		if s.params != nil {
			if eff, err = s.params.eval(eff, cf); err != nil {
				return nil, err
			}
		}
		res, err = x.runParallel(ctx, s, eff, sc)
	case "Map":
		res, err = x.runMap(ctx, s, eff, sc)
	}
	if sc.rd != nil {
		sc.rd.prev = nil // a retry runs the whole state again
	}
	if err != nil {
		return nil, err
	}
	if s.resultSel != nil {
		if res, err = s.resultSel.eval(res, cf); err != nil {
			return nil, err
		}
	}
	out, err := applyResultPath(s.resultPath, input, res)
	if err != nil {
		return nil, err
	}
	return applyPath(s.outputPath, out, cf, "OutputPath")
}

// runParallel runs every branch concurrently on the same input; the first failure cancels the
// others and fails the state with the branch's error. In a redrive (sc.prev() set) the branches
// that succeeded keep their outputs and the others run again from where they stopped.
func (x *execution) runParallel(ctx context.Context, s *state, input any, sc *stateCtx) (any, error) {
	x.emit("ParallelStateStarted", nil)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	results := make([]any, len(s.branches))
	sub := &subRun{outs: results, ok: make([]bool, len(s.branches)), frames: make([]*frame, len(s.branches))}
	prev := sc.prev()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for i, b := range s.branches {
		if prev.succeeded(i) {
			results[i], sub.ok[i] = prev.outs[i], true
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, fr, err := x.runMachine(ctx, b, input, nil, prev.frame(i))
			if err != nil {
				sub.frames[i] = fr
				once.Do(func() {
					firstErr = err
					cancel(errBranchCancelled)
				})
				return
			}
			results[i], sub.ok[i] = out, true
		}()
	}
	wg.Wait()
	if firstErr != nil {
		sc.leave(sub)
		x.emit("ParallelStateFailed", nil)
		return nil, firstErr
	}
	x.emit("ParallelStateSucceeded", nil)
	return results, nil
}

var errBranchCancelled = errors.New("cancelled because another branch or iteration failed")

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// taskStates collects the names of m's Task states, branches and item processors included.
func (m *machine) taskStates(into map[string]bool) {
	for name, s := range m.states {
		if s.typ == "Task" {
			into[name] = true
		}
		for _, b := range s.branches {
			b.taskStates(into)
		}
		if s.processor != nil {
			s.processor.taskStates(into)
		}
	}
}
