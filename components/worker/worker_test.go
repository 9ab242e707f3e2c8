package worker

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/internal/testkit"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
	"github.com/skeinhq/skein/components/queue"
)

const echo = "./components/worker/testdata/echo"

func root(t testing.TB) string { return judge.Root(t) }

func newPlan(t *testing.T, args *WorkerArgs) (*plan.Plan, *Worker) {
	t.Helper()
	var w *Worker
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		var err error
		w, err = NewWorker(ctx, "echo", args)
		return err
	}, plan.Options{Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	return p, w
}

func TestDefaults(t *testing.T) {
	p, _ := newPlan(t, &WorkerArgs{Package: echo, Root: root(t)})
	fn := p.Find("aws:lambda/function:Function", "echo")
	if fn == nil {
		t.Fatal("no function")
	}
	for path, want := range map[string]any{
		"runtime":                           "provided.al2023",
		"handler":                           "bootstrap",
		"architectures.0":                   "arm64",
		"memorySize":                        128.0,
		"timeout":                           30.0,
		"ephemeralStorage.size":             512.0,
		"tracingConfig.mode":                "Active",
		"loggingConfig.logFormat":           "JSON",
		"loggingConfig.applicationLogLevel": "INFO",
		"loggingConfig.logGroup":            "/skein/skein/test/echo",
		"tags.skein:stage":                  "test",
		"tags.skein:project":                "skein",
		"tags.skein:component":              "echo",
	} {
		if got := fn.Get(path); got != want {
			t.Errorf("function %s = %v, want %v", path, got, want)
		}
	}
	if fn.Parent == nil || fn.Parent.Type != Type {
		t.Errorf("function parent = %+v", fn.Parent)
	}
	if _, ok := fn.Inputs["reservedConcurrentExecutions"]; ok {
		t.Error("unreserved by default")
	}
	lg := p.Find("aws:cloudwatch/logGroup:LogGroup", "echo-logs")
	if lg.Get("retentionInDays") != 14.0 {
		t.Errorf("retention = %v, want the stage default 14", lg.Get("retentionInDays"))
	}
	async := p.Find("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "echo-async")
	dlq := p.Find("aws:sqs/queue:Queue", "echo-async-dlq")
	if async.Get("maximumRetryAttempts") != 2.0 || async.Get("maximumEventAgeInSeconds") != 21600.0 {
		t.Errorf("async config = %v", async.Inputs)
	}
	if async.String("destinationConfig.onFailure.destination") != dlq.Arn() {
		t.Errorf("on-failure destination = %v, want the DLQ %s", async.Get("destinationConfig.onFailure.destination"), dlq.Arn())
	}
	if dlq.Get("messageRetentionSeconds") != 1209600.0 || dlq.Get("sqsManagedSseEnabled") != true {
		t.Errorf("dlq = %v", dlq.Inputs)
	}
	if a := p.Find("aws:cloudwatch/metricAlarm:MetricAlarm", "echo-async-dlq-age-alarm"); a == nil || a.Get("threshold") != 60.0 {
		t.Errorf("no alarm on the DLQ's first message: %v", a)
	}
	comp := p.Find(Type, "echo")
	if comp.Outputs["arn"] != fn.Arn() {
		t.Errorf("component outputs = %v", comp.Outputs)
	}
	// The dead-letter queue is a skein queue, the worker's child; its resources are the queue's.
	for _, r := range p.Resources() {
		parent := "echo"
		if strings.HasPrefix(r.Name, "echo-async-dlq") && r.Type != queue.Type {
			parent = "echo-async-dlq"
		}
		if r.Type != Type && (r.Parent == nil || r.Parent.Name != parent) {
			t.Errorf("%s %s is not parented to %s", r.Type, r.Name, parent)
		}
	}
}

// aliasRecorder records the aliases each resource is registered with, as "name@parent URN".
type aliasRecorder struct {
	mu      sync.Mutex
	aliases map[string][]string
}

func (m *aliasRecorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range args.RegisterRPC.GetAliases() {
		m.aliases[args.TypeToken+" "+args.Name] = append(m.aliases[args.TypeToken+" "+args.Name], a.GetSpec().GetName()+"@"+a.GetSpec().GetParentUrn())
	}
	out := args.Inputs.Copy()
	out["arn"] = resource.NewStringProperty("arn:aws:test:eu-west-1:123456789012:" + args.Name)
	out["name"] = resource.NewStringProperty(args.Name)
	return args.Name + "-id", out, nil
}

func (m *aliasRecorder) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{"accountId": resource.NewStringProperty("123456789012")}, nil
}

// The dead-letter queue's resources were the worker's own children, named "-dlq" before
// "-async-dlq": now the skein queue's, they carry aliases to both, so a stack deployed before
// keeps them (no replacement, no lost messages).
func TestDeadLetterQueueKeepsItsResources(t *testing.T) {
	m := &aliasRecorder{aliases: map[string][]string{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewWorker(ctx, "echo", &WorkerArgs{Package: echo, Root: root(t)})
		return err
	}, pulumi.WithMocks("skein", "test", m), func(info *pulumi.RunInfo) {
		info.Config = map[string]string{"aws:region": "eu-west-1"}
	})
	if err != nil {
		t.Fatal(err)
	}
	worker := "urn:pulumi:test::skein::" + Type + "::echo"
	for _, c := range []struct{ typ, name, was string }{
		{"aws:sqs/queue:Queue", "echo-async-dlq", "echo-async-dlq echo-dlq"},
		{"aws:sqs/queuePolicy:QueuePolicy", "echo-async-dlq-policy", "echo-async-dlq-policy echo-dlq-policy"},
		{"aws:cloudwatch/metricAlarm:MetricAlarm", "echo-async-dlq-age-alarm", "echo-async-dlq-alarm echo-dlq-alarm"},
	} {
		var want []string
		for _, n := range strings.Fields(c.was) {
			want = append(want, n+"@"+worker)
		}
		if got := m.aliases[c.typ+" "+c.name]; !slices.Equal(got, want) {
			t.Errorf("%s %s aliases %v, want %v", c.typ, c.name, got, want)
		}
	}
	if got := m.aliases[queue.Type+" echo-async-dlq"]; len(got) != 0 {
		t.Errorf("the new queue component has aliases %v", got)
	}
}

// The role's policy is judged by the IAM simulator: logs only to its own group, DLQ only its own.
func TestRolePolicyIsLeastPrivilege(t *testing.T) {
	p, _ := newPlan(t, &WorkerArgs{Package: echo, Root: root(t)})
	base := p.Find("aws:iam/rolePolicy:RolePolicy", "echo-base")
	var doc struct {
		Statement []struct {
			Action any
		}
	}
	if err := base.Json("policy", &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Statement {
		if strings.Contains(strings.ReplaceAll(jsonString(s.Action), "\"", ""), "*") {
			t.Errorf("wildcard action %v", s.Action)
		}
	}
	role := p.Find("aws:iam/role:Role", "echo-role").Arn()
	lg := p.Find("aws:cloudwatch/logGroup:LogGroup", "echo-logs").Arn()
	dlq := p.Find("aws:sqs/queue:Queue", "echo-async-dlq").Arn()
	pol := []json.RawMessage{json.RawMessage(base.String("policy"))}
	req := judge.As(role, pol)
	got := judge.Simulate(t,
		req("logs:PutLogEvents", lg+":log-stream:2026/11/23/abc"),
		req("logs:PutLogEvents", "arn:aws:logs:eu-west-1:123456789012:log-group:/other:log-stream:x"),
		req("sqs:SendMessage", dlq),
		req("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:other"),
		req("sqs:ReceiveMessage", dlq),
	)
	want := []string{judge.Allowed, judge.ImplicitlyDenied, judge.Allowed, judge.ImplicitlyDenied, judge.ImplicitlyDenied}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: got %s, want %s", i, got[i], want[i])
		}
	}
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

type fakeTarget struct{ arn string }

func (f fakeTarget) TargetArn() pulumi.StringOutput { return pulumi.String(f.arn).ToStringOutput() }
func (f fakeTarget) DeliverStatements() []policy.Statement {
	return []policy.Statement{{Actions: []string{"sns:Publish"}, Resources: policy.Strings(f.arn)}}
}

func TestOptions(t *testing.T) {
	zero := 0
	p, w := newPlan(t, &WorkerArgs{
		Package: echo, Root: root(t), Architecture: X86_64, MemoryMB: 1024, Timeout: 2 * time.Minute,
		ReservedConcurrency: 5, DisableTracing: true, LogLevel: Debug, LogRetentionDays: 30, MaxRetries: &zero,
		MaxEventAge: time.Hour, OnFailure: fakeTarget{"arn:aws:sns:eu-west-1:123456789012:failures"},
		Environment:       map[string]string{"MODE": "fast"},
		EnvironmentInputs: map[string]pulumi.StringInput{"BUCKET": pulumi.String("b")},
		Transform:         Transform{Function: func(a *lambda.FunctionArgs) { a.Description = pulumi.String("changed") }},
	})
	fn := p.Find("aws:lambda/function:Function", "echo")
	for path, want := range map[string]any{
		"architectures.0": "x86_64", "memorySize": 1024.0, "timeout": 120.0, "reservedConcurrentExecutions": 5.0,
		"tracingConfig.mode": "PassThrough", "loggingConfig.applicationLogLevel": "DEBUG",
		"environment.variables.MODE": "fast", "environment.variables.BUCKET": "b", "description": "changed",
	} {
		if got := fn.Get(path); got != want {
			t.Errorf("function %s = %v, want %v", path, got, want)
		}
	}
	if p.Find("aws:sqs/queue:Queue", "echo-async-dlq") != nil {
		t.Error("a DLQ was created although OnFailure was given")
	}
	async := p.Find("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "echo-async")
	if async.Get("maximumRetryAttempts") != 0.0 || async.String("destinationConfig.onFailure.destination") != "arn:aws:sns:eu-west-1:123456789012:failures" {
		t.Errorf("async = %v", async.Inputs)
	}
	base := p.Find("aws:iam/rolePolicy:RolePolicy", "echo-base").String("policy")
	if !strings.Contains(base, "sns:Publish") || strings.Contains(base, "xray:") {
		t.Errorf("policy = %s", base)
	}
	if w.FunctionTimeout() != 2*time.Minute || w.ReservedConcurrency() != 5 {
		t.Errorf("timeout %v reserved %d", w.FunctionTimeout(), w.ReservedConcurrency())
	}
}

func TestInvalidArgs(t *testing.T) {
	two := 3
	minusOne := -1
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name  string
		args  WorkerArgs
		field string
		value string
	}{
		{"package", WorkerArgs{}, "Package", ""},
		{"arch", WorkerArgs{Package: echo, Architecture: "mips"}, "Architecture", `"mips"`},
		{"memory low", WorkerArgs{Package: echo, MemoryMB: 64}, "MemoryMB", "64"},
		{"memory high", WorkerArgs{Package: echo, MemoryMB: 10241}, "MemoryMB", "10241"},
		{"timeout", WorkerArgs{Package: echo, Timeout: 901 * time.Second}, "Timeout", "15m1s"},
		{"timeout fraction", WorkerArgs{Package: echo, Timeout: 1500 * time.Millisecond}, "Timeout", "1.5s"},
		{"ephemeral", WorkerArgs{Package: echo, EphemeralStorageMB: 100}, "EphemeralStorageMB", "100"},
		{"reserved", WorkerArgs{Package: echo, ReservedConcurrency: -1}, "ReservedConcurrency", "-1"},
		{"log level", WorkerArgs{Package: echo, LogLevel: "LOUD"}, "LogLevel", `"LOUD"`},
		{"retention", WorkerArgs{Package: echo, LogRetentionDays: 13}, "LogRetentionDays", "13"},
		{"retries", WorkerArgs{Package: echo, MaxRetries: &two}, "MaxRetries", "3"},
		{"event age", WorkerArgs{Package: echo, MaxEventAge: 30 * time.Second}, "MaxEventAge", "30s"},
		{"env key", WorkerArgs{Package: echo, Environment: map[string]string{"1BAD": "x"}}, "Environment[1BAD]", `"1BAD"`},
		{"env reserved", WorkerArgs{Package: echo, Environment: map[string]string{"AWS_REGION": "x"}}, "Environment[AWS_REGION]", "reserved"},
		{"env size", WorkerArgs{Package: echo, Environment: map[string]string{"BIG": long}}, "Environment", "5003"},
		{"env twice", WorkerArgs{Package: echo, Environment: map[string]string{"BUCKET": "a"}, EnvironmentInputs: map[string]pulumi.StringInput{"BUCKET": pulumi.String("b")}}, "Environment[BUCKET]", "also set in EnvironmentInputs"},
		{"env input key", WorkerArgs{Package: echo, EnvironmentInputs: map[string]pulumi.StringInput{"my-bucket": pulumi.String("b")}}, "Environment[my-bucket]", `"my-bucket"`},
		{"env input reserved", WorkerArgs{Package: echo, EnvironmentInputs: map[string]pulumi.StringInput{"_HANDLER": pulumi.String("b")}}, "Environment[_HANDLER]", "reserved"},
		{"negative timeout", WorkerArgs{Package: echo, Timeout: -time.Second}, "Timeout", "-1s"},
		{"ephemeral high", WorkerArgs{Package: echo, EphemeralStorageMB: 10241}, "EphemeralStorageMB", "10241"},
		{"event age high", WorkerArgs{Package: echo, MaxEventAge: 6*time.Hour + time.Second}, "MaxEventAge", "6h0m1s"},
		{"negative retries", WorkerArgs{Package: echo, MaxRetries: &minusOne}, "MaxRetries", "-1"},
		{"partial wildcard statement", WorkerArgs{Package: echo, Statements: []policy.Statement{{Actions: []string{"s3:Get*"}, Resources: policy.Strings("arn:aws:s3:::b/*")}}}, "s3:Get*", "wildcard"},
		{"description", WorkerArgs{Package: echo, Description: long}, "Description", "5000"},
		{"statement", WorkerArgs{Package: echo, Statements: []policy.Statement{{Actions: []string{"s3:*"}, Resources: policy.Strings("*")}}}, "s3:*", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := plan.Run(func(ctx *pulumi.Context) error {
				_, err := NewWorker(ctx, "echo", &tt.args)
				return err
			}, plan.Options{})
			testkit.Rejected(t, err, p.Len(), tt.field, tt.value)
		})
	}
	// Every problem at once.
	_, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := NewWorker(ctx, "echo", &WorkerArgs{MemoryMB: 1, Timeout: time.Hour})
		return err
	}, plan.Options{})
	var fe *check.FieldError
	if !errors.As(err, &fe) || strings.Count(err.Error(), "\n") < 2 {
		t.Errorf("want three field errors, got %v", err)
	}
}

func TestCompileErrorIsTheComponentsError(t *testing.T) {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := NewWorker(ctx, "broken", &WorkerArgs{Package: "./components/worker/testdata/broken", Root: root(t)})
		return err
	}, plan.Options{})
	var be *BuildError
	if !errors.As(err, &be) || !strings.Contains(be.Output, "undefined") {
		t.Fatalf("want a BuildError with the compiler's output, got %v", err)
	}
	if p.Len() != 0 {
		t.Errorf("%d resources registered despite the build failure", p.Len())
	}
}

func TestBuildIsReproducible(t *testing.T) {
	// Build in a copy of the module so the cache of this process and of out/.build is cold.
	dir := t.TempDir()
	src := []byte(echoModule(t, dir, "fn"))
	pkg := filepath.Join(dir, "fn")
	write := func(b []byte) {
		if err := os.WriteFile(filepath.Join(pkg, "main.go"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a1, err := build(context.Background(), dir, "./fn", Arm64)
	if err != nil {
		t.Fatal(err)
	}
	z1, _ := os.ReadFile(a1.Zip)
	if err := os.RemoveAll(filepath.Join(dir, "out")); err != nil {
		t.Fatal(err)
	}
	a2, err := build(context.Background(), dir, "./fn", Arm64)
	if err != nil {
		t.Fatal(err)
	}
	z2, _ := os.ReadFile(a2.Zip)
	if !bytes.Equal(z1, z2) || a1.SHA256 != a2.SHA256 {
		t.Fatal("two builds of the same source differ")
	}
	write(bytes.Replace(src, []byte("return e, nil"), []byte("e.Message += \"!\"\n\treturn e, nil"), 1))
	a3, err := build(context.Background(), dir, "./fn", Arm64)
	if err != nil {
		t.Fatal(err)
	}
	if a3.SHA256 == a1.SHA256 || a3.SourceHash == a1.SourceHash {
		t.Fatal("a changed handler gave the same zip")
	}
	zr, err := zip.NewReader(bytes.NewReader(z1), int64(len(z1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 {
		t.Fatalf("zip holds %v", zr.File)
	}
	rc, _ := zr.File[0].Open()
	head := make([]byte, 20)
	_, _ = rc.Read(head)
	_ = rc.Close()
	// An ELF executable for AArch64 (e_machine 183).
	if string(head[1:4]) != "ELF" || head[18] != 183 {
		t.Errorf("bootstrap is not a linux/arm64 ELF binary: % x", head)
	}
}

// A worker nothing invokes asynchronously can have no dead-letter queue: no queue, no alarm, no
// on-failure destination and no sqs:SendMessage in its role; OnFailure with it is an error.
func TestDisableDeadLetterQueue(t *testing.T) {
	p, w := newPlan(t, &WorkerArgs{Package: echo, Root: root(t), DisableDeadLetterQueue: true})
	if len(p.OfType("aws:sqs/queue:Queue")) != 0 || p.Find("aws:cloudwatch/metricAlarm:MetricAlarm", "echo-async-dlq-age-alarm") != nil || w.DeadLetterQueue != nil {
		t.Errorf("queues %v, alarms %v", p.OfType("aws:sqs/queue:Queue"), p.OfType("aws:cloudwatch/metricAlarm:MetricAlarm"))
	}
	async := p.Find("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "echo-async")
	if async.Get("destinationConfig") != nil {
		t.Errorf("on-failure destination %v", async.Get("destinationConfig"))
	}
	if base := p.Find("aws:iam/rolePolicy:RolePolicy", "echo-base").String("policy"); strings.Contains(base, "sqs:") {
		t.Errorf("policy = %s", base)
	}
	if out := p.Find(Type, "echo").Outputs["deadLetterQueueUrl"]; out != "" {
		t.Errorf("deadLetterQueueUrl = %v", out)
	}
	_, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := NewWorker(ctx, "echo", &WorkerArgs{Package: echo, Root: root(t), DisableDeadLetterQueue: true, OnFailure: w})
		return err
	}, plan.Options{})
	if err == nil || !strings.Contains(err.Error(), "DisableDeadLetterQueue conflicts with OnFailure") {
		t.Errorf("DisableDeadLetterQueue with OnFailure: %v", err)
	}
}
