package sfnlocal

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/skeinhq/skein/components/asl"
)

// machine is a compiled state machine (or a branch, or a Map's item processor).
type machine struct {
	startAt  string
	states   map[string]*state
	timeout  time.Duration
	distrib  bool   // the processor of a distributed Map
	execType string // STANDARD or EXPRESS for distributed children
}

type retrier struct {
	errors      []string
	interval    float64
	maxAttempts int
	backoff     float64
	maxDelay    float64
	fullJitter  bool
}

type catcher struct {
	errors     []string
	next       string
	resultPath optPathC
}

type optPathC struct {
	null bool
	path *jpath // nil with null=false means "$"
}

type state struct {
	name, typ     string
	next          string
	end           bool
	inputPath     optPathC
	outputPath    optPathC
	resultPath    optPathC
	params        *template
	resultSel     *template
	itemSel       *template
	result        any
	hasResult     bool
	resource      string
	timeout       float64
	timeoutPath   *jpath
	heartbeat     float64
	retry         []retrier
	catch         []catcher
	choices       []*choiceRule
	deflt         string
	waitSeconds   *float64
	waitTimestamp *time.Time
	waitSecPath   *jpath
	waitTSPath    *jpath
	failError     string
	failCause     string
	failErrPath   *jpath
	failCausePath *jpath
	failErrCall   *icall // ErrorPath given as an intrinsic function
	failCauseCall *icall // CausePath given as an intrinsic function
	branches      []*machine
	processor     *machine
	itemsPath     *jpath
	maxConc       int
	maxConcPath   *jpath
	dist          *distSpec
}

// Definition is a parsed and validated state machine definition.
type Definition struct {
	m   *machine
	raw []byte
}

// Parse parses and validates an Amazon States Language definition (JSONPath query language).
// It reports every problem at once as a *DefinitionError.
func Parse(definition []byte) (*Definition, error) {
	rm, err := asl.Decode(definition)
	if err != nil {
		return nil, &DefinitionError{Problems: []string{"the definition is not a JSON object: " + err.Error()}}
	}
	c := &compiler{}
	m := c.machine(rm, "", false)
	if len(c.problems) > 0 {
		return nil, &DefinitionError{Problems: c.problems}
	}
	return &Definition{m: m, raw: append([]byte(nil), definition...)}, nil
}

type compiler struct {
	problems []string
	// names records where each state name is defined: AWS requires state names to be unique in
	// the whole state machine, Parallel branches and Map item processors included.
	names map[string]string
}

func (c *compiler) bad(where, format string, args ...any) {
	if where != "" {
		where += ": "
	}
	c.problems = append(c.problems, where+fmt.Sprintf(format, args...))
}

func (c *compiler) machine(rm *asl.Machine, where string, processor bool) *machine {
	if rm == nil {
		rm = &asl.Machine{} // a branch written as null
	}
	m := &machine{startAt: rm.StartAt, states: map[string]*state{}}
	w := strings.TrimPrefix(where+".StartAt", ".")
	if rm.QueryLanguage != "" && rm.QueryLanguage != "JSONPath" {
		c.bad(strings.TrimPrefix(where+".QueryLanguage", "."), "only JSONPath is supported, got %q", rm.QueryLanguage)
	}
	if len(rm.States) == 0 {
		c.bad(strings.TrimPrefix(where+".States", "."), "at least one state is required")
	}
	if rm.StartAt == "" {
		c.bad(w, "StartAt is required (the name of the first state)")
	} else if _, ok := rm.States[rm.StartAt]; !ok && len(rm.States) > 0 {
		c.bad(w, "StartAt names %q, which is not a state here", rm.StartAt)
	}
	if rm.TimeoutSeconds != nil {
		t := *rm.TimeoutSeconds
		if t <= 0 || t > 99999999 || t != math.Trunc(t) {
			c.bad(strings.TrimPrefix(where+".TimeoutSeconds", "."), "must be a whole number of seconds in 1..99999999, got %v", t)
		}
		m.timeout = time.Duration(t * float64(time.Second))
	}
	if processor {
		m.execType = "EXPRESS"
		if pc := rm.ProcessorConfig; pc != nil {
			switch pc.Mode {
			case "", "INLINE":
			case "DISTRIBUTED":
				m.distrib = true
			default:
				c.bad(where+".ProcessorConfig.Mode", "must be INLINE or DISTRIBUTED, got %q", pc.Mode)
			}
			switch pc.ExecutionType {
			case "":
			case "STANDARD", "EXPRESS":
				m.execType = pc.ExecutionType
			default:
				c.bad(where+".ProcessorConfig.ExecutionType", "must be STANDARD or EXPRESS, got %q", pc.ExecutionType)
			}
			if pc.ExecutionType != "" && !m.distrib {
				c.bad(where+".ProcessorConfig.ExecutionType", "is only allowed with Mode DISTRIBUTED")
			}
		}
	} else if rm.ProcessorConfig != nil {
		c.bad(strings.TrimPrefix(where+".ProcessorConfig", "."), "is only allowed in a Map's ItemProcessor")
	}
	names := rm.Names()
	for _, n := range names {
		if len(n) > 80 {
			c.bad(strings.TrimPrefix(where+".States", "."), "state name %q is longer than 80 characters", n)
		}
		sw := strings.TrimPrefix(where+".States."+n, ".")
		if prev, dup := c.names[n]; dup {
			c.bad(sw, "state names must be unique in the whole state machine (nested branches and item processors included); %q is also defined at %s", n, prev)
		} else {
			if c.names == nil {
				c.names = map[string]string{}
			}
			c.names[n] = sw
		}
		s := c.state(n, rm.States[n], strings.TrimPrefix(where+".States."+n, "."))
		if s != nil {
			m.states[n] = s
		}
	}
	// every state must be reachable from StartAt, as AWS requires
	if _, ok := m.states[rm.StartAt]; ok && len(m.states) == len(rm.States) {
		seen := map[string]bool{rm.StartAt: true}
		queue := []string{rm.StartAt}
		for len(queue) > 0 {
			s := m.states[queue[0]]
			queue = queue[1:]
			if s == nil {
				continue
			}
			targets := []string{s.next, s.deflt}
			for _, ch := range s.choices {
				targets = append(targets, ch.next)
			}
			for _, ct := range s.catch {
				targets = append(targets, ct.next)
			}
			for _, t := range targets {
				if t != "" && !seen[t] {
					seen[t] = true
					queue = append(queue, t)
				}
			}
		}
		for _, n := range names {
			if !seen[n] {
				c.bad(strings.TrimPrefix(where+".States."+n, "."), "the state cannot be reached from StartAt %q", rm.StartAt)
			}
		}
	}
	// transitions must name states of this machine
	for _, n := range names {
		s := m.states[n]
		if s == nil {
			continue
		}
		sw := strings.TrimPrefix(where+".States."+n, ".")
		check := func(field, target string) {
			if target == "" {
				return
			}
			if _, ok := rm.States[target]; !ok {
				c.bad(sw, "%s names %q, which is not a state in the same scope", field, target)
			}
		}
		check("Next", s.next)
		check("Default", s.deflt)
		for i, ch := range s.choices {
			check(fmt.Sprintf("Choices[%d].Next", i), ch.next)
		}
		for i, ct := range s.catch {
			check(fmt.Sprintf("Catch[%d].Next", i), ct.next)
		}
	}
	return m
}

func (c *compiler) path(where, field, src string) *jpath {
	if src == "" {
		return nil
	}
	p, err := compilePath(src)
	if err != nil {
		c.bad(where, "%s: %v", field, err)
		return nil
	}
	return p
}

// pathOrCall compiles a field that holds a path or an intrinsic function.
func (c *compiler) pathOrCall(where, field, src string) (*jpath, *icall) {
	if src == "" || strings.HasPrefix(src, "$") {
		return c.path(where, field, src), nil
	}
	call, err := parseIntrinsic(src)
	if err != nil {
		c.bad(where, "%s must be a path or an intrinsic function: %v", field, err)
		return nil, nil
	}
	return nil, call
}

func (c *compiler) optPath(where, field string, o asl.Path, reference bool) optPathC {
	if !o.Set {
		return optPathC{}
	}
	if o.Null {
		return optPathC{null: true}
	}
	p := c.path(where, field, o.Value)
	if p != nil && reference && !p.isReference() {
		c.bad(where, "%s must be a reference path (field names and indices only, no $$), got %q", field, o.Value)
	}
	return optPathC{path: p}
}

func (c *compiler) tmpl(where, field string, raw json.RawMessage) *template {
	if len(raw) == 0 {
		return nil
	}
	v, err := parseJSON(raw)
	if err != nil {
		c.bad(where, "%s: %v", field, err)
		return nil
	}
	t, ps := compileTemplate(v, field)
	for _, p := range ps {
		c.bad(where, "%s", p)
	}
	return t
}

var allowedFields = map[string][]string{
	"Pass":     {"Result", "ResultPath", "Parameters", "InputPath", "OutputPath", "Next", "End"},
	"Task":     {"Resource", "Parameters", "ResultSelector", "ResultPath", "InputPath", "OutputPath", "Next", "End", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials"},
	"Choice":   {"Choices", "Default", "InputPath", "OutputPath"},
	"Wait":     {"Seconds", "Timestamp", "SecondsPath", "TimestampPath", "InputPath", "OutputPath", "Next", "End"},
	"Succeed":  {"InputPath", "OutputPath"},
	"Fail":     {"Error", "Cause", "ErrorPath", "CausePath"},
	"Parallel": {"Branches", "Parameters", "ResultSelector", "ResultPath", "InputPath", "OutputPath", "Next", "End", "Retry", "Catch"},
	"Map": {"ItemProcessor", "Iterator", "ItemsPath", "ItemSelector", "Parameters", "ItemReader", "ItemBatcher", "ResultWriter",
		"MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
		"ToleratedFailureCount", "ToleratedFailureCountPath", "Label", "ResultSelector", "ResultPath", "InputPath", "OutputPath",
		"Next", "End", "Retry", "Catch"},
}

func (c *compiler) state(name string, rs *asl.State, where string) *state {
	if rs == nil {
		rs = &asl.State{Raw: json.RawMessage("null")}
	}
	if rs.Err != nil {
		c.bad(where, "not a valid state object: %v", rs.Err)
		return nil
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(rs.Raw, &fields)
	allowed, ok := allowedFields[rs.Type]
	if !ok {
		c.bad(where, "Type must be one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map, got %q", rs.Type)
		return nil
	}
	for f := range fields {
		if f == "Type" || f == "Comment" {
			continue
		}
		found := false
		for _, a := range allowed {
			if a == f {
				found = true
				break
			}
		}
		if !found {
			c.bad(where, "field %s is not allowed in a %s state", f, rs.Type)
		}
	}
	s := &state{name: name, typ: rs.Type, next: rs.Next, end: rs.End, deflt: rs.Default, resource: rs.Resource}
	switch rs.Type {
	case "Choice", "Succeed", "Fail":
	default:
		if (rs.Next == "") == !rs.End {
			c.bad(where, "exactly one of Next or End (true) is required")
		}
	}
	s.inputPath = c.optPath(where, "InputPath", rs.InputPath, false)
	s.outputPath = c.optPath(where, "OutputPath", rs.OutputPath, false)
	s.resultPath = c.optPath(where, "ResultPath", rs.ResultPath, true)
	s.params = c.tmpl(where, "Parameters", rs.Parameters)
	s.resultSel = c.tmpl(where, "ResultSelector", rs.ResultSelector)
	s.itemSel = c.tmpl(where, "ItemSelector", rs.ItemSelector)
	if s.itemSel != nil && s.params != nil {
		c.bad(where, "ItemSelector and Parameters are alternatives; use only ItemSelector")
	}
	if len(rs.Result) > 0 {
		v, err := parseJSON(rs.Result)
		if err != nil {
			c.bad(where, "Result: %v", err)
		}
		s.result, s.hasResult = v, true
	}
	for i, r := range rs.Retry {
		c.retrier(fmt.Sprintf("%s.Retry[%d]", where, i), r, s)
	}
	for i, ct := range rs.Catch {
		w := fmt.Sprintf("%s.Catch[%d]", where, i)
		c.errorEquals(w, ct.ErrorEquals)
		if ct.Next == "" {
			c.bad(w, "Next is required")
		}
		s.catch = append(s.catch, catcher{errors: ct.ErrorEquals, next: ct.Next,
			resultPath: c.optPath(w, "ResultPath", ct.ResultPath, true)})
	}
	// States.ALL must be in the last retrier and the last catcher
	// (https://states-language.net/spec.html#retrying-after-error)
	for i, r := range rs.Retry {
		if i < len(rs.Retry)-1 && slices.Contains(r.ErrorEquals, ErrAll) {
			c.bad(fmt.Sprintf("%s.Retry[%d]", where, i), "States.ALL must appear only in the last retrier (%d retriers given)", len(rs.Retry))
		}
	}
	for i, ct := range rs.Catch {
		if i < len(rs.Catch)-1 && slices.Contains(ct.ErrorEquals, ErrAll) {
			c.bad(fmt.Sprintf("%s.Catch[%d]", where, i), "States.ALL must appear only in the last catcher (%d catchers given)", len(rs.Catch))
		}
	}
	switch rs.Type {
	case "Task":
		c.task(where, rs, s)
	case "Choice":
		if len(rs.Choices) == 0 {
			c.bad(where, "Choices must hold at least one rule")
		}
		for i, rc := range rs.Choices {
			var m map[string]any
			v, err := parseJSON(rc.Raw)
			if err == nil {
				m, _ = toGo(v).(map[string]any)
			}
			if m == nil {
				c.bad(where, "Choices[%d] must be an object", i)
				continue
			}
			r, ps := compileChoice(m, fmt.Sprintf("%s.Choices[%d]", where, i), true)
			c.problems = append(c.problems, ps...)
			s.choices = append(s.choices, r)
		}
	case "Wait":
		n := 0
		if _, ok := c.whole(where, "Seconds", rs.Seconds, 0, 99999999); ok {
			n++
			s.waitSeconds = rs.Seconds
		}
		if rs.Timestamp != "" {
			n++
			t, ok := parseTimestamp(rs.Timestamp)
			if !ok {
				c.bad(where, "Timestamp must be an RFC 3339 timestamp such as 2016-03-14T01:59:00Z, got %q", rs.Timestamp)
			}
			s.waitTimestamp = &t
		}
		if rs.SecondsPath != "" {
			n++
			s.waitSecPath = c.path(where, "SecondsPath", rs.SecondsPath)
		}
		if rs.TimestampPath != "" {
			n++
			s.waitTSPath = c.path(where, "TimestampPath", rs.TimestampPath)
		}
		if n != 1 {
			c.bad(where, "exactly one of Seconds, Timestamp, SecondsPath or TimestampPath is required, got %d", n)
		}
	case "Fail":
		if rs.Error != "" && rs.ErrorPath != "" {
			c.bad(where, "Error and ErrorPath are alternatives")
		}
		if rs.Cause != "" && rs.CausePath != "" {
			c.bad(where, "Cause and CausePath are alternatives")
		}
		s.failError, s.failCause = rs.Error, rs.Cause
		// ErrorPath and CausePath take a path or an intrinsic function that returns a string
		// (https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html)
		s.failErrPath, s.failErrCall = c.pathOrCall(where, "ErrorPath", rs.ErrorPath)
		s.failCausePath, s.failCauseCall = c.pathOrCall(where, "CausePath", rs.CausePath)
	case "Parallel":
		if len(rs.Branches) == 0 {
			c.bad(where, "Branches must hold at least one branch")
		}
		for i := range rs.Branches {
			s.branches = append(s.branches, c.machine(rs.Branches[i], fmt.Sprintf("%s.Branches[%d]", where, i), false))
		}
	case "Map":
		c.mapState(where, rs, s)
	}
	return s
}

func (c *compiler) errorEquals(where string, names []string) {
	if len(names) == 0 {
		c.bad(where, "ErrorEquals must name at least one error")
	}
	for i, n := range names {
		if n == ErrAll && (len(names) != 1) {
			c.bad(where, "States.ALL must appear alone in ErrorEquals")
		}
		if n == "" {
			c.bad(where, "ErrorEquals[%d] is empty", i)
		}
	}
}

// whole checks an optional field that must be a whole number in lo..hi: it reports any other
// value, and returns the field's value and whether it is set.
func (c *compiler) whole(where, field string, v *float64, lo, hi int64) (float64, bool) {
	if v == nil {
		return 0, false
	}
	if !wholeIn(*v, float64(lo), float64(hi)) {
		c.bad(where, "%s must be a whole number in %d..%d, got %v", field, lo, hi, *v)
	}
	return *v, true
}

func (c *compiler) retrier(w string, r asl.Retrier, s *state) {
	c.errorEquals(w, r.ErrorEquals)
	rt := retrier{errors: r.ErrorEquals, interval: 1, maxAttempts: 3, backoff: 2}
	if v, ok := c.whole(w, "IntervalSeconds", r.IntervalSeconds, 1, 99999999); ok {
		rt.interval = v
	}
	if v, ok := c.whole(w, "MaxAttempts", r.MaxAttempts, 0, 99999999); ok {
		rt.maxAttempts = int(v)
	}
	if r.BackoffRate != nil {
		v := *r.BackoffRate
		if v < 1 {
			c.bad(w, "BackoffRate must be at least 1.0, got %v", v)
		}
		rt.backoff = v
	}
	if v, ok := c.whole(w, "MaxDelaySeconds", r.MaxDelaySeconds, 1, 31622400); ok {
		rt.maxDelay = v
	}
	switch r.JitterStrategy {
	case "", "NONE":
	case "FULL":
		rt.fullJitter = true
	default:
		c.bad(w, "JitterStrategy must be FULL or NONE, got %q", r.JitterStrategy)
	}
	s.retry = append(s.retry, rt)
}

func (c *compiler) task(where string, rs *asl.State, s *state) {
	if rs.Resource == "" {
		c.bad(where, "Resource is required (a Lambda function ARN or an arn:aws:states::: integration)")
	} else if !strings.HasPrefix(rs.Resource, "arn:") {
		c.bad(where, "Resource must be an ARN, got %q", rs.Resource)
	} else if _, err := classifyResource(rs.Resource); err != nil {
		c.bad(where, "Resource: %v", err)
	}
	if v, ok := c.whole(where, "TimeoutSeconds", rs.TimeoutSeconds, 1, 99999999); ok {
		s.timeout = v
	}
	if rs.TimeoutSeconds != nil && rs.TimeoutSecondsPath != "" {
		c.bad(where, "TimeoutSeconds and TimeoutSecondsPath are alternatives")
	}
	s.timeoutPath = c.path(where, "TimeoutSecondsPath", rs.TimeoutSecondsPath)
	if v, ok := c.whole(where, "HeartbeatSeconds", rs.HeartbeatSeconds, 1, 99999999); ok {
		if rs.TimeoutSeconds != nil && v >= *rs.TimeoutSeconds {
			c.bad(where, "HeartbeatSeconds (%v) must be smaller than TimeoutSeconds (%v)", v, *rs.TimeoutSeconds)
		}
		s.heartbeat = v
	}
}
