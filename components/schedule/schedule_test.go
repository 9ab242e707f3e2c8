package schedule

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/schedule/cron"
	"github.com/skeinhq/skein/components/stage"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/components/workflow"
)

const (
	scheduleType = "aws:scheduler/schedule:Schedule"
	groupType    = "aws:scheduler/scheduleGroup:ScheduleGroup"
	roleType     = "aws:iam/role:Role"
	policyType   = "aws:iam/rolePolicy:RolePolicy"
	queueType    = "aws:sqs/queue:Queue"
	machineType  = "aws:sfn/stateMachine:StateMachine"
	functionType = "aws:lambda/function:Function"
)

// targets are the three kinds of target a schedule delivers to, built by their real components.
type targets struct {
	flow  *workflow.Workflow
	fn    *worker.Worker
	jobs  *queue.Queue
	fifo  *queue.Queue
	other *workflow.Workflow
}

func newWorkflow(ctx *pulumi.Context, name string) (*workflow.Workflow, error) {
	return workflow.NewWorkflow(ctx, name, &workflow.WorkflowArgs{Definition: workflow.Definition{
		StartAt: "Done", States: workflow.States{"Done": &workflow.Succeed{}}}})
}

// world builds a workflow "export", a worker "echo" (only when withWorker, since it compiles a
// handler), queues "jobs" and "ordered" (FIFO), and an unrelated workflow "other".
func world(t testing.TB, ctx *pulumi.Context, withWorker bool) (*targets, error) {
	tg := &targets{}
	var err error
	if tg.flow, err = newWorkflow(ctx, "export"); err != nil {
		return nil, err
	}
	if tg.other, err = newWorkflow(ctx, "other"); err != nil {
		return nil, err
	}
	if withWorker {
		if tg.fn, err = worker.NewWorker(ctx, "echo", &worker.WorkerArgs{Package: "./components/worker/testdata/echo", Root: judge.Root(t)}); err != nil {
			return nil, err
		}
	}
	if tg.jobs, err = queue.NewQueue(ctx, "jobs", nil); err != nil {
		return nil, err
	}
	if tg.fifo, err = queue.NewQueue(ctx, "ordered", &queue.QueueArgs{Fifo: true, ContentBasedDeduplication: true}); err != nil {
		return nil, err
	}
	return tg, nil
}

func run(t testing.TB, cfg map[string]string, stack string, program func(ctx *pulumi.Context, tg *targets) error) *plan.Plan {
	t.Helper()
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		tg, err := world(t, ctx, false)
		if err != nil {
			return err
		}
		return program(ctx, tg)
	}, plan.Options{Stack: stack, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func find(t testing.TB, p *plan.Plan, typ, name string) *plan.Resource {
	t.Helper()
	r := p.Find(typ, name)
	if r == nil {
		t.Fatalf("no %s %s", typ, name)
	}
	return r
}

func daily(tg *targets) *ScheduleArgs {
	return &ScheduleArgs{Expression: "cron(0 6 * * ? *)", Target: tg.flow}
}

func TestDefaults(t *testing.T) {
	var s *Schedule
	p := run(t, nil, "", func(ctx *pulumi.Context, tg *targets) (err error) {
		s, err = NewSchedule(ctx, "nightly", daily(tg))
		return err
	})
	sch := find(t, p, scheduleType, "nightly")
	group := find(t, p, groupType, "nightly-group")
	role := find(t, p, roleType, "nightly-exec")
	dlq := find(t, p, queueType, "nightly-schedule-dlq")
	flow := find(t, p, machineType, "export")
	for path, want := range map[string]any{
		"scheduleExpression":                      "cron(0 6 * * ? *)",
		"scheduleExpressionTimezone":              "UTC",
		"state":                                   "DISABLED", // stage "test" is not production
		"flexibleTimeWindow.mode":                 "OFF",
		"groupName":                               group.Outputs["name"],
		"target.arn":                              flow.Arn(),
		"target.roleArn":                          role.Arn(),
		"target.deadLetterConfig.arn":             dlq.Arn(),
		"target.retryPolicy.maximumRetryAttempts": 185.0,
		// a daily schedule retries for up to a day, not into the next run
		"target.retryPolicy.maximumEventAgeInSeconds": 86400.0,
		"description": "skein schedule nightly: cron(0 6 * * ? *) in UTC",
	} {
		if got := sch.Get(path); got != want {
			t.Errorf("schedule %s = %v, want %v", path, got, want)
		}
	}
	if sch.Get("startDate") != nil || sch.Get("endDate") != nil || sch.Get("target.sqsParameters") != nil || sch.Get("flexibleTimeWindow.maximumWindowInMinutes") != nil {
		t.Errorf("unexpected inputs: %v", sch.Inputs)
	}
	for _, r := range []*plan.Resource{sch, role, find(t, p, policyType, "nightly-deliver")} {
		if r.Parent == nil || r.Parent.Type != Type || r.Parent.Name != "nightly" {
			t.Errorf("%s %s parent = %+v", r.Type, r.Name, r.Parent)
		}
	}
	if gc := find(t, p, GroupType, "nightly-group"); gc.Parent == nil || gc.Parent.Name != "nightly" {
		t.Errorf("group component parent = %+v", gc.Parent)
	}
	if qc := find(t, p, queue.Type, "nightly-schedule-dlq"); qc.Parent == nil || qc.Parent.Name != "nightly" {
		t.Errorf("dead-letter queue parent = %+v", qc.Parent)
	}
	if dlq.Get("messageRetentionSeconds") != 1209600.0 {
		t.Errorf("dead-letter retention = %v, want 14 days", dlq.Get("messageRetentionSeconds"))
	}
	if a := find(t, p, "aws:cloudwatch/metricAlarm:MetricAlarm", "nightly-schedule-dlq-age-alarm"); a.Get("threshold") != 60.0 {
		t.Errorf("dead-letter alarm threshold = %v, want 60 s", a.Get("threshold"))
	}
	// skein:component is the component instance that owns the resource.
	for r, want := range map[*plan.Resource]string{group: "nightly-group", role: "nightly"} {
		if r.Get("tags.skein:component") != want || r.Get("tags.skein:stage") != "test" {
			t.Errorf("%s tags = %v, want skein:component %s", r.Name, r.Get("tags"), want)
		}
	}
	comp := find(t, p, Type, "nightly")
	for k, want := range map[string]any{"arn": sch.Arn(), "roleArn": role.Arn(), "deadLetterArn": dlq.Arn(), "expression": "cron(0 6 * * ? *)", "timeZone": "UTC", "state": "DISABLED", "groupName": group.Outputs["name"]} {
		if got := comp.Outputs[k]; got != want {
			t.Errorf("output %s = %v, want %v", k, got, want)
		}
	}
	if s.RetryAttempts != 185 || s.MaxEventAge != 24*time.Hour || s.ParsedExpression == nil || s.ParsedExpression.Kind() != cron.KindCron {
		t.Errorf("schedule fields = %d %v %v", s.RetryAttempts, s.MaxEventAge, s.ParsedExpression)
	}
	if n := len(p.OfType(scheduleType)); n != 1 {
		t.Errorf("%d schedules", n)
	}
}

func TestStateFollowsStage(t *testing.T) {
	for _, c := range []struct {
		stack string
		cfg   map[string]string
		state State
		want  string
	}{
		{"dev", nil, "", "DISABLED"},
		{"prod", nil, "", "ENABLED"},
		{"dev", map[string]string{"skein:production": "true"}, "", "ENABLED"},
		{"dev", nil, StateEnabled, "ENABLED"},
		{"prod", nil, StateDisabled, "DISABLED"},
	} {
		p := run(t, c.cfg, c.stack, func(ctx *pulumi.Context, tg *targets) error {
			a := daily(tg)
			a.State = c.state
			_, err := NewSchedule(ctx, "s", a)
			return err
		})
		if got := find(t, p, scheduleType, "s").String("state"); got != c.want {
			t.Errorf("stack %s, config %v, State %q: state %s, want %s", c.stack, c.cfg, c.state, got, c.want)
		}
	}
}

func TestTimeZone(t *testing.T) {
	p := run(t, map[string]string{"skein:timeZone": "Europe/Paris"}, "", func(ctx *pulumi.Context, tg *targets) error {
		if _, err := NewSchedule(ctx, "stage-zone", daily(tg)); err != nil {
			return err
		}
		a := daily(tg)
		a.TimeZone = "America/New_York"
		_, err := NewSchedule(ctx, "own-zone", a)
		return err
	})
	if got := find(t, p, scheduleType, "stage-zone").String("scheduleExpressionTimezone"); got != "Europe/Paris" {
		t.Errorf("stage time zone: %s", got)
	}
	if got := find(t, p, scheduleType, "own-zone").String("scheduleExpressionTimezone"); got != "America/New_York" {
		t.Errorf("own time zone: %s", got)
	}
}

func TestCanonicalExpression(t *testing.T) {
	p := run(t, nil, "", func(ctx *pulumi.Context, tg *targets) error {
		a := daily(tg)
		a.Expression = "cron(00 08 ? jan-mar mon-fri *)"
		_, err := NewSchedule(ctx, "s", a)
		return err
	})
	if got := find(t, p, scheduleType, "s").String("scheduleExpression"); got != "cron(0 8 ? JAN-MAR MON-FRI *)" {
		t.Errorf("expression sent = %s", got)
	}
}

func TestDefaultEventAge(t *testing.T) {
	for _, c := range []struct {
		expr string
		want time.Duration
	}{
		{"rate(5 minutes)", 5 * time.Minute},
		{"rate(1 minute)", time.Minute},
		{"rate(2 days)", 24 * time.Hour},
		{"rate(90 minutes)", 90 * time.Minute},
		{"cron(0/15 * * * ? *)", 15 * time.Minute},
		{"cron(* * * * ? *)", time.Minute},
		{"cron(0 0,23 * * ? *)", time.Hour},                 // 23:00 then midnight
		{"cron(0/30 20-2 ? * MON-FRI *)", 30 * time.Minute}, // AWS's own example
		{"cron(0 9 ? * MON,TUE *)", 24 * time.Hour},
		{"cron(0 12 L * ? *)", 24 * time.Hour},
		{"cron(15 10 ? * 6L 2026-2030)", 24 * time.Hour},
		{"at(2030-06-01T09:00:00)", 24 * time.Hour},
	} {
		e, err := cron.Parse(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := defaultEventAge(e, time.UTC, time.Time{}); got != c.want {
			t.Errorf("%s: default event age %v, want %v", c.expr, got, c.want)
		}
	}
	// Elapsed time, not wall-clock time: on 29 March 2026 Paris moves from 02:00 CET to 03:00
	// CEST, so 01:30 and 03:30 are one hour apart that day, two hours on every other day.
	paris, _ := cron.LoadLocation("Europe/Paris")
	e, _ := cron.Parse("cron(30 1,3 * * ? *)")
	if got := defaultEventAge(e, paris, time.Time{}); got != time.Hour {
		t.Errorf("cron(30 1,3 * * ? *) in Paris: %v, want 1h (29 March 2026, clocks forward)", got)
	}
	if got := defaultEventAge(e, time.UTC, time.Time{}); got != 2*time.Hour {
		t.Errorf("cron(30 1,3 * * ? *) in UTC: %v, want 2h", got)
	}
}

func TestRetryAndWindow(t *testing.T) {
	p := run(t, nil, "", func(ctx *pulumi.Context, tg *targets) error {
		a := daily(tg)
		a.RetryAttempts = pulumi.IntRef(0)
		a.MaxEventAge = 2 * time.Hour
		a.FlexibleWindow = 15 * time.Minute
		a.StartDate = time.Date(2027, 1, 1, 9, 0, 0, 0, time.FixedZone("CET", 3600))
		a.EndDate = time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
		_, err := NewSchedule(ctx, "s", a)
		return err
	})
	sch := find(t, p, scheduleType, "s")
	for path, want := range map[string]any{
		"target.retryPolicy.maximumRetryAttempts":     0.0,
		"target.retryPolicy.maximumEventAgeInSeconds": 7200.0,
		"flexibleTimeWindow.mode":                     "FLEXIBLE",
		"flexibleTimeWindow.maximumWindowInMinutes":   15.0,
		"startDate": "2027-01-01T08:00:00Z",
		"endDate":   "2028-01-01T00:00:00Z",
	} {
		if got := sch.Get(path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
}

// inputOf decodes the schedule's target input, checking that Scheduler's placeholders are
// written literally (Scheduler replaces the text <aws.scheduler.…>, not its JSON escape).
func inputOf(t *testing.T, p *plan.Plan, name string) map[string]any {
	t.Helper()
	raw := find(t, p, scheduleType, name).String("target.input")
	if strings.Contains(raw, `\u003c`) {
		t.Errorf("input escapes < and >, Scheduler would not replace the context attributes: %s", raw)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("input %q: %v", raw, err)
	}
	return m
}

func TestInputCarriesContext(t *testing.T) {
	p := run(t, nil, "", func(ctx *pulumi.Context, tg *targets) error {
		a := daily(tg)
		a.Input = map[string]any{"mode": "full", "limits": map[string]any{"items": 1000}}
		if _, err := NewSchedule(ctx, "merged", a); err != nil {
			return err
		}
		b := daily(tg)
		b.Input = map[string]any{"schedule": "user's own"}
		b.ContextKey = "meta"
		if _, err := NewSchedule(ctx, "own-key", b); err != nil {
			return err
		}
		c := daily(tg)
		c.Input = map[string]any{"only": "this"}
		c.ContextKey = NoContext
		_, err := NewSchedule(ctx, "raw", c)
		return err
	})
	m := inputOf(t, p, "merged")
	ctxDoc, _ := m["schedule"].(map[string]any)
	if m["mode"] != "full" || ctxDoc["scheduledTime"] != "<aws.scheduler.scheduled-time>" || ctxDoc["scheduleArn"] != "<aws.scheduler.schedule-arn>" ||
		ctxDoc["executionId"] != "<aws.scheduler.execution-id>" || ctxDoc["attemptNumber"] != "<aws.scheduler.attempt-number>" {
		t.Errorf("merged input = %v", m)
	}
	if raw := find(t, p, scheduleType, "merged").String("target.input"); !strings.Contains(raw, `"scheduledTime":"<aws.scheduler.scheduled-time>"`) {
		t.Errorf("raw input %s lacks the literal placeholder", raw)
	}
	m = inputOf(t, p, "own-key")
	if meta, _ := m["meta"].(map[string]any); m["schedule"] != "user's own" || meta["scheduledTime"] != AttrScheduledTime {
		t.Errorf("own-key input = %v", m)
	}
	if m = inputOf(t, p, "raw"); len(m) != 1 || m["only"] != "this" {
		t.Errorf("raw input = %v", m)
	}
}

// shaped is a target of our own that chooses its input (InputTarget).
type shaped struct{ arn string }

func (s shaped) TargetArn() pulumi.StringOutput       { return pulumi.String(s.arn).ToStringOutput() }
func (s shaped) StateMachineArn() pulumi.StringOutput { return s.TargetArn() }
func (s shaped) DeliverStatements() []policy.Statement {
	return []policy.Statement{{Actions: []string{"states:StartExecution"}, Resources: policy.Strings(s.arn)}}
}
func (s shaped) ScheduleInput(doc map[string]any) (string, error) {
	c, _ := doc["schedule"].(map[string]any)
	return "run at " + c["scheduledTime"].(string), nil
}

func TestInputTarget(t *testing.T) {
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:theirs"
	p := run(t, nil, "", func(ctx *pulumi.Context, tg *targets) error {
		_, err := NewSchedule(ctx, "s", &ScheduleArgs{Expression: "rate(1 hour)", Target: shaped{arn}})
		return err
	})
	sch := find(t, p, scheduleType, "s")
	if sch.String("target.input") != "run at <aws.scheduler.scheduled-time>" || sch.String("target.arn") != arn {
		t.Errorf("target = %v", sch.Get("target"))
	}
}

func TestQueueTargets(t *testing.T) {
	p := run(t, nil, "", func(ctx *pulumi.Context, tg *targets) error {
		if _, err := NewSchedule(ctx, "to-jobs", &ScheduleArgs{Expression: "rate(5 minutes)", Target: tg.jobs}); err != nil {
			return err
		}
		if _, err := NewSchedule(ctx, "to-ordered", &ScheduleArgs{Expression: "rate(5 minutes)", Target: tg.fifo}); err != nil {
			return err
		}
		_, err := NewSchedule(ctx, "to-ordered-group", &ScheduleArgs{Expression: "rate(5 minutes)", Target: tg.fifo, MessageGroupId: "exports"})
		return err
	})
	if got := find(t, p, scheduleType, "to-jobs"); got.Get("target.sqsParameters") != nil || got.String("target.arn") != find(t, p, queueType, "jobs").Arn() {
		t.Errorf("standard queue target = %v", got.Get("target"))
	}
	if got := find(t, p, scheduleType, "to-ordered").Get("target.sqsParameters.messageGroupId"); got != "to-ordered" {
		t.Errorf("FIFO default message group = %v, want the schedule's name", got)
	}
	if got := find(t, p, scheduleType, "to-ordered-group").Get("target.sqsParameters.messageGroupId"); got != "exports" {
		t.Errorf("FIFO message group = %v", got)
	}
}

func TestWorkerTarget(t *testing.T) {
	var fn *worker.Worker
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		tg, err := world(t, ctx, true)
		if err != nil {
			return err
		}
		fn = tg.fn
		_, err = NewSchedule(ctx, "ping", &ScheduleArgs{Expression: "rate(10 minutes)", Target: tg.fn})
		return err
	}, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := find(t, p, scheduleType, "ping").String("target.arn"), find(t, p, functionType, "echo").Arn(); got != want || fn == nil {
		t.Errorf("target arn = %s, want %s", got, want)
	}
}

func TestSharedGroupAndDeadLetterQueue(t *testing.T) {
	p := run(t, nil, "", func(ctx *pulumi.Context, tg *targets) error {
		g, err := NewGroup(ctx, "pipeline", nil)
		if err != nil {
			return err
		}
		dlq, err := queue.NewQueue(ctx, "schedules-dlq", nil)
		if err != nil {
			return err
		}
		for _, n := range []string{"a", "b"} {
			a := daily(tg)
			a.Group, a.DeadLetter.Queue = g, dlq
			if _, err := NewSchedule(ctx, n, a); err != nil {
				return err
			}
		}
		a := daily(tg)
		a.Group, a.DeadLetter.Disabled = g, true
		_, err = NewSchedule(ctx, "c", a)
		return err
	})
	if n := len(p.OfType(groupType)); n != 1 {
		t.Errorf("%d schedule groups, want the shared one", n)
	}
	group := find(t, p, groupType, "pipeline")
	shared := find(t, p, queueType, "schedules-dlq").Arn()
	for _, n := range []string{"a", "b", "c"} {
		sch := find(t, p, scheduleType, n)
		if sch.Get("groupName") != group.Outputs["name"] {
			t.Errorf("%s group = %v", n, sch.Get("groupName"))
		}
		var trust struct{ Statement []map[string]any }
		if err := find(t, p, roleType, n+"-exec").Json("assumeRolePolicy", &trust); err != nil {
			t.Fatal(err)
		}
		if got := trust.Statement[0]["Condition"].(map[string]any)["ArnEquals"].(map[string]any)["aws:SourceArn"]; got != group.Arn() {
			t.Errorf("%s trust aws:SourceArn = %v, want the group %s", n, got, group.Arn())
		}
		if p.Find(queue.Type, n+"-schedule-dlq") != nil {
			t.Errorf("%s created its own dead-letter queue", n)
		}
	}
	for _, n := range []string{"a", "b"} {
		if got := find(t, p, scheduleType, n).Get("target.deadLetterConfig.arn"); got != shared {
			t.Errorf("%s dead-letter queue = %v, want %s", n, got, shared)
		}
	}
	if got := find(t, p, scheduleType, "c").Get("target.deadLetterConfig"); got != nil {
		t.Errorf("c dead-letter config = %v, want none", got)
	}
	if got := find(t, p, Type, "c").Outputs["deadLetterArn"]; got != "" {
		t.Errorf("c deadLetterArn = %v", got)
	}
}

func TestTransforms(t *testing.T) {
	p := run(t, nil, "", func(ctx *pulumi.Context, tg *targets) error {
		a := daily(tg)
		a.Transform = Transform{
			Schedule: func(s *scheduler.ScheduleArgs) {
				s.KmsKeyArn = pulumi.String("arn:aws:kms:us-east-1:123456789012:key/k")
			},
			Role:            func(r *iam.RoleArgs) { r.Path = pulumi.String("/schedules/") },
			RolePolicy:      func(r *iam.RolePolicyArgs) { r.Name = pulumi.String("deliver") },
			Group:           func(g *scheduler.ScheduleGroupArgs) { g.Name = pulumi.String("nightly-group") },
			DeadLetterQueue: func(q *queue.QueueArgs) { q.MessageRetention = 7 * 24 * time.Hour },
		}
		_, err := NewSchedule(ctx, "s", a)
		return err
	})
	for _, c := range []struct{ typ, name, path, want string }{
		{scheduleType, "s", "kmsKeyArn", "arn:aws:kms:us-east-1:123456789012:key/k"},
		{roleType, "s-exec", "path", "/schedules/"},
		{policyType, "s-deliver", "name", "deliver"},
		{groupType, "s-group", "name", "nightly-group"},
	} {
		if got := find(t, p, c.typ, c.name).String(c.path); got != c.want {
			t.Errorf("%s %s %s = %q, want %q", c.typ, c.name, c.path, got, c.want)
		}
	}
	if got := find(t, p, queueType, "s-schedule-dlq").Get("messageRetentionSeconds"); got != 604800.0 {
		t.Errorf("transformed dead-letter retention = %v", got)
	}
}

func TestSkipExpressionCheck(t *testing.T) {
	p := run(t, nil, "", func(ctx *pulumi.Context, tg *targets) error {
		_, err := NewSchedule(ctx, "s", &ScheduleArgs{Expression: "cron(0 8 ? * MON#1,FRI#3 *)", SkipExpressionCheck: true, Target: tg.flow})
		return err
	})
	sch := find(t, p, scheduleType, "s")
	if sch.String("scheduleExpression") != "cron(0 8 ? * MON#1,FRI#3 *)" || sch.Get("target.retryPolicy.maximumEventAgeInSeconds") != 86400.0 {
		t.Errorf("unchecked schedule = %v", sch.Inputs)
	}
}

func TestWarnings(t *testing.T) {
	st := &stage.Stage{Name: "test", TimeZone: "UTC"}
	now := func() time.Time { return time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC) }
	target := shaped{"arn:aws:states:us-east-1:123456789012:stateMachine:x"}
	for _, c := range []struct {
		args ScheduleArgs
		want string
	}{
		{ScheduleArgs{Expression: "at(2027-05-31T23:59:00)"}, "will not fire again"},
		{ScheduleArgs{Expression: "cron(0 0 * * ? 2020-2026)"}, "will not fire again"},
		{ScheduleArgs{Expression: "rate(1 hour)", EndDate: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}, "EndDate 2027-01-01T00:00:00Z has passed"},
		{ScheduleArgs{Expression: "cron(0 0 1 1 ? *)", StartDate: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), EndDate: time.Date(2027, 12, 1, 0, 0, 0, 0, time.UTC)}, "will not fire again"},
		{ScheduleArgs{Expression: "at(2027-06-01T00:01:00)"}, ""},
		{ScheduleArgs{Expression: "cron(0 0 * * ? 2020-2027)"}, ""},
	} {
		a := c.args
		a.Target, a.Clock = target, now
		ch := check.New("schedule", "s")
		r := resolve(ch, st, "s", &a)
		if err := ch.Err(); err != nil {
			t.Fatalf("%s: %v", a.Expression, err)
		}
		got := strings.Join(r.warnings, "; ")
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: warnings %q, want %q", a.Expression, got, c.want)
		}
	}
	// A warning does not stop the deployment: the schedule is still created.
	p := run(t, nil, "", func(ctx *pulumi.Context, tg *targets) error {
		_, err := NewSchedule(ctx, "fired", &ScheduleArgs{Expression: "at(2027-05-31T23:59:00)", Target: tg.flow, Clock: now})
		return err
	})
	if got := find(t, p, scheduleType, "fired").String("scheduleExpression"); got != "at(2027-05-31T23:59:00)" {
		t.Errorf("past at() schedule: %q", got)
	}
	// The warning is visible to a program and in the plan, not only in the engine's log.
	comp := find(t, p, Type, "fired")
	if w, _ := comp.Outputs["warnings"].([]any); len(w) != 1 || !strings.Contains(w[0].(string), "will not fire again") {
		t.Errorf("warnings output %v", comp.Outputs["warnings"])
	}
	b, err := p.MarshalSchedules(now())
	if err != nil {
		t.Fatal(err)
	}
	var f plan.SchedulesFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Schedules) != 1 || len(f.Schedules[0].Next) != 0 || !strings.Contains(f.Schedules[0].Warning, "never fires after 2027-06-01T00:00:00Z") {
		t.Errorf("schedules.json: %s", b)
	}
}

func TestValidation(t *testing.T) {
	long := strings.Repeat("x", 51)
	for _, c := range []struct {
		what   string
		name   string
		mutate func(a *ScheduleArgs, tg *targets)
		// want are substrings of the error: the field, the rule's range and the value given
		want []string
	}{
		{"no expression", "s", func(a *ScheduleArgs, _ *targets) { a.Expression = "" }, []string{"Expression is required"}},
		{"bad cron", "s", func(a *ScheduleArgs, _ *targets) { a.Expression = "cron(0 6 1 * MON *)" }, []string{"Expression (day-of-month", "put ? in one of them"}},
		{"every cron problem", "s", func(a *ScheduleArgs, _ *targets) { a.Expression = "cron(61 25 ? * * *)" }, []string{"(minutes)", `"61"`, "(hours)", `"25"`}},
		{"rate plural", "s", func(a *ScheduleArgs, _ *targets) { a.Expression = "rate(5 hour)" }, []string{"Expression (rate unit)", `"hour"`}},
		{"bad at", "s", func(a *ScheduleArgs, _ *targets) { a.Expression = "at(2026-02-30T10:00:00)" }, []string{"Expression (at)", "2026-02-30T10:00:00"}},
		{"cron that can never fire", "s", func(a *ScheduleArgs, _ *targets) { a.Expression = "cron(0 0 30 2 ? *)" }, []string{"Expression never fires", "day 30 of February", `"cron(0 0 30 2 ? *)"`}},
		{"cron on the 31st of short months only", "s", func(a *ScheduleArgs, _ *targets) { a.Expression = "cron(0 0 31 4,6,9,11 ? *)" }, []string{"Expression never fires"}},
		{"unchecked too long", "s", func(a *ScheduleArgs, _ *targets) {
			a.Expression, a.SkipExpressionCheck = "cron("+strings.Repeat("0", 260)+")", true
		}, []string{"Expression must be 1..256 characters"}},
		{"time zone", "s", func(a *ScheduleArgs, _ *targets) { a.TimeZone = "Europe/Pariss" }, []string{"TimeZone", "Europe/Pariss"}},
		{"Local zone", "s", func(a *ScheduleArgs, _ *targets) { a.TimeZone = "Local" }, []string{"TimeZone", "Local"}},
		{"window short", "s", func(a *ScheduleArgs, _ *targets) { a.FlexibleWindow = 30 * time.Second }, []string{"FlexibleWindow must be 1m0s..24h0m0s", "30s"}},
		{"window long", "s", func(a *ScheduleArgs, _ *targets) { a.FlexibleWindow = 1441 * time.Minute }, []string{"FlexibleWindow must be 1m0s..24h0m0s", "24h1m0s"}},
		{"window fraction", "s", func(a *ScheduleArgs, _ *targets) { a.FlexibleWindow = 90 * time.Second }, []string{"FlexibleWindow must be a whole number of 1m0s", "1m30s"}},
		{"retries high", "s", func(a *ScheduleArgs, _ *targets) { a.RetryAttempts = pulumi.IntRef(186) }, []string{"RetryAttempts must be 0..185", "186"}},
		{"retries negative", "s", func(a *ScheduleArgs, _ *targets) { a.RetryAttempts = pulumi.IntRef(-1) }, []string{"RetryAttempts must be 0..185", "-1"}},
		{"event age short", "s", func(a *ScheduleArgs, _ *targets) { a.MaxEventAge = 59 * time.Second }, []string{"MaxEventAge must be 1m0s..24h0m0s", "59s"}},
		{"event age long", "s", func(a *ScheduleArgs, _ *targets) { a.MaxEventAge = 86401 * time.Second }, []string{"MaxEventAge must be 1m0s..24h0m0s", "24h0m1s"}},
		{"event age fraction", "s", func(a *ScheduleArgs, _ *targets) { a.MaxEventAge = 90500 * time.Millisecond }, []string{"MaxEventAge must be a whole number of 1s", "1m30.5s"}},
		{"start after end", "s", func(a *ScheduleArgs, _ *targets) {
			a.StartDate, a.EndDate = time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		}, []string{"EndDate must be after StartDate (2027-01-02T00:00:00Z)", "2027-01-01T00:00:00Z"}},
		{"start equals end", "s", func(a *ScheduleArgs, _ *targets) {
			a.StartDate, a.EndDate = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		}, []string{"EndDate must be after StartDate"}},
		{"start year", "s", func(a *ScheduleArgs, _ *targets) { a.StartDate = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC) }, []string{"StartDate must be in the years 1970..2199", "2200-01-01T00:00:00Z"}},
		{"dates on at()", "s", func(a *ScheduleArgs, _ *targets) {
			a.Expression, a.StartDate, a.EndDate = "at(2030-01-01T00:00:00)", time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
		}, []string{"StartDate applies only to recurring schedules", "EndDate applies only to recurring schedules", "2031-01-01T00:00:00Z"}},
		{"state", "s", func(a *ScheduleArgs, _ *targets) { a.State = "PAUSED" }, []string{"State must be one of ENABLED, DISABLED", `"PAUSED"`}},
		{"description", "s", func(a *ScheduleArgs, _ *targets) { a.Description = strings.Repeat("d", 513) }, []string{"Description must be at most 512 characters", "513"}},
		{"no target", "s", func(a *ScheduleArgs, _ *targets) { a.Target = nil }, []string{"Target is required"}},
		{"typed nil target", "s", func(a *ScheduleArgs, _ *targets) { a.Target = (*worker.Worker)(nil) }, []string{"Target is required"}},
		{"untyped target", "s", func(a *ScheduleArgs, _ *targets) { a.Target = untyped{} }, []string{"Target must be a policy.Function", "schedule.untyped"}},
		{"target without statements", "s", func(a *ScheduleArgs, _ *targets) { a.Target = workflow.ExistingFunction("arn:aws:s3:::bucket") }, []string{"Target gives no delivery statements"}},
		{"wildcard target", "s", func(a *ScheduleArgs, _ *targets) { a.Target = wildcard{} }, []string{"Target delivery statements break", `"states:*"`}},
		{"message group on a standard queue", "s", func(a *ScheduleArgs, tg *targets) { a.Target, a.MessageGroupId = tg.jobs, "g" }, []string{"MessageGroupId applies only to FIFO queue targets", `"g"`}},
		{"message group too long", "s", func(a *ScheduleArgs, tg *targets) { a.Target, a.MessageGroupId = tg.fifo, strings.Repeat("g", 129) }, []string{"MessageGroupId must be 1..128 characters"}},
		{"input key taken", "s", func(a *ScheduleArgs, _ *targets) { a.Input = map[string]any{"schedule": 1} }, []string{`Input must not use the key "schedule"`}},
		{"input not JSON", "s", func(a *ScheduleArgs, _ *targets) { a.Input = map[string]any{"f": func() {}} }, []string{"Input must marshal to JSON"}},
		{"input too large", "s", func(a *ScheduleArgs, _ *targets) { a.Input = map[string]any{"blob": strings.Repeat("b", 262144)} }, []string{"Input must be at most 262144 bytes", "got 262356"}},
		{"empty input from the target", "s", func(a *ScheduleArgs, _ *targets) { a.Target = emptyInput{} }, []string{"Input must not be empty"}},
		{"FIFO dead-letter queue", "s", func(a *ScheduleArgs, tg *targets) { a.DeadLetter.Queue = tg.fifo }, []string{"DeadLetter.Queue must be a standard queue", `"FIFO"`}},
		{"dead letter both", "s", func(a *ScheduleArgs, tg *targets) { a.DeadLetter = DeadLetterArgs{Disabled: true, Queue: tg.jobs} }, []string{"DeadLetter.Queue conflicts with DeadLetter.Disabled"}},
		{"dead letter transform", "s", func(a *ScheduleArgs, _ *targets) {
			a.DeadLetter.Disabled, a.Transform.DeadLetterQueue = true, func(*queue.QueueArgs) {}
		}, []string{"Transform.DeadLetterQueue has no queue to change"}},
		{"name too long", long, func(*ScheduleArgs, *targets) {}, []string{"name must be 1..50", long}},
		{"name characters", "a.b", func(*ScheduleArgs, *targets) {}, []string{"name must be 1..50 letters, digits, - or _", `"a.b"`}},
	} {
		t.Run(c.what, func(t *testing.T) {
			p, err := plan.Run(func(ctx *pulumi.Context) error {
				tg, err := world(t, ctx, false)
				if err != nil {
					return err
				}
				a := daily(tg)
				c.mutate(a, tg)
				_, err = NewSchedule(ctx, c.name, a)
				return err
			}, plan.Options{})
			if err == nil {
				t.Fatal("no error")
			}
			var fe *check.FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error %v is not a *check.FieldError", err)
			}
			if !strings.Contains(err.Error(), `schedule "`+c.name+`"`) {
				t.Errorf("error %q does not name the component", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, r := range p.Resources() {
				if r.Name == c.name || strings.HasPrefix(r.Name, c.name+"-") {
					t.Errorf("%s %s registered after a validation error", r.Type, r.Name)
				}
			}
		})
	}
}

// TestValidationRegistersNothing runs a bad schedule alone: the plan stays empty.
func TestValidationRegistersNothing(t *testing.T) {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := NewSchedule(ctx, "s", &ScheduleArgs{Expression: "cron(0 6 * * * *)", RetryAttempts: pulumi.IntRef(500), FlexibleWindow: time.Hour * 25})
		return err
	}, plan.Options{})
	if err == nil || p.Len() != 0 {
		t.Fatalf("err %v, %d resources", err, p.Len())
	}
	// every problem at once
	for _, w := range []string{"put ? in one of them", "RetryAttempts", "FlexibleWindow", "Target is required"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}

func TestGroupValidation(t *testing.T) {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := NewGroup(ctx, "bad/name", nil)
		return err
	}, plan.Options{})
	if err == nil || !strings.Contains(err.Error(), `schedule group "bad/name": name must be 1..56`) || p.Len() != 0 {
		t.Fatalf("err %v, %d resources", err, p.Len())
	}
}

type wildcard struct{}

func (w wildcard) StateMachineArn() pulumi.StringOutput { return w.TargetArn() }

// untyped is a target that is neither a function, a queue nor a state machine.
type untyped struct{}

func (untyped) TargetArn() pulumi.StringOutput {
	return pulumi.String("arn:aws:sns:us-east-1:123456789012:t").ToStringOutput()
}
func (untyped) DeliverStatements() []policy.Statement {
	return []policy.Statement{{Actions: []string{"sns:Publish"}, Resources: policy.Strings("arn:aws:sns:us-east-1:123456789012:t")}}
}

func (wildcard) TargetArn() pulumi.StringOutput {
	return pulumi.String("arn:aws:states:us-east-1:123456789012:stateMachine:x").ToStringOutput()
}
func (wildcard) DeliverStatements() []policy.Statement {
	return []policy.Statement{{Actions: []string{"states:*"}, Resources: policy.Strings("*")}}
}

type emptyInput struct{ wildcard }

func (emptyInput) DeliverStatements() []policy.Statement {
	return []policy.Statement{{Actions: []string{"states:StartExecution"}, Resources: policy.Strings("arn:aws:states:us-east-1:123456789012:stateMachine:x")}}
}
func (emptyInput) ScheduleInput(map[string]any) (string, error) { return "", nil }
