package workflow_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/alarm"
	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/internal/testkit"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/components/workflow"
)

const (
	smType     = "aws:sfn/stateMachine:StateMachine"
	policyType = "aws:iam/rolePolicy:RolePolicy"
	roleType   = "aws:iam/role:Role"
	fnType     = "aws:lambda/function:Function"
	queueType  = "aws:sqs/queue:Queue"
	echo       = "./components/worker/testdata/echo"
)

// fanOut is the reference fan-out built from real components: a worker invoked per item by an
// inline Map, failures captured to a skein queue.
func fanOut(ctx *pulumi.Context, root string, args func(w *worker.Worker, q *queue.Queue) *workflow.WorkflowArgs) (*workflow.Workflow, error) {
	w, err := worker.NewWorker(ctx, "fetch", &worker.WorkerArgs{Package: echo, Root: root, ReservedConcurrency: 8})
	if err != nil {
		return nil, err
	}
	other, err := worker.NewWorker(ctx, "other", &worker.WorkerArgs{Package: echo, Root: root})
	if err != nil {
		return nil, err
	}
	_ = other
	q, err := queue.NewQueue(ctx, "failed", nil)
	if err != nil {
		return nil, err
	}
	return workflow.NewWorkflow(ctx, "pipeline", args(w, q))
}

func inline(w *worker.Worker, q *queue.Queue) *workflow.WorkflowArgs {
	return &workflow.WorkflowArgs{Definition: workflow.Definition{
		StartAt: "Each",
		States: workflow.States{
			"Each": &workflow.Map{ItemsPath: "$.items", DeadLetter: q, End: true,
				Processor: workflow.Definition{StartAt: "Fetch", States: workflow.States{
					"Fetch": &workflow.Task{Call: workflow.Invoke{Worker: w}, End: true},
				}}},
		},
	}}
}

func distributed(w *worker.Worker, q *queue.Queue) *workflow.WorkflowArgs {
	return &workflow.WorkflowArgs{Definition: workflow.Definition{
		StartAt: "Each",
		States: workflow.States{
			"Each": &workflow.Map{MaxConcurrency: 8, End: true, DeadLetter: q,
				Distributed: &workflow.Distributed{
					Reader:                     &workflow.ItemReader{Source: workflow.JsonLines, Bucket: pulumi.String("in-bucket"), Key: "lists/items.jsonl"},
					Batcher:                    &workflow.ItemBatcher{MaxItemsPerBatch: 10},
					Writer:                     &workflow.ResultWriter{Bucket: pulumi.String("out-bucket"), Prefix: "results/"},
					ToleratedFailurePercentage: 10,
					Label:                      "items",
				},
				Processor: workflow.Definition{StartAt: "Fetch", States: workflow.States{
					"Fetch": &workflow.Task{Call: workflow.Invoke{Worker: w}, End: true},
				}}},
		},
	}}
}

func run(t *testing.T, program pulumi.RunFunc, config map[string]string) *plan.Plan {
	t.Helper()
	p, err := plan.Run(program, plan.Options{Config: config})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWorkflowResources(t *testing.T) {
	p := run(t, func(ctx *pulumi.Context) error {
		_, err := fanOut(ctx, judge.Root(t), inline)
		return err
	}, map[string]string{"skein:alarmTopicArn": "arn:aws:sns:us-east-1:123456789012:alarms"})

	sm := p.Find(smType, "pipeline")
	if sm == nil {
		t.Fatal("no state machine")
	}
	if sm.Parent == nil || sm.Parent.Type != workflow.Type || sm.Parent.Name != "pipeline" {
		t.Errorf("parent = %+v", sm.Parent)
	}
	for path, want := range map[string]any{
		"name":                       "skein-test-pipeline",
		"type":                       "STANDARD",
		"loggingConfiguration.level": "ALL",
		"loggingConfiguration.includeExecutionData": false,
		"tracingConfiguration.enabled":              true,
		"tags.skein:component":                      "pipeline",
	} {
		if got := sm.Get(path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	lg := p.Find("aws:cloudwatch/logGroup:LogGroup", "pipeline-states-logs")
	if lg.String("name") != "/aws/vendedlogs/states/skein-test-pipeline" || lg.Get("retentionInDays") != float64(14) {
		t.Errorf("log group = %v", lg.Inputs)
	}
	if got := sm.String("loggingConfiguration.logDestination"); got != lg.Arn()+":*" {
		t.Errorf("logDestination = %s, want %s:*", got, lg.Arn())
	}

	var def map[string]any
	if err := sm.Json("definition", &def); err != nil {
		t.Fatal(err)
	}
	fn := p.Find(fnType, "fetch")
	raw := sm.String("definition")
	if !strings.Contains(raw, `"Resource":"`+fn.Arn()+`"`) {
		t.Errorf("definition does not invoke the worker %s:\n%s", fn.Arn(), raw)
	}
	q := p.Find(queueType, "failed")
	if !strings.Contains(raw, q.Outputs["url"].(string)) {
		t.Errorf("definition does not send to the queue URL %s", q.Outputs["url"])
	}
	if !strings.Contains(raw, `"MaxConcurrency":8`) {
		t.Errorf("MaxConcurrency should default to the worker's reserved concurrency (8):\n%s", raw)
	}

	alarms := p.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")
	metrics := map[string]bool{}
	for _, a := range alarms {
		if a.Parent == nil || a.Parent.Name != "pipeline" {
			continue
		}
		metrics[a.String("metricName")] = true
		if a.String("namespace") != "AWS/States" || a.String("dimensions.StateMachineArn") != sm.Arn() {
			t.Errorf("alarm %s: %v", a.Name, a.Inputs)
		}
		if acts, _ := a.Get("alarmActions").([]any); len(acts) != 1 || acts[0] != "arn:aws:sns:us-east-1:123456789012:alarms" {
			t.Errorf("alarm %s actions = %v", a.Name, a.Get("alarmActions"))
		}
	}
	for _, m := range []string{"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted", "ExecutionThrottled"} {
		if !metrics[m] {
			t.Errorf("no alarm on %s", m)
		}
	}

	comp := p.Find(workflow.Type, "pipeline")
	wantURL := "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/statemachines/view/" + sm.Arn()
	if comp.Outputs["arn"] != sm.Arn() || comp.Outputs["name"] != "skein-test-pipeline" || comp.Outputs["consoleUrl"] != wantURL {
		t.Errorf("outputs = %v", comp.Outputs)
	}

	role := p.Find(roleType, "pipeline-states-role")
	var trust struct {
		Statement []struct {
			Principal map[string]string
			Condition map[string]map[string]string
		}
	}
	if err := role.Json("assumeRolePolicy", &trust); err != nil {
		t.Fatal(err)
	}
	if trust.Statement[0].Principal["Service"] != "states.amazonaws.com" || trust.Statement[0].Condition["StringEquals"]["aws:SourceAccount"] != "123456789012" {
		t.Errorf("trust policy = %+v", trust)
	}
}

// rolePolicies returns every inline policy on the workflow's role.
func rolePolicies(t *testing.T, p *plan.Plan, wf string) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	for _, r := range p.OfType(policyType) {
		if r.Parent != nil && r.Parent.Name == wf && r.Parent.Type == workflow.Type {
			out = append(out, json.RawMessage(r.String("policy")))
		}
	}
	if len(out) == 0 {
		t.Fatalf("workflow %s has no role policy", wf)
	}
	return out
}

// fanOutRole plans the fan-out workflow of that shape and returns the plan, its role's ARN and
// its role's policies.
func fanOutRole(t *testing.T, shape func(w *worker.Worker, q *queue.Queue) *workflow.WorkflowArgs) (*plan.Plan, string, []json.RawMessage) {
	t.Helper()
	p := run(t, func(ctx *pulumi.Context) error {
		_, err := fanOut(ctx, judge.Root(t), shape)
		return err
	}, nil)
	return p, p.Find(roleType, "pipeline-states-role").Arn(), rolePolicies(t, p, "pipeline")
}

func TestInlineRoleJudgedByIAMSimulator(t *testing.T) {
	p, role, pols := fanOutRole(t, inline)
	fetch := p.Find(fnType, "fetch").Arn()
	other := p.Find(fnType, "other").Arn()
	q := p.Find(queueType, "failed").Arn()
	otherQ := strings.Replace(q, "failed", "elsewhere", 1)
	req := judge.As(role, pols)
	judge.Expect(t, []judge.Case{
		{Req: req("lambda:InvokeFunction", fetch), Want: judge.Allowed},
		{Req: req("lambda:InvokeFunction", fetch+":live"), Want: judge.Allowed},
		{Req: req("lambda:InvokeFunction", fetch+":7"), Want: judge.Allowed},
		{Req: req("lambda:InvokeFunction", other), Want: judge.ImplicitlyDenied},
		{Req: req("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:anything"), Want: judge.ImplicitlyDenied},
		{Req: req("lambda:UpdateFunctionCode", fetch), Want: judge.ImplicitlyDenied},
		{Req: req("sqs:SendMessage", q), Want: judge.Allowed},
		{Req: req("sqs:SendMessage", otherQ), Want: judge.ImplicitlyDenied},
		{Req: req("sqs:ReceiveMessage", q), Want: judge.ImplicitlyDenied},
		{Req: req("states:StartExecution", p.Find(smType, "pipeline").Arn()), Want: judge.ImplicitlyDenied},
		{Req: req("xray:PutTraceSegments", "*"), Want: judge.Allowed},
	})
}

func TestDistributedRoleJudgedByIAMSimulator(t *testing.T) {
	p, role, pols := fanOutRole(t, distributed)
	sm := p.Find(smType, "pipeline").Arn()
	exec := strings.Replace(sm, ":stateMachine:", ":execution:", 1)
	req := func(action, res string, ctx map[string]any) judge.IAMRequest {
		return judge.IAMRequest{Principal: role, Action: action, Resource: res, IdentityPolicies: pols, Context: ctx}
	}
	judge.Expect(t, []judge.Case{
		{Req: req("states:StartExecution", sm, nil), Want: judge.Allowed},
		{Req: req("states:DescribeExecution", exec+"/items:0f3c6a1e-1111-2222-3333-444455556666", nil), Want: judge.Allowed},
		{Req: req("states:StopExecution", exec+"/items:0f3c6a1e-1111-2222-3333-444455556666", nil), Want: judge.Allowed},
		// Redriving a Map Run redrives its child executions as this role.
		{Req: req("states:RedriveExecution", exec+"/items:0f3c6a1e-1111-2222-3333-444455556666", nil), Want: judge.Allowed},
		{Req: req("states:RedriveExecution", "arn:aws:states:us-east-1:123456789012:execution:someone-else/items:0f3c6a1e", nil), Want: judge.ImplicitlyDenied},
		{Req: req("states:DescribeExecution", exec+":7c1e0d2a-run", nil), Want: judge.Allowed},
		{Req: req("states:DescribeExecution", exec+"-other:7c1e0d2a-run", nil), Want: judge.ImplicitlyDenied},
		{Req: req("states:StartExecution", "arn:aws:states:us-east-1:123456789012:stateMachine:someone-else", nil), Want: judge.ImplicitlyDenied},
		{Req: req("states:DescribeExecution", "arn:aws:states:us-east-1:123456789012:execution:someone-else:run", nil), Want: judge.ImplicitlyDenied},
		{Req: req("s3:GetObject", "arn:aws:s3:::in-bucket/lists/items.jsonl", nil), Want: judge.Allowed},
		{Req: req("s3:GetObject", "arn:aws:s3:::in-bucket/lists/other.jsonl", nil), Want: judge.ImplicitlyDenied},
		{Req: req("s3:PutObject", "arn:aws:s3:::out-bucket/results/run/SUCCEEDED_0.json", nil), Want: judge.Allowed},
		{Req: req("s3:PutObject", "arn:aws:s3:::out-bucket/elsewhere/x.json", nil), Want: judge.ImplicitlyDenied},
		{Req: req("s3:PutObject", "arn:aws:s3:::in-bucket/lists/items.jsonl", nil), Want: judge.ImplicitlyDenied},
		{Req: req("lambda:InvokeFunction", p.Find(fnType, "fetch").Arn(), nil), Want: judge.Allowed},
		{Req: req("lambda:InvokeFunction", p.Find(fnType, "other").Arn(), nil), Want: judge.ImplicitlyDenied},
		{Req: req("sqs:SendMessage", p.Find(queueType, "failed").Arn(), nil), Want: judge.Allowed},
	})
}

func listerProgram(ctx *pulumi.Context) error {
	w := workflow.ExistingFunction("arn:aws:lambda:us-east-1:123456789012:function:f")
	_, err := workflow.NewWorkflow(ctx, "lister", &workflow.WorkflowArgs{Definition: workflow.Definition{StartAt: "Each", States: workflow.States{
		"Each": &workflow.Map{End: true, Distributed: &workflow.Distributed{
			Reader: &workflow.ItemReader{Source: workflow.ListObjects, Bucket: pulumi.String("raw"), Prefix: "incoming/"}},
			Processor: workflow.Definition{StartAt: "F", States: workflow.States{"F": &workflow.Task{Call: workflow.Invoke{Worker: w}, End: true}}}},
	}}})
	return err
}

func TestListingReaderScopedToPrefix(t *testing.T) {
	p := run(t, listerProgram, nil)
	pols := rolePolicies(t, p, "lister")
	role := p.Find(roleType, "lister-states-role").Arn()
	list := func(prefix string) judge.IAMRequest {
		return judge.IAMRequest{Principal: role, Action: "s3:ListBucket", Resource: "arn:aws:s3:::raw", IdentityPolicies: pols,
			Context: map[string]any{"s3:prefix": prefix}}
	}
	got := judge.Simulate(t, list("incoming/2026/"), list("private/"))
	if got[0] != judge.Allowed || got[1] != judge.ImplicitlyDenied {
		t.Errorf("ListBucket incoming/2026/, private/ = %v, want Allowed, ImplicitlyDenied", got)
	}
}

func nestedProgram(ctx *pulumi.Context) error {
	child, err := workflow.NewWorkflow(ctx, "child", &workflow.WorkflowArgs{Type: workflow.Express, Definition: workflow.Definition{
		StartAt: "Done", States: workflow.States{"Done": &workflow.Succeed{}}}})
	if err != nil {
		return err
	}
	_, err = workflow.NewWorkflow(ctx, "parent", &workflow.WorkflowArgs{Definition: workflow.Definition{
		StartAt: "Run child", States: workflow.States{
			"Run child": &workflow.Task{Call: workflow.StartWorkflow{Workflow: child, Wait: true}, End: true}}}})
	return err
}

func TestNestedWorkflow(t *testing.T) {
	p := run(t, nestedProgram, nil)
	child := p.Find(smType, "child")
	if child.String("type") != "EXPRESS" {
		t.Errorf("child type = %s", child.String("type"))
	}
	parent := p.Find(smType, "parent")
	if !strings.Contains(parent.String("definition"), `"StateMachineArn":"`+child.Arn()+`"`) ||
		!strings.Contains(parent.String("definition"), "startExecution.sync:2") {
		t.Errorf("parent definition = %s", parent.String("definition"))
	}
	pols := rolePolicies(t, p, "parent")
	role := p.Find(roleType, "parent-states-role").Arn()
	exec := strings.Replace(child.Arn(), ":stateMachine:", ":execution:", 1) + ":run-1"
	reqs := []judge.IAMRequest{
		{Principal: role, Action: "states:StartExecution", Resource: child.Arn(), IdentityPolicies: pols},
		{Principal: role, Action: "states:DescribeExecution", Resource: exec, IdentityPolicies: pols},
		{Principal: role, Action: "events:PutRule", Resource: "arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule", IdentityPolicies: pols},
		{Principal: role, Action: "states:StartExecution", Resource: parent.Arn(), IdentityPolicies: pols},
	}
	got := judge.Simulate(t, reqs...)
	want := []string{judge.Allowed, judge.Allowed, judge.Allowed, judge.ImplicitlyDenied}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s on %s: %s, want %s", reqs[i].Action, reqs[i].Resource, got[i], want[i])
		}
	}
}

func TestSettingsAndTransforms(t *testing.T) {
	var seen []string
	p := run(t, func(ctx *pulumi.Context) error {
		_, err := workflow.NewWorkflow(ctx, "quiet", &workflow.WorkflowArgs{
			Type:                 workflow.Express,
			LogLevel:             workflow.LogError,
			IncludeExecutionData: true,
			DisableTracing:       true,
			Alarms:               alarm.Args{Disabled: true},
			Definition:           workflow.Definition{StartAt: "P", States: workflow.States{"P": &workflow.Pass{End: true}}},
			Transform: workflow.Transform{
				StateMachine: func(a *sfn.StateMachineArgs) { a.Publish = pulumi.Bool(true); seen = append(seen, "sm") },
				LogGroup:     func(a *cloudwatch.LogGroupArgs) { a.RetentionInDays = pulumi.Int(90); seen = append(seen, "lg") },
			},
		})
		return err
	}, nil)
	sm := p.Find(smType, "quiet")
	if sm.Get("type") != "EXPRESS" || sm.Get("loggingConfiguration.level") != "ERROR" ||
		sm.Get("loggingConfiguration.includeExecutionData") != true || sm.Get("tracingConfiguration.enabled") != false || sm.Get("publish") != true {
		t.Errorf("state machine = %v", sm.Inputs)
	}
	if p.Find("aws:cloudwatch/logGroup:LogGroup", "quiet-states-logs").Get("retentionInDays") != float64(90) {
		t.Error("LogGroup transform not applied")
	}
	if len(p.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")) != 0 {
		t.Error("alarms created despite Alarms.Disabled")
	}
	if len(seen) != 2 {
		t.Errorf("transforms called: %v", seen)
	}
	var doc struct{ Statement []struct{ Action any } }
	if err := json.Unmarshal(rolePolicies(t, p, "quiet")[0], &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Statement {
		if strings.Contains(toString(s.Action), "xray:") {
			t.Errorf("X-Ray permissions with tracing off: %v", s.Action)
		}
	}
}

func toString(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestComponentRejectsBadArgsBeforeAnyResource(t *testing.T) {
	ok := workflow.Definition{StartAt: "P", States: workflow.States{"P": &workflow.Pass{End: true}}}
	dist := workflow.Definition{StartAt: "M", States: workflow.States{"M": &workflow.Map{End: true, Distributed: &workflow.Distributed{},
		Processor: workflow.Definition{StartAt: "P", States: workflow.States{"P": &workflow.Pass{End: true}}}}}}
	rows := []struct {
		name         string
		args         *workflow.WorkflowArgs
		field, value string
	}{
		{"nil args (empty definition)", nil, "Definition.States", "got 0"},
		{"name", &workflow.WorkflowArgs{Definition: ok}, "name must use only letters", `got "bad name"`},
		{"type", &workflow.WorkflowArgs{Definition: ok, Type: "BATCH"}, "Type must be one of STANDARD, EXPRESS", `got "BATCH"`},
		{"log level", &workflow.WorkflowArgs{Definition: ok, LogLevel: "DEBUG"}, "LogLevel", `got "DEBUG"`},
		{"distributed in express", &workflow.WorkflowArgs{Definition: dist, Type: workflow.Express}, `States["M"].Distributed is not supported in an Express workflow`, `got "M"`},
		{"wildcard statement", &workflow.WorkflowArgs{Definition: ok, Statements: []policy.Statement{{Actions: []string{"s3:*"}, Resources: nil}}}, "wildcard", "s3:*"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			p, err := plan.Run(func(ctx *pulumi.Context) error {
				name := "bad"
				if row.name == "name" {
					name = "bad name"
				}
				_, err := workflow.NewWorkflow(ctx, name, row.args)
				return err
			}, plan.Options{})
			testkit.Rejected(t, err, p.Len(), row.field, row.value)
		})
	}
	var fe *check.FieldError
	_, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := workflow.NewWorkflow(ctx, "bad", &workflow.WorkflowArgs{Definition: ok, Type: "BATCH"})
		return err
	}, plan.Options{})
	if !errors.As(err, &fe) || fe.Field != "Type" {
		t.Errorf("errors.As *check.FieldError: %v", err)
	}
}

func TestFIFOQueues(t *testing.T) {
	_, err := plan.Run(func(ctx *pulumi.Context) error {
		q, err := queue.NewQueue(ctx, "ordered", &queue.QueueArgs{Fifo: true, ContentBasedDeduplication: true})
		if err != nil {
			return err
		}
		w := workflow.ExistingFunction("arn:aws:lambda:us-east-1:123456789012:function:f")
		_, err = workflow.NewWorkflow(ctx, "fifo", &workflow.WorkflowArgs{Definition: workflow.Definition{StartAt: "Each", States: workflow.States{
			"Each": &workflow.Map{DeadLetter: q, Next: "Send",
				Processor: workflow.Definition{StartAt: "F", States: workflow.States{"F": &workflow.Task{Call: workflow.Invoke{Worker: w}, End: true}}}},
			"Send": &workflow.Task{Call: workflow.SendMessage{Queue: q}, End: true},
		}}})
		return err
	}, plan.Options{})
	for _, want := range []string{`States["Each"].DeadLetter must be a standard queue`, `States["Send"].Call.MessageGroupId must be set to send to a FIFO queue`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// TestPlanArtifacts writes the plan artifacts of a program holding every workflow the component
// tests build (inline and distributed fan-outs, a listing reader, nested workflows) and lets
// asl-validator judge every definition the component produced.
func TestPlanArtifacts(t *testing.T) {
	p := run(t, func(ctx *pulumi.Context) error {
		if _, err := fanOut(ctx, judge.Root(t), inline); err != nil {
			return err
		}
		for _, prog := range []pulumi.RunFunc{listerProgram, nestedProgram} {
			if err := prog(ctx); err != nil {
				return err
			}
		}
		w := workflow.ExistingFunction("arn:aws:lambda:us-east-1:123456789012:function:f")
		_, err := workflow.NewWorkflow(ctx, "dist", &workflow.WorkflowArgs{Definition: workflow.Definition{StartAt: "Each", States: workflow.States{
			"Each": &workflow.Map{End: true, Distributed: &workflow.Distributed{
				Reader: &workflow.ItemReader{Source: workflow.Manifest, Bucket: pulumi.String("inv"), Key: "a/b/c/manifest.json"},
				Writer: &workflow.ResultWriter{Bucket: pulumi.String("out")}},
				Processor: workflow.Definition{StartAt: "F", States: workflow.States{"F": &workflow.Task{Call: workflow.Invoke{Worker: w, Integration: true}, End: true}}}},
		}}})
		return err
	}, nil)
	dir := t.TempDir()
	if err := p.WriteStateMachines(dir); err != nil {
		t.Fatal(err)
	}
	var cases []workflow.ASLCase
	sms := p.OfType(smType)
	if len(sms) != 5 {
		t.Fatalf("%d state machines in the plan, want 5", len(sms))
	}
	for _, sm := range sms {
		name := sm.Name
		def, err := os.ReadFile(filepath.Join(dir, "statemachines", name+".asl.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(def), "{\n  \"StartAt\"") || !strings.HasSuffix(string(def), "}\n") {
			t.Errorf("%s.asl.json is not 2-space pretty JSON with a trailing newline:\n%s", name, def)
		}
		if recorded := p.Find(smType, name).String("definition"); !json.Valid(def) || compact(t, def) != recorded {
			t.Errorf("%s.asl.json differs from the recorded definition", name)
		}
		mmd, err := os.ReadFile(filepath.Join(dir, "statemachines", name+".mmd"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(mmd), "flowchart TD\n") ||
			strings.Contains(string(def), `"Type": "Map"`) != strings.Contains(string(mmd), "subgraph") {
			t.Errorf("%s.mmd:\n%s", name, mmd)
		}
		cases = append(cases, workflow.ASLCase{Name: name, Definition: def})
	}
	for _, v := range workflow.ASLValidate(t, cases) {
		if !v.IsValid {
			t.Errorf("asl-validator rejects %s: %+v", v.Name, v.Errors)
		}
	}
	// A second run writes identical files.
	before, _ := os.ReadFile(filepath.Join(dir, "statemachines", "pipeline.asl.json"))
	if err := run(t, func(ctx *pulumi.Context) error { _, err := fanOut(ctx, judge.Root(t), inline); return err }, nil).WriteStateMachines(dir); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "statemachines", "pipeline.asl.json"))
	if string(before) != string(after) {
		t.Error("plan artifacts differ between identical runs")
	}
}

func compact(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// keyPathProgram reads each day's list from a key given in the execution input.
func keyPathProgram(prefix string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		w := workflow.ExistingFunction("arn:aws:lambda:us-east-1:123456789012:function:f")
		_, err := workflow.NewWorkflow(ctx, "daily", &workflow.WorkflowArgs{Definition: workflow.Definition{StartAt: "Each", States: workflow.States{
			"Each": &workflow.Map{End: true, Distributed: &workflow.Distributed{
				Reader: &workflow.ItemReader{Source: workflow.JsonLines, Bucket: pulumi.String("in-bucket"), KeyPath: "$.list.key", Prefix: prefix}},
				Processor: workflow.Definition{StartAt: "F", States: workflow.States{"F": &workflow.Task{Call: workflow.Invoke{Worker: w}, End: true}}}},
		}}})
		return err
	}
}

// TestKeyPathReaderScopedToPrefix: with ItemReader.KeyPath the role may read any key under
// Prefix of the reader's bucket, and nothing else; without a Prefix, any key of that bucket.
func TestKeyPathReaderScopedToPrefix(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		cases  map[string]string // resource -> verdict for s3:GetObject
	}{
		{"lists/", map[string]string{
			"arn:aws:s3:::in-bucket/lists/2026-11-22.jsonl":    judge.Allowed,
			"arn:aws:s3:::in-bucket/lists/eu/2026-11-22.jsonl": judge.Allowed,
			"arn:aws:s3:::in-bucket/private/secrets.jsonl":     judge.ImplicitlyDenied,
			"arn:aws:s3:::in-bucket/lists":                     judge.ImplicitlyDenied,
			"arn:aws:s3:::other-bucket/lists/2026-11-22.jsonl": judge.ImplicitlyDenied,
		}},
		{"", map[string]string{
			"arn:aws:s3:::in-bucket/anything/at/all.jsonl": judge.Allowed,
			"arn:aws:s3:::other-bucket/x.jsonl":            judge.ImplicitlyDenied,
		}},
	} {
		t.Run("prefix="+tc.prefix, func(t *testing.T) {
			p := run(t, keyPathProgram(tc.prefix), nil)
			if def := p.Find(smType, "daily").String("definition"); !strings.Contains(def, `"Parameters":{"Bucket":"in-bucket","Key.$":"$.list.key"}`) {
				t.Errorf("definition does not read the key from the input:\n%s", def)
			}
			pols := rolePolicies(t, p, "daily")
			role := p.Find(roleType, "daily-states-role").Arn()
			var reqs []judge.IAMRequest
			var want []string
			for res, verdict := range tc.cases {
				reqs = append(reqs, judge.IAMRequest{Principal: role, Action: "s3:GetObject", Resource: res, IdentityPolicies: pols})
				want = append(want, verdict)
			}
			reqs = append(reqs,
				judge.IAMRequest{Principal: role, Action: "s3:PutObject", Resource: "arn:aws:s3:::in-bucket/lists/x.jsonl", IdentityPolicies: pols},
				judge.IAMRequest{Principal: role, Action: "s3:ListBucket", Resource: "arn:aws:s3:::in-bucket", IdentityPolicies: pols})
			want = append(want, judge.ImplicitlyDenied, judge.ImplicitlyDenied)
			for i, got := range judge.Simulate(t, reqs...) {
				if got != want[i] {
					t.Errorf("%s on %s: %s, want %s", reqs[i].Action, reqs[i].Resource, got, want[i])
				}
			}
		})
	}
}
