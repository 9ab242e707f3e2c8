package workflow

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/policy"
)

// Limits enforced before anything is created.
// https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
const (
	// MaxStateNameLength is the longest state name AWS accepts.
	MaxStateNameLength = 80
	// MaxInlineConcurrency is the practical concurrency of an inline Map; above it, use a
	// Distributed Map.
	MaxInlineConcurrency = 40
	// MaxDistributedConcurrency is the most child executions a Distributed Map runs at once.
	MaxDistributedConcurrency = 10000
	// MaxLabelLength is the longest Distributed Map Label.
	MaxLabelLength = 40
	// MaxBatchBytes is the largest MaxInputBytesPerBatch (256 KiB).
	MaxBatchBytes = 262144
	// MaxDefinitionBytes is the largest definition CreateStateMachine accepts (1 MiB).
	MaxDefinitionBytes = 1048576
	// MaxReaderItems is the largest ReaderConfig.MaxItems and MaxItemsPerBatch.
	MaxReaderItems  = 100000000
	maxRetryInteger = 99999999
	maxMaxDelay     = 31622400 * time.Second
	maxWaitSeconds  = 99999999
	maxTimeout      = 99999999 * time.Second
)

type validator struct {
	c *check.Errors
	// names maps every state name to where it was first defined, machine-wide.
	names map[string]string
}

// validate checks every plain value of the definition and reports every problem at once.
// express says the top-level executions are Express. It returns the definition's uses of
// budgeted workers.
func validate(c *check.Errors, d *Definition, express bool) []Use {
	v := &validator{c: c, names: map[string]string{}}
	if d.Timeout != 0 {
		hi := maxTimeout
		if express {
			hi = 5 * time.Minute // Express executions run at most five minutes
		}
		c.Duration("Definition.Timeout", d.Timeout, time.Second, hi, time.Second)
	}
	v.scope("Definition", d, express)
	return v.fanOut("Definition", d, 1, nil)
}

func (v *validator) add(field, rule string, value any) { v.c.Add(field, rule, value) }

func (v *validator) scope(field string, d *Definition, express bool) {
	if len(d.States) == 0 {
		v.add(field+".States", "must hold at least one state", 0)
		return
	}
	if d.StartAt == "" {
		v.add(field+".StartAt", "must name the first state", nil)
	} else if _, ok := d.States[d.StartAt]; !ok {
		v.add(field+".StartAt", "must name a state of this scope ("+strings.Join(sortedNames(d.States), ", ")+")", d.StartAt)
	}
	names := sortedNames(d.States)
	for _, name := range names {
		f := fmt.Sprintf("%s.States[%q]", field, name)
		if n := utf8.RuneCountInString(name); n == 0 || n > MaxStateNameLength {
			v.add(f, fmt.Sprintf("state name must be 1..%d characters", MaxStateNameLength), n)
		}
		if prev, ok := v.names[name]; ok {
			v.add(f, "state names must be unique in the whole state machine; also defined at "+prev, name)
		} else {
			v.names[name] = f
		}
		s := d.States[name]
		if policy.IsNil(s) {
			v.add(f, "must be a state (*Task, *Map, *Parallel, *Choice, *Pass, *Wait, *Succeed or *Fail)", nil)
			continue
		}
		v.state(f, name, s, d.States, express)
	}
	v.graph(field, d)
}

// transitions lists the states a state can go to; terminal says whether it can end its scope.
func transitions(s State) (next []string, terminal bool) {
	add := func(n string) {
		if n != "" {
			next = append(next, n)
		}
	}
	catches := func(cs []Catch) {
		for _, c := range cs {
			add(c.Next)
		}
	}
	switch x := s.(type) {
	case *Task:
		add(x.Next)
		catches(x.Catch)
		return next, x.End
	case *Map:
		add(x.Next)
		catches(x.Catch)
		return next, x.End
	case *Parallel:
		add(x.Next)
		catches(x.Catch)
		return next, x.End
	case *Choice:
		for _, r := range x.Choices {
			add(r.Next)
		}
		add(x.Default)
		return next, false
	case *Pass:
		add(x.Next)
		return next, x.End
	case *Wait:
		add(x.Next)
		return next, x.End
	case *Succeed, *Fail:
		return nil, true
	}
	return nil, false
}

// graph checks that every state is reachable from StartAt and can reach a terminal state.
func (v *validator) graph(field string, d *Definition) {
	if _, ok := d.States[d.StartAt]; !ok {
		return
	}
	reach := map[string]bool{d.StartAt: true}
	queue := []string{d.StartAt}
	rev := map[string][]string{}
	canEnd := map[string]bool{}
	var ends []string
	for name, s := range d.States {
		if policy.IsNil(s) {
			continue
		}
		next, term := transitions(s)
		for _, n := range next {
			rev[n] = append(rev[n], name)
		}
		dangling := false
		for _, n := range next {
			if _, ok := d.States[n]; !ok {
				dangling = true // reported on its own; do not add "never ends" on top
			}
		}
		if term || dangling {
			canEnd[name] = true
			ends = append(ends, name)
		}
	}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		s := d.States[cur]
		if policy.IsNil(s) {
			continue
		}
		next, _ := transitions(s)
		for _, n := range next {
			if _, ok := d.States[n]; ok && !reach[n] {
				reach[n] = true
				queue = append(queue, n)
			}
		}
	}
	for len(ends) > 0 {
		cur := ends[0]
		ends = ends[1:]
		for _, p := range rev[cur] {
			if !canEnd[p] {
				canEnd[p] = true
				ends = append(ends, p)
			}
		}
	}
	for _, name := range sortedNames(d.States) {
		f := fmt.Sprintf("%s.States[%q]", field, name)
		if s := d.States[name]; policy.IsNil(s) {
			continue
		} else if next, term := transitions(s); len(next) == 0 && !term {
			continue // its missing Next is reported on its own
		}
		if !reach[name] {
			v.add(f, "must be reachable from StartAt "+fmt.Sprintf("%q", d.StartAt)+" (no Next, Default, Choice or Catch leads to it)", name)
		} else if !canEnd[name] {
			v.add(f, "must lead to a terminal state (End, Succeed or Fail) on some path; every path from it loops forever", name)
		}
	}
}

// target checks that a transition names a state of the same scope.
func (v *validator) target(field, next string, scope States) {
	if next == "" {
		return
	}
	if _, ok := scope[next]; !ok {
		v.add(field, "must name a state of the same States (a transition cannot leave its Map processor or Parallel branch)", next)
	}
}

func (v *validator) nextOrEnd(f, next string, end bool, scope States) {
	switch {
	case next == "" && !end:
		v.add(f+".Next", "must be set, or End must be true", nil)
	case next != "" && end:
		v.add(f+".End", "must be false when Next is set", next)
	default:
		v.target(f+".Next", next, scope)
	}
}

func (v *validator) path(field, p string, nullable bool) {
	if p == "" {
		return
	}
	if p == Discard {
		if !nullable {
			v.add(field, "cannot be Discard (null)", p)
		}
		return
	}
	if !strings.HasPrefix(p, "$") {
		v.add(field, `must be a path starting with "$"`, p)
	}
}

func (v *validator) io(f string, io IO) {
	v.path(f+".InputPath", io.InputPath, true)
	v.path(f+".OutputPath", io.OutputPath, true)
}

// template checks a payload template: keys ending in ".$" need a path or an intrinsic function.
func (v *validator) template(field string, m map[string]any) {
	for k, val := range m {
		f := field + "[" + fmt.Sprintf("%q", k) + "]"
		if strings.HasSuffix(k, ".$") {
			s, ok := val.(string)
			if !ok || (!strings.HasPrefix(s, "$") && !strings.HasPrefix(s, "States.")) {
				v.add(f, `must be a path ("$...", "$$...") or an intrinsic function ("States.Format(...)") because the key ends in ".$"`, val)
			}
			continue
		}
		if sub, ok := val.(map[string]any); ok {
			v.template(f, sub)
		}
	}
}

func (v *validator) errorNames(f string, names []string, last bool) {
	if len(names) == 0 {
		v.add(f+".ErrorEquals", "must list at least one error name (States.ALL matches every error)", 0)
	}
	for _, n := range names {
		if n == "" {
			v.add(f+".ErrorEquals", "must not contain an empty error name", n)
		}
		if n == "States.ALL" && (len(names) > 1 || !last) {
			v.add(f+".ErrorEquals", "States.ALL must appear alone and in the last retrier or catcher", strings.Join(names, ","))
		}
	}
}

func (v *validator) retries(f string, rs []Retry) {
	for i, r := range rs {
		rf := fmt.Sprintf("%s[%d]", f, i)
		v.errorNames(rf, r.ErrorEquals, i == len(rs)-1)
		if r.Interval != 0 {
			v.c.Duration(rf+".Interval", r.Interval, time.Second, maxRetryInteger*time.Second, time.Second)
		}
		if r.MaxAttempts != nil {
			v.c.Int(rf+".MaxAttempts", *r.MaxAttempts, 0, maxRetryInteger)
		}
		if r.BackoffRate != 0 && r.BackoffRate < 1 {
			v.add(rf+".BackoffRate", "must be at least 1.0 (zero means 2.0)", r.BackoffRate)
		}
		if r.MaxDelay != 0 {
			v.c.Duration(rf+".MaxDelay", r.MaxDelay, time.Second, maxMaxDelay, time.Second)
		}
		if r.MaxDelay != 0 && r.Interval > r.MaxDelay {
			v.add(rf+".MaxDelay", fmt.Sprintf("must be at least Interval (%v)", r.Interval), r.MaxDelay)
		}
	}
}

func (v *validator) catches(f string, cs []Catch, scope States) {
	for i, c := range cs {
		cf := fmt.Sprintf("%s[%d]", f, i)
		v.errorNames(cf, c.ErrorEquals, i == len(cs)-1)
		if c.Next == "" {
			v.add(cf+".Next", "must name the state to go to", nil)
		}
		v.target(cf+".Next", c.Next, scope)
		v.path(cf+".ResultPath", c.ResultPath, true)
	}
}

func (v *validator) state(f, name string, s State, scope States, express bool) {
	switch x := s.(type) {
	case *Task:
		v.task(f, x, scope, express)
	case *Map:
		v.mapState(f, name, x, scope, express)
	case *Parallel:
		v.io(f, x.IO)
		v.path(f+".ResultPath", x.ResultPath, true)
		v.template(f+".Parameters", x.Parameters)
		v.template(f+".ResultSelector", x.ResultSelector)
		v.retries(f+".Retry", x.Retry)
		v.catches(f+".Catch", x.Catch, scope)
		v.nextOrEnd(f, x.Next, x.End, scope)
		if len(x.Branches) == 0 {
			v.add(f+".Branches", "must hold at least one branch", 0)
		}
		for i := range x.Branches {
			v.scope(fmt.Sprintf("%s.Branches[%d]", f, i), &x.Branches[i], express)
		}
	case *Choice:
		v.io(f, x.IO)
		if len(x.Choices) == 0 {
			v.add(f+".Choices", "must hold at least one rule", 0)
		}
		for i, r := range x.Choices {
			rf := fmt.Sprintf("%s.Choices[%d]", f, i)
			checkCondition(r.Condition, rf+".Condition", v.add)
			if r.Next == "" {
				v.add(rf+".Next", "must name the state to go to", nil)
			}
			v.target(rf+".Next", r.Next, scope)
		}
		v.target(f+".Default", x.Default, scope)
	case *Pass:
		v.io(f, x.IO)
		v.path(f+".ResultPath", x.ResultPath, true)
		v.template(f+".Parameters", x.Parameters)
		v.nextOrEnd(f, x.Next, x.End, scope)
	case *Wait:
		v.io(f, x.IO)
		set := 0
		for _, b := range []bool{x.Seconds != 0, x.Timestamp != "", x.SecondsPath != "", x.TimestampPath != ""} {
			if b {
				set++
			}
		}
		if set > 1 {
			v.add(f, "must set only one of Seconds, Timestamp, SecondsPath and TimestampPath", set)
		}
		if express {
			// "the maximum wait time that you can specify for ... Express workflows is ... five
			// minutes" (amazon-states-language-wait-state.html)
			v.c.Int(f+".Seconds", x.Seconds, 0, 300)
		} else {
			v.c.Int(f+".Seconds", x.Seconds, 0, maxWaitSeconds)
		}
		if x.Timestamp != "" {
			if _, err := time.Parse(time.RFC3339, x.Timestamp); err != nil {
				v.add(f+".Timestamp", "must be an RFC 3339 time such as 2026-01-02T15:04:05Z", x.Timestamp)
			}
		}
		v.path(f+".SecondsPath", x.SecondsPath, false)
		v.path(f+".TimestampPath", x.TimestampPath, false)
		v.nextOrEnd(f, x.Next, x.End, scope)
	case *Succeed:
		v.io(f, x.IO)
	case *Fail:
		if x.Error != "" && x.ErrorPath != "" {
			v.add(f+".ErrorPath", "must not be set together with Error", x.ErrorPath)
		}
		if x.Cause != "" && x.CausePath != "" {
			v.add(f+".CausePath", "must not be set together with Cause", x.CausePath)
		}
		v.path(f+".ErrorPath", x.ErrorPath, false)
		v.path(f+".CausePath", x.CausePath, false)
	default:
		v.add(f, fmt.Sprintf("must be a *Task, *Map, *Parallel, *Choice, *Pass, *Wait, *Succeed or *Fail (got %T)", s), nil)
	}
}

func (v *validator) task(f string, t *Task, scope States, express bool) {
	v.io(f, t.IO)
	v.path(f+".ResultPath", t.ResultPath, true)
	v.template(f+".Parameters", t.Parameters)
	v.template(f+".ResultSelector", t.ResultSelector)
	if t.Timeout != 0 {
		hi := maxTimeout
		if express {
			hi = 5 * time.Minute // the whole Express execution ends after five minutes
		}
		v.c.Duration(f+".Timeout", t.Timeout, time.Second, hi, time.Second)
	}
	if t.Heartbeat != 0 {
		v.c.Duration(f+".Heartbeat", t.Heartbeat, time.Second, maxTimeout, time.Second)
		if t.Timeout != 0 && t.Heartbeat >= t.Timeout {
			v.add(f+".Heartbeat", fmt.Sprintf("must be below Timeout (%v)", t.Timeout), t.Heartbeat)
		}
	}
	v.retries(f+".Retry", append(append([]Retry(nil), t.Retry...), t.AlsoRetry...))
	v.catches(f+".Catch", t.Catch, scope)
	v.nextOrEnd(f, t.Next, t.End, scope)
	switch c := derefCall(t.Call).(type) {
	case nil:
		v.add(f+".Call", "must be Invoke, SendMessage, StartWorkflow or Service", nil)
	case Invoke:
		if policy.IsNil(c.Worker) {
			v.add(f+".Call.Worker", "must be the worker (function) to invoke", nil)
		} else if ft := c.Worker.FunctionTimeout(); t.Timeout != 0 && t.Timeout < ft {
			v.add(f+".Timeout", fmt.Sprintf("must be at least the worker's function timeout (%v), or the state gives up (and retries) while the function still runs", ft), t.Timeout)
		} else if express && t.Timeout == 0 && ft > 5*time.Minute {
			// Without a Timeout of its own the state waits as long as the function may run, but
			// the Express execution around it ends after five minutes.
			v.add(f+".Call.Worker", "must have a function timeout of at most 5m0s in Express executions, or the Task must set a Timeout of at most 5m0s (the execution ends after five minutes while the function may still run)", ft)
		}
	case SendMessage:
		if policy.IsNil(c.Queue) {
			v.add(f+".Call.Queue", "must be the queue to send to", nil)
		}
		if !policy.IsNil(c.Queue) && c.Queue.Fifo() && c.MessageGroupId == "" {
			v.add(f+".Call.MessageGroupId", "must be set to send to a FIFO queue", "")
		}
		if len(c.MessageGroupId) > 128 {
			v.add(f+".Call.MessageGroupId", "must be at most 128 characters", len(c.MessageGroupId))
		}
	case StartWorkflow:
		if policy.IsNil(c.Workflow) {
			v.add(f+".Call.Workflow", "must be the state machine to start", nil)
		}
		if c.Wait && express {
			v.add(f+".Call.Wait", "must be false in Express executions (they do not support the .sync pattern)", true)
		}
	case Service:
		if !strings.HasPrefix(c.Resource, "arn:") {
			v.add(f+".Call.Resource", `must be an integration ARN such as "arn:aws:states:::dynamodb:putItem"`, c.Resource)
		}
		if strings.HasSuffix(c.Resource, ".sync") || strings.Contains(c.Resource, ".sync:") || strings.HasSuffix(c.Resource, ".waitForTaskToken") {
			if express {
				v.add(f+".Call.Resource", "must not use .sync or .waitForTaskToken in Express executions", c.Resource)
			}
		}
		if err := policyCheck(c.Statements); err != nil {
			v.c.Join(err)
		}
	default:
		v.add(f+".Call", fmt.Sprintf("must be Invoke, SendMessage, StartWorkflow or Service (got %T)", t.Call), nil)
	}
}

func (v *validator) mapState(f, name string, m *Map, scope States, express bool) {
	v.io(f, m.IO)
	v.path(f+".ItemsPath", m.ItemsPath, false)
	v.path(f+".ResultPath", m.ResultPath, true)
	v.template(f+".ItemSelector", m.ItemSelector)
	v.template(f+".ResultSelector", m.ResultSelector)
	v.retries(f+".Retry", m.Retry)
	v.catches(f+".Catch", m.Catch, scope)
	v.nextOrEnd(f, m.Next, m.End, scope)
	d := m.Distributed
	if d == nil {
		if m.MaxConcurrency > MaxInlineConcurrency {
			v.add(f+".MaxConcurrency", fmt.Sprintf("must be 0..%d for an inline Map; set Distributed for up to %d concurrent child executions", MaxInlineConcurrency, MaxDistributedConcurrency), m.MaxConcurrency)
		} else {
			v.c.Int(f+".MaxConcurrency", m.MaxConcurrency, 0, MaxInlineConcurrency)
		}
	} else {
		v.c.Int(f+".MaxConcurrency", m.MaxConcurrency, 0, MaxDistributedConcurrency)
		v.distributed(f+".Distributed", name, m, express)
	}
	if m.DeadLetter != nil && policy.IsNil(m.DeadLetter) {
		v.add(f+".DeadLetter", "must be a queue, not a nil pointer", nil)
	} else if m.DeadLetter != nil && m.DeadLetter.Fifo() {
		v.add(f+".DeadLetter", "must be a standard queue (failed items of concurrent iterations have no message group or order)", "FIFO queue")
	}
	if m.DeadLetter != nil {
		item, process, send, captured := dlqNames(name)
		for _, n := range []string{item, process, send, captured} {
			if utf8.RuneCountInString(n) > MaxStateNameLength {
				v.add(f+".DeadLetter", fmt.Sprintf("adds state %q, longer than %d characters; shorten the Map's name", n, MaxStateNameLength), utf8.RuneCountInString(n))
				break
			}
		}
	}
	proc := processorOf(name, m)
	childExpress := express
	if d != nil {
		childExpress = d.ExecutionType != Standard
	}
	v.scope(f+".Processor", &proc, childExpress)
}

func (v *validator) distributed(f, name string, m *Map, express bool) {
	d := m.Distributed
	if express {
		v.add(f, "is not supported in an Express workflow; use Type Standard for the workflow", name)
	}
	if d.ExecutionType != "" && d.ExecutionType != Standard && d.ExecutionType != Express {
		v.add(f+".ExecutionType", "must be EXPRESS or STANDARD (zero means EXPRESS)", string(d.ExecutionType))
	}
	if n := utf8.RuneCountInString(d.Label); n > MaxLabelLength {
		v.add(f+".Label", fmt.Sprintf("must be at most %d characters", MaxLabelLength), n)
	}
	if strings.IndexFunc(d.Label, badLabelRune) >= 0 {
		v.add(f+".Label", "must not contain whitespace, brackets, wildcards, punctuation other than - and _, or control characters", d.Label)
	}
	if d.ToleratedFailurePercentage < 0 || d.ToleratedFailurePercentage > 100 {
		v.add(f+".ToleratedFailurePercentage", "must be 0..100", d.ToleratedFailurePercentage)
	}
	v.c.Int(f+".ToleratedFailureCount", d.ToleratedFailureCount, 0, MaxReaderItems)
	if r := d.Reader; r != nil {
		rf := f + ".Reader"
		if m.ItemsPath != "" {
			v.add(f[:strings.LastIndex(f, ".")]+".ItemsPath", "must be empty when Distributed.Reader reads the items from S3", m.ItemsPath)
		}
		v.c.OneOf(rf+".Source", string(r.Source), string(ListObjects), string(JsonArray), string(JsonLines), string(CSV), string(Manifest))
		if r.Bucket == nil {
			v.add(rf+".Bucket", "must be the bucket's name", nil)
		}
		if r.Source == ListObjects {
			if r.Key != "" {
				v.add(rf+".Key", "must be empty for ListObjects (use Prefix)", r.Key)
			}
			if r.KeyPath != "" {
				v.add(rf+".KeyPath", "must be empty for ListObjects (use Prefix)", r.KeyPath)
			}
		} else {
			switch {
			case r.Key == "" && r.KeyPath == "":
				v.add(rf+".Key", "must name the object to read for "+string(r.Source)+" (or set KeyPath)", nil)
			case r.Key != "" && r.KeyPath != "":
				v.add(rf+".KeyPath", "must be empty when Key is set (one of them names the object)", r.KeyPath)
			case r.KeyPath != "" && r.Source == Manifest:
				v.add(rf+".KeyPath", "is not supported for MANIFEST: the role must know the inventory's data folder (use Key)", r.KeyPath)
			case r.KeyPath != "" && !strings.HasPrefix(r.KeyPath, "$"):
				v.add(rf+".KeyPath", "must be a path starting with $ (\"$.manifest.key\")", r.KeyPath)
			}
			if r.Prefix != "" && r.KeyPath == "" {
				v.add(rf+".Prefix", "is only for ListObjects, or with KeyPath to scope the keys it can name (use Key)", r.Prefix)
			}
		}
		if r.Source != CSV && (len(r.CSVHeaders) > 0 || r.CSVDelimiter != "") {
			v.add(rf+".CSVHeaders", "and CSVDelimiter are only for CSV", string(r.Source))
		}
		if r.CSVDelimiter != "" {
			v.c.OneOf(rf+".CSVDelimiter", r.CSVDelimiter, "COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB")
		}
		v.c.Int(rf+".MaxItems", r.MaxItems, 0, MaxReaderItems)
	}
	if b := d.Batcher; b != nil {
		bf := f + ".Batcher"
		v.c.Int(bf+".MaxItemsPerBatch", b.MaxItemsPerBatch, 0, MaxReaderItems)
		v.c.Int(bf+".MaxInputBytesPerBatch", b.MaxInputBytesPerBatch, 0, MaxBatchBytes)
		if b.MaxItemsPerBatch == 0 && b.MaxInputBytesPerBatch == 0 {
			v.add(bf, "must set MaxItemsPerBatch or MaxInputBytesPerBatch", nil)
		}
		v.template(bf+".BatchInput", b.BatchInput)
	}
	if w := d.Writer; w != nil && w.Bucket == nil {
		v.add(f+".Writer.Bucket", "must be the bucket's name", nil)
	}
}

func badLabelRune(r rune) bool {
	if r == '-' || r == '_' {
		return false
	}
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
}
