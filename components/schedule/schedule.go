package schedule

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/alarm"
	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/transform"
	"github.com/skeinhq/skein/components/policy"
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/schedule/cron"
	"github.com/skeinhq/skein/components/stage"
)

// Type is the schedule component's type token.
const Type = "skein:aws:Schedule"

// ServicePrincipal is the service that assumes a schedule's execution role.
const ServicePrincipal = "scheduler.amazonaws.com"

// Limits EventBridge Scheduler enforces, checked before anything is created.
// https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
// https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html
// https://docs.aws.amazon.com/scheduler/latest/APIReference/API_FlexibleTimeWindow.html
const (
	MinFlexibleWindow    = time.Minute
	MaxFlexibleWindow    = 1440 * time.Minute
	MaxRetryAttempts     = 185
	MinEventAge          = 60 * time.Second
	MaxEventAge          = 86400 * time.Second
	MaxDescriptionLength = 512
	MaxMessageGroupId    = 128
	// MaxInputBytes bounds a target's input to 256 KB: Step Functions' execution input limit,
	// the queue component's message size and Lambda's classic asynchronous payload limit, so
	// one input fits every kind of target.
	MaxInputBytes = 256 * 1024
	// MaxNameLength keeps every child's auto-name within AWS's limits: the role (name-exec plus
	// 8 characters, IAM's 64), the owned group (name-group plus 8, Scheduler's 64), the schedule
	// (name plus 8, Scheduler's 64) and the dead-letter queue (name-schedule-dlq, the queue
	// component's 63).
	MaxNameLength = 50
)

// Defaults.
const (
	// DefaultRetryAttempts is Scheduler's own maximum: keep trying until MaxEventAge.
	DefaultRetryAttempts = MaxRetryAttempts
	// DefaultContextKey is the key of the input document that carries Scheduler's context
	// attributes.
	DefaultContextKey = "schedule"
	// NoContext as ContextKey sends Input exactly as given, without context attributes.
	NoContext = "-"
	// gapSamples bounds the fire times examined to find a schedule's shortest interval.
	gapSamples = 1000
)

// gapAnchor is the fixed instant the shortest interval of a schedule without a start date is
// sampled after, so that the default MaxEventAge is the same on every run (the plan's
// reference instant, 2026-01-01T00:00:00Z).
var gapAnchor = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Scheduler context attributes, replaced in the target input at each invocation.
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
const (
	AttrScheduleArn   = "<aws.scheduler.schedule-arn>"
	AttrScheduledTime = "<aws.scheduler.scheduled-time>"
	AttrExecutionId   = "<aws.scheduler.execution-id>"
	AttrAttemptNumber = "<aws.scheduler.attempt-number>"
)

// State is whether a schedule fires.
type State string

// States. The zero State means StateEnabled in production stages and StateDisabled elsewhere.
const (
	StateEnabled  State = "ENABLED"
	StateDisabled State = "DISABLED"
)

// InputTarget is an optional interface of a Target that wants to choose what each invocation
// sends it. ScheduleInput receives the document the schedule built (Input merged with the
// context attributes) and returns the exact text to send as the target's input.
type InputTarget interface {
	policy.Target
	ScheduleInput(doc map[string]any) (string, error)
}

// Transform holds one optional hook per child resource, applied right before it is created,
// after skein's choices; skein does not re-validate what they set. A nil hook leaves the child as
// skein built it.
// For a child without a hook, or to change resource options rather than arguments, pass
// pulumi.Transforms (or pulumi.Transformations) in the component's options: they reach every
// child.
type Transform struct {
	// Schedule is the EventBridge Scheduler schedule ("<schedule>").
	Schedule func(*scheduler.ScheduleArgs)
	// Role is the scheduler's execution role ("<schedule>-exec").
	Role func(*iam.RoleArgs)
	// RolePolicy is the role's delivery policy ("<schedule>-deliver").
	RolePolicy func(*iam.RolePolicyArgs)
	// Group is the schedule group component's group ("<schedule>-group"), when
	// ScheduleArgs.Group is nil.
	Group func(*scheduler.ScheduleGroupArgs)
	// DeadLetterQueue changes the arguments of the dead-letter queue component the schedule
	// creates (not of a shared DeadLetter.Queue).
	DeadLetterQueue func(*queue.QueueArgs)
}

// DeadLetterArgs configure where Scheduler puts invocations it gave up on.
type DeadLetterArgs struct {
	// Disabled sends no failed invocation anywhere: they are dropped after the last retry.
	// Zero means a dead-letter queue.
	Disabled bool
	// Queue is an existing queue (for example one shared by every schedule of a stage); nil
	// means the schedule creates its own, name-schedule-dlq, with 14 days retention, no
	// dead-letter queue of its own and an alarm on its first message.
	Queue *queue.Queue
}

// ScheduleArgs configure a schedule. The zero value of every field is the default its comment
// names; Expression and Target are required.
type ScheduleArgs struct {
	// Stage supplies the time zone, the default state, tags and the account; nil means stage.Load.
	Stage *stage.Stage

	// Expression is cron(...), rate(...) or at(...), checked with package cron exactly as
	// EventBridge Scheduler checks it, and sent in its canonical form. Required.
	Expression string
	// SkipExpressionCheck sends Expression as written, unchecked (only its length is checked):
	// the escape hatch for an expression AWS accepts and package cron rejects. Zero means check.
	SkipExpressionCheck bool
	// TimeZone is the IANA time zone the expression is evaluated in; zero means the stage's
	// skein:timeZone (UTC unless configured).
	TimeZone string
	// StartDate and EndDate bound a recurring schedule (cron, rate); zero means unbounded. They
	// are instants (sent in UTC); StartDate anchors rate() schedules.
	StartDate, EndDate time.Time
	// FlexibleWindow lets Scheduler invoke up to that long after the scheduled time, spreading
	// load; zero means off (invoke at the scheduled time). Allowed 1..1440 minutes, whole minutes.
	FlexibleWindow time.Duration
	// State: zero means StateEnabled in production stages and StateDisabled in the others.
	State State
	// Description: zero means one naming the component, the expression and the time zone.
	Description string

	// Target receives each invocation: a policy.Function (a worker or
	// workflow.ExistingFunction: invoke), a policy.Queue (a queue or workflow.ExistingQueue:
	// send) or a policy.StateMachine (a workflow or workflow.ExistingStateMachine: start an
	// execution); any other target is an error. Required.
	Target policy.Target
	// Input is the document sent to the target, merged with the context attributes (see
	// ContextKey); zero means only the context attributes.
	Input map[string]any
	// ContextKey is the top-level key of the input holding Scheduler's context attributes
	// (scheduleArn, scheduledTime, executionId, attemptNumber); zero means "schedule". NoContext
	// ("-") sends Input unchanged.
	ContextKey string
	// MessageGroupId is the message group of a FIFO queue target; zero means the component's
	// name. Only for FIFO queues (the queue needs content-based deduplication, since Scheduler
	// sends no deduplication id).
	MessageGroupId string

	// RetryAttempts is how many times Scheduler retries a failed delivery; nil means 185 (retry
	// until MaxEventAge). Allowed 0..185; use pulumi.IntRef(0) for none.
	RetryAttempts *int
	// MaxEventAge is how long Scheduler keeps retrying one invocation; zero means the shortest
	// interval between two fire times, at most 24 h and at least 60 s, so that a retry never
	// overlaps the next scheduled run. Allowed 60 s..24 h, whole seconds.
	MaxEventAge time.Duration
	// DeadLetter configures the dead-letter queue; zero means one owned by the schedule.
	DeadLetter DeadLetterArgs
	// Alarms turns the alarm of the schedule's own dead-letter queue off or chooses its topic;
	// zero means "<name>-schedule-dlq-age-alarm" on the stage's topic, which fires when a
	// message has waited a minute (queue.QueueArgs.OldestMessageAgeThreshold). It does not
	// apply to a shared DeadLetter.Queue, whose own settings hold.
	Alarms alarm.Args

	// Group is the schedule group; nil means the schedule creates its own, name-group.
	Group *Group
	// Clock tells the current time, to warn about schedules that will never fire (an at() in
	// the past, an EndDate passed); nil means time.Now.
	Clock func() time.Time
	// Transform changes child resources' arguments just before they are created.
	Transform Transform
}

// Schedule is an EventBridge Scheduler schedule with its execution role, retry policy and
// dead-letter queue.
type Schedule struct {
	pulumi.ResourceState

	// Arn and Name identify the schedule; GroupName is its group.
	Arn       pulumi.StringOutput `pulumi:"arn"`
	Name      pulumi.StringOutput `pulumi:"name"`
	GroupName pulumi.StringOutput `pulumi:"groupName"`
	// RoleArn is the execution role Scheduler assumes.
	RoleArn pulumi.StringOutput `pulumi:"roleArn"`
	// DeadLetterArn is the dead-letter queue's ARN; empty when DeadLetter.Disabled.
	DeadLetterArn pulumi.StringOutput `pulumi:"deadLetterArn"`
	// Expression is the canonical expression sent to AWS; TimeZone and State what was applied.
	// They are registered as the outputs expression, timeZone and state.
	Expression string
	TimeZone   string
	State      State

	Schedule   *scheduler.Schedule
	Role       *iam.Role
	RolePolicy *iam.RolePolicy
	// Group is the owned group, or ScheduleArgs.Group.
	Group *Group
	// DeadLetterQueue is the owned dead-letter queue, ScheduleArgs.DeadLetter.Queue, or nil.
	DeadLetterQueue *queue.Queue
	// ParsedExpression is the checked expression; nil with SkipExpressionCheck.
	ParsedExpression *cron.Expression
	// Warnings say why the schedule will not fire again (an at() in the past, a cron() whose
	// years are over, an EndDate passed); registered as the "warnings" output and logged.
	Warnings []string
	// RetryAttempts and MaxEventAge are the retry policy applied.
	RetryAttempts int
	MaxEventAge   time.Duration
}

var _ pulumi.ComponentResource = (*Schedule)(nil)

var nameRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// withDefaults returns a copy of the arguments with every default that needs no parsing
// applied, the stage's time zone and state too: the one place defaults live. The defaults
// derived from the parsed expression or the target (MaxEventAge, a FIFO target's
// MessageGroupId) are resolve's.
func (a ScheduleArgs) withDefaults(st *stage.Stage) ScheduleArgs {
	a.TimeZone = cmp.Or(a.TimeZone, st.TimeZone)
	if a.State == "" {
		a.State = StateDisabled
		if st.Production {
			a.State = StateEnabled
		}
	}
	if a.RetryAttempts == nil {
		a.RetryAttempts = pulumi.IntRef(DefaultRetryAttempts)
	}
	a.ContextKey = cmp.Or(a.ContextKey, DefaultContextKey)
	if a.Clock == nil {
		a.Clock = time.Now
	}
	return a
}

// resolved is ScheduleArgs with every default applied, the derived ones too.
type resolved struct {
	ScheduleArgs
	expr     *cron.Expression
	loc      *time.Location
	retries  int
	input    string
	fifo     bool
	warnings []string
}

func (a *resolved) expressionText() string {
	if a.expr != nil {
		return a.expr.String()
	}
	return a.Expression
}

func resolve(c *check.Errors, st *stage.Stage, name string, args *ScheduleArgs) *resolved {
	a := &resolved{ScheduleArgs: args.withDefaults(st)}
	if len(name) > MaxNameLength || !nameRe.MatchString(name) {
		c.Add("name", fmt.Sprintf("must be 1..%d letters, digits, - or _ (the schedule's children derive their AWS names from it)", MaxNameLength), name)
	}
	now := a.Clock

	// Expression.
	switch {
	case a.Expression == "":
		c.Add("Expression", "is required: cron(...), rate(...) or at(...)", nil)
	case a.SkipExpressionCheck:
		if len(a.Expression) > cron.MaxExpressionLength {
			c.Add("Expression", fmt.Sprintf("must be 1..%d characters", cron.MaxExpressionLength), a.Expression)
		}
	default:
		e, err := cron.Parse(a.Expression)
		switch {
		case err != nil:
			addCronErrors(c, "Expression", err)
		case e.Kind() == cron.KindCron && !firesEver(e):
			// Legal for AWS, but it can never fire in any year: a typo such as day 30 of February.
			c.Add("Expression", "never fires: no day matches its day-of-month and month fields in any year (such as day 30 of February)", a.Expression)
		default:
			a.expr = e
		}
	}

	// Time zone.
	loc, err := cron.LoadLocation(a.TimeZone)
	if err != nil {
		addCronErrors(c, "TimeZone", err)
	}
	a.loc = loc

	// Dates.
	oneTime := a.expr != nil && a.expr.Kind() == cron.KindAt
	if oneTime && !a.StartDate.IsZero() {
		c.Add("StartDate", "applies only to recurring schedules (cron, rate), not to at()", a.StartDate.UTC().Format(time.RFC3339))
	}
	if oneTime && !a.EndDate.IsZero() {
		c.Add("EndDate", "applies only to recurring schedules (cron, rate), not to at()", a.EndDate.UTC().Format(time.RFC3339))
	}
	if !a.StartDate.IsZero() && !a.EndDate.IsZero() && !a.StartDate.Before(a.EndDate) {
		c.Add("EndDate", "must be after StartDate ("+a.StartDate.UTC().Format(time.RFC3339)+")", a.EndDate.UTC().Format(time.RFC3339))
	}
	for _, d := range []struct {
		field string
		t     time.Time
	}{{"StartDate", a.StartDate}, {"EndDate", a.EndDate}} {
		if !d.t.IsZero() && (d.t.Year() < 1970 || d.t.Year() > 2199) {
			c.Add(d.field, "must be in the years 1970..2199", d.t.UTC().Format(time.RFC3339))
		}
	}

	// Flexible window.
	if a.FlexibleWindow != 0 {
		c.Duration("FlexibleWindow", a.FlexibleWindow, MinFlexibleWindow, MaxFlexibleWindow, time.Minute)
	}

	// State.
	c.OneOf("State", string(a.State), string(StateEnabled), string(StateDisabled))
	if len(a.Description) > MaxDescriptionLength {
		c.Add("Description", fmt.Sprintf("must be at most %d characters", MaxDescriptionLength), len(a.Description))
	}

	// Retry policy.
	a.retries = *a.RetryAttempts
	c.Int("RetryAttempts", a.retries, 0, MaxRetryAttempts)
	if a.MaxEventAge == 0 {
		a.MaxEventAge = defaultEventAge(a.expr, a.loc, a.StartDate)
	} else {
		c.Duration("MaxEventAge", a.MaxEventAge, MinEventAge, MaxEventAge, time.Second)
	}

	// Target and input.
	if policy.IsNil(a.Target) {
		c.Add("Target", "is required: a worker, a queue, a workflow or another policy.Function, policy.Queue or policy.StateMachine", nil)
		a.Target = nil
	} else {
		doc := policy.Document{Statements: a.Target.DeliverStatements()}
		if len(doc.Statements) == 0 {
			c.Add("Target", "gives no delivery statements (DeliverStatements is empty), so the scheduler role could not reach it", nil)
		} else if err := doc.Validate(); err != nil {
			c.Add("Target", "delivery statements break skein's least-privilege rules: "+err.Error(), nil)
		}
		switch t := a.Target.(type) {
		case policy.Queue:
			if t.Fifo() {
				a.fifo = true
				if a.MessageGroupId == "" {
					a.MessageGroupId = name
				}
			}
		case policy.Function, policy.StateMachine:
		default:
			c.Add("Target", "must be a policy.Function (a worker), a policy.Queue (a queue) or a policy.StateMachine (a workflow): the targets EventBridge Scheduler's templates deliver to", fmt.Sprintf("%T", a.Target))
		}
	}
	if a.MessageGroupId != "" && !a.fifo {
		c.Add("MessageGroupId", "applies only to FIFO queue targets", a.MessageGroupId)
	}
	if len(a.MessageGroupId) > MaxMessageGroupId {
		c.Add("MessageGroupId", fmt.Sprintf("must be 1..%d characters", MaxMessageGroupId), a.MessageGroupId)
	}
	if _, taken := a.Input[a.ContextKey]; taken && a.ContextKey != NoContext {
		c.Add("Input", fmt.Sprintf("must not use the key %q, which carries the context attributes (set ContextKey to another key)", a.ContextKey), a.ContextKey)
	}
	if a.Target != nil {
		in, err := buildInput(a.Target, a.Input, a.ContextKey)
		switch {
		case err != nil:
			c.Add("Input", "must marshal to JSON (or the target's ScheduleInput failed): "+err.Error(), nil)
		case in == "":
			c.Add("Input", "must not be empty (the target's ScheduleInput returned nothing)", nil)
		case len(in) > MaxInputBytes:
			c.Add("Input", fmt.Sprintf("must be at most %d bytes once merged with the context attributes", MaxInputBytes), len(in))
		}
		a.input = in
	}

	// Dead-letter queue.
	if a.DeadLetter.Disabled && a.DeadLetter.Queue != nil {
		c.Add("DeadLetter.Queue", "conflicts with DeadLetter.Disabled", nil)
	}
	if q := a.DeadLetter.Queue; q != nil && q.Fifo() {
		c.Add("DeadLetter.Queue", "must be a standard queue: Scheduler's dead-letter queue cannot be FIFO", "FIFO")
	}
	if (a.DeadLetter.Disabled || a.DeadLetter.Queue != nil) && (a.Alarms.Disabled || a.Alarms.TopicArn != nil) {
		c.Add("Alarms", "applies only to the schedule's own dead-letter queue (DeadLetter.Disabled or DeadLetter.Queue is set)", nil)
	}
	if a.DeadLetter.Disabled && a.Transform.DeadLetterQueue != nil {
		c.Add("Transform.DeadLetterQueue", "has no queue to change: DeadLetter.Disabled", nil)
	}
	if a.Group != nil && a.Transform.Group != nil {
		c.Add("Transform.Group", "applies only to the group the schedule creates; change a shared group through NewGroup's Transform", nil)
	}

	// Schedules that never fire again are legal for AWS, and a program must stay deployable
	// after a one-time schedule has fired, so they are warnings, not errors.
	if a.expr != nil && a.loc != nil && c.Len() == 0 {
		t := now()
		if !a.EndDate.IsZero() && !a.EndDate.After(t) {
			a.warnings = append(a.warnings, fmt.Sprintf("EndDate %s has passed: the schedule will not fire again", a.EndDate.UTC().Format(time.RFC3339)))
		} else if _, ok := nextFire(a.expr, a.loc, a.StartDate, a.EndDate, t); !ok {
			a.warnings = append(a.warnings, fmt.Sprintf("%s in %s has no fire time after %s: the schedule will not fire again", a.expr, a.TimeZone, t.UTC().Format(time.RFC3339)))
		}
	}
	return a
}

// addCronErrors records every *cron.Error in err as a problem of field, naming the part of the
// expression and the rule AWS applies; other errors are joined as they are.
func addCronErrors(c *check.Errors, field string, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			addCronErrors(c, field, e)
		}
		return
	}
	var ce *cron.Error
	if errors.As(err, &ce) {
		c.Add(field+" ("+ce.Field+")", ce.Rule, ce.Value)
		return
	}
	c.Join(err)
}

// firesEver reports whether a cron expression fires in any year it allows (from 1970).
func firesEver(e *cron.Expression) bool {
	_, ok := e.Next(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC)
	return ok
}

// nextFire is the first fire time strictly after `after`, within [start, end).
func nextFire(e *cron.Expression, loc *time.Location, start, end, after time.Time) (time.Time, bool) {
	return e.NextWithin(loc, start, end, after)
}

// defaultEventAge is the shortest interval between two consecutive fire times, among the first
// gapSamples after the start date (or a fixed instant), clamped to 60 s..24 h. A one-time
// schedule, or an unchecked expression, gets 24 h.
func defaultEventAge(e *cron.Expression, loc *time.Location, start time.Time) time.Duration {
	if e == nil || loc == nil || e.Kind() == cron.KindAt {
		return MaxEventAge
	}
	if d, ok := e.Interval(); ok {
		return clampAge(d)
	}
	from := gapAnchor
	if !start.IsZero() {
		from = start
	}
	shortest := MaxEventAge
	prev, ok := nextFire(e, loc, start, time.Time{}, from)
	for i := 0; ok && i < gapSamples && shortest > MinEventAge; i++ {
		var t time.Time
		if t, ok = nextFire(e, loc, start, time.Time{}, prev); ok {
			if g := t.Sub(prev); g < shortest {
				shortest = g
			}
			prev = t
		}
	}
	return clampAge(shortest)
}

func clampAge(d time.Duration) time.Duration {
	d = d.Truncate(time.Second)
	if d < MinEventAge {
		return MinEventAge
	}
	if d > MaxEventAge {
		return MaxEventAge
	}
	return d
}

// ContextDocument is what the context key of the input holds.
func ContextDocument() map[string]any {
	return map[string]any{
		"scheduleArn":   AttrScheduleArn,
		"scheduledTime": AttrScheduledTime,
		"executionId":   AttrExecutionId,
		"attemptNumber": AttrAttemptNumber,
	}
}

// buildInput merges the user's document with the context attributes and lets an InputTarget
// have the last word. JSON is written without HTML escaping: Scheduler replaces the literal
// text <aws.scheduler.…>, which json.Marshal would otherwise turn into \u003caws.scheduler.…\u003e.
func buildInput(t policy.Target, user map[string]any, key string) (string, error) {
	doc := make(map[string]any, len(user)+1)
	for k, v := range user {
		doc[k] = v
	}
	if key != NoContext {
		doc[key] = ContextDocument()
	}
	if it, ok := t.(InputTarget); ok {
		return it.ScheduleInput(doc)
	}
	return marshal(doc)
}

func marshal(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// NewSchedule validates every argument, then creates the schedule, its execution role and the
// role's one inline policy, its group (unless given) and its dead-letter queue (unless given or
// disabled). Nothing is registered when an argument is invalid; every problem is reported at once.
func NewSchedule(ctx *pulumi.Context, name string, args *ScheduleArgs, opts ...pulumi.ResourceOption) (*Schedule, error) {
	if args == nil {
		args = &ScheduleArgs{}
	}
	st, err := stage.FromContext(ctx, args.Stage)
	if err != nil {
		return nil, err
	}
	c := check.New("schedule", name)
	a := resolve(c, st, name, args)
	var account string
	if c.Len() == 0 {
		if account, err = st.Account(ctx); err != nil {
			c.Join(err)
		}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	for _, w := range a.warnings {
		_ = ctx.Log.Warn(fmt.Sprintf("schedule %q: %s", name, w), nil)
	}

	s := &Schedule{
		Warnings:         a.warnings,
		Expression:       a.expressionText(),
		TimeZone:         a.TimeZone,
		State:            a.State,
		ParsedExpression: a.expr,
		RetryAttempts:    a.retries,
		MaxEventAge:      a.MaxEventAge,
	}
	if err := ctx.RegisterComponentResource(Type, name, s, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(s)

	// Group.
	s.Group = a.Group
	if s.Group == nil {
		if s.Group, err = newGroup(ctx, st, name+"-group", GroupTransform{Group: a.Transform.Group}, parent); err != nil {
			return nil, err
		}
	}

	// Dead-letter queue.
	s.DeadLetterQueue = a.DeadLetter.Queue
	if !a.DeadLetter.Disabled && s.DeadLetterQueue == nil {
		// A dead-letter queue gets no dead-letter queue of its own; its one-minute age alarm
		// fires on the first message.
		qa := &queue.QueueArgs{
			Stage:                     st,
			MessageRetention:          queue.MaxRetention,
			DisableDeadLetterQueue:    true,
			OldestMessageAgeThreshold: time.Minute,
			Alarms:                    a.Alarms,
		}
		transform.Apply(a.Transform.DeadLetterQueue, qa)
		// "-schedule-dlq", not "-dlq": a queue component named like the schedule owns
		// "<name>-dlq". The alias (inherited by the children, whose names start with the
		// component's) keeps the queue of stacks deployed before the rename.
		if s.DeadLetterQueue, err = queue.NewQueue(ctx, name+"-schedule-dlq", qa, parent,
			pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(name + "-dlq")}})); err != nil {
			return nil, err
		}
	}

	// Execution role: trusts the scheduler service only for this account and this group.
	// https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
	trust := TrustPolicy(account, s.Group.Arn)
	ra := &iam.RoleArgs{
		Description:      pulumi.Sprintf("EventBridge Scheduler execution role of schedule %s", name),
		AssumeRolePolicy: trust.Json(),
		Tags:             st.TagsFor(name),
	}
	transform.Apply(a.Transform.Role, ra)
	// "-exec" (the scheduler's execution role), not "-role": a worker named like the schedule
	// owns "<name>-role". The alias keeps the role of stacks deployed before the rename.
	if s.Role, err = iam.NewRole(ctx, name+"-exec", ra, parent, pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(name + "-role")}})); err != nil {
		return nil, err
	}
	deliver := DeliverPolicy(a.Target, s.DeadLetterQueue)
	pa := &iam.RolePolicyArgs{Role: s.Role.Name, Policy: deliver.Json()}
	transform.Apply(a.Transform.RolePolicy, pa)
	if s.RolePolicy, err = iam.NewRolePolicy(ctx, name+"-deliver", pa, parent); err != nil {
		return nil, err
	}

	// Schedule.
	target := &scheduler.ScheduleTargetArgs{
		Arn:     a.Target.TargetArn(),
		RoleArn: s.Role.Arn,
		Input:   pulumi.String(a.input),
		RetryPolicy: &scheduler.ScheduleTargetRetryPolicyArgs{
			MaximumRetryAttempts:     pulumi.Int(a.retries),
			MaximumEventAgeInSeconds: pulumi.Int(int(a.MaxEventAge / time.Second)),
		},
	}
	if s.DeadLetterQueue != nil {
		target.DeadLetterConfig = &scheduler.ScheduleTargetDeadLetterConfigArgs{Arn: s.DeadLetterQueue.Arn}
	}
	if a.fifo {
		target.SqsParameters = &scheduler.ScheduleTargetSqsParametersArgs{MessageGroupId: pulumi.String(a.MessageGroupId)}
	}
	window := &scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("OFF")}
	if a.FlexibleWindow > 0 {
		window = &scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("FLEXIBLE"), MaximumWindowInMinutes: pulumi.Int(int(a.FlexibleWindow / time.Minute))}
	}
	desc := a.Description
	if desc == "" {
		desc = fmt.Sprintf("skein schedule %s: %s in %s", name, s.Expression, a.TimeZone)
	}
	sa := &scheduler.ScheduleArgs{
		Description:                pulumi.String(desc),
		GroupName:                  s.Group.Name,
		ScheduleExpression:         pulumi.String(s.Expression),
		ScheduleExpressionTimezone: pulumi.String(a.TimeZone),
		State:                      pulumi.String(string(a.State)),
		FlexibleTimeWindow:         window,
		Target:                     target,
	}
	if !a.StartDate.IsZero() {
		sa.StartDate = pulumi.String(a.StartDate.UTC().Format(time.RFC3339))
	}
	if !a.EndDate.IsZero() {
		sa.EndDate = pulumi.String(a.EndDate.UTC().Format(time.RFC3339))
	}
	transform.Apply(a.Transform.Schedule, sa)
	// The role policy must exist before the first invocation, or it fails with AccessDenied.
	if s.Schedule, err = scheduler.NewSchedule(ctx, name, sa, parent, pulumi.DependsOn([]pulumi.Resource{s.RolePolicy})); err != nil {
		return nil, err
	}
	s.Arn, s.Name, s.GroupName, s.RoleArn = s.Schedule.Arn, s.Schedule.Name, s.Group.Name, s.Role.Arn
	s.DeadLetterArn = pulumi.String("").ToStringOutput()
	if s.DeadLetterQueue != nil {
		s.DeadLetterArn = s.DeadLetterQueue.Arn
	}
	outs := pulumi.Map{
		"arn":           s.Arn,
		"name":          s.Name,
		"groupName":     s.GroupName,
		"roleArn":       s.RoleArn,
		"deadLetterArn": s.DeadLetterArn,
		"expression":    pulumi.String(s.Expression),
		"timeZone":      pulumi.String(s.TimeZone),
		"state":         pulumi.String(string(s.State)),
	}
	if len(s.Warnings) > 0 {
		outs["warnings"] = pulumi.ToStringArray(s.Warnings)
	}
	return s, stage.RegisterOutputs(ctx, s, outs)
}

// TrustPolicy is a schedule execution role's trust policy: sts:AssumeRole for
// scheduler.amazonaws.com, only when the request comes from this account (aws:SourceAccount) and
// from this schedule group (aws:SourceArn). AWS documents that aws:SourceArn must be the schedule
// group's ARN, never a schedule's.
func TrustPolicy(account string, groupArn pulumi.StringInput) policy.Document {
	return policy.Document{Statements: []policy.Statement{{
		Sid:        "SchedulerOfThisGroup",
		Principals: []policy.Principal{policy.Service(ServicePrincipal)},
		Actions:    []string{"sts:AssumeRole"},
		Conditions: []policy.Condition{
			{Test: "StringEquals", Variable: "aws:SourceAccount", Values: policy.Strings(account)},
			{Test: "ArnEquals", Variable: "aws:SourceArn", Values: []pulumi.StringInput{groupArn}},
		},
	}}}
}

// DeliverPolicy is the execution role's only identity policy: the target's delivery
// statements (lambda:InvokeFunction, sqs:SendMessage or states:StartExecution on that one
// resource) and sqs:SendMessage on the dead-letter queue (plus its KMS key's actions when it has
// one), nothing else.
func DeliverPolicy(t policy.Target, dlq *queue.Queue) policy.Document {
	var sts []policy.Statement
	for i, s := range t.DeliverStatements() {
		if s.Sid == "" {
			s.Sid = fmt.Sprintf("Target%d", i)
		}
		sts = append(sts, s)
	}
	if dlq != nil {
		for i, s := range dlq.DeliverStatements() {
			if s.Sid == "" {
				s.Sid = fmt.Sprintf("DeadLetter%d", i)
			}
			sts = append(sts, s)
		}
	}
	return policy.Document{Statements: sts}
}
