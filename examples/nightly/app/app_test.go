package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/plan"

	"example.com/nightly/app"
)

// stagePlan plans one of the project's stages, as `go run ./cmd/plan` does.
func stagePlan(t *testing.T, stack string) *plan.Plan {
	t.Helper()
	pr, err := plan.FindProject(".")
	if err != nil {
		t.Fatal(err)
	}
	p, err := pr.Run(app.Program, stack)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The dev stage is named after this project (Pulumi.yaml's nightly), with skein's default names.
func TestDevStage(t *testing.T) {
	p := stagePlan(t, "dev")
	sm := p.Find("aws:sfn/stateMachine:StateMachine", app.ReportName)
	if sm == nil || sm.String("name") != "nightly-dev-report" {
		t.Fatalf("state machine %v", sm)
	}
	if got := p.Find("aws:cloudwatch/logGroup:LogGroup", app.SummariseName+"-logs").String("name"); got != "/skein/nightly/dev/summarise" {
		t.Errorf("worker log group %q", got)
	}
	fn := p.Find("aws:lambda/function:Function", app.SummariseName)
	if fn.Get("tags.skein:project") != "nightly" || fn.Get("tags.team") != "reporting" {
		t.Errorf("tags %v", fn.Get("tags"))
	}
	if n := len(p.OfType("aws:lambda/function:Function")); n != 4 {
		t.Errorf("%d functions, want 4", n)
	}
	// Nothing invokes the workers asynchronously: the only queues are the ingest queue, its
	// dead-letter queue and the schedule's dead-letter queue.
	var queues []string
	for _, q := range p.OfType("aws:sqs/queue:Queue") {
		queues = append(queues, q.Name)
	}
	if strings.Join(queues, ",") != "ingest,ingest-dlq,nightly-schedule-dlq" {
		t.Errorf("queues %v", queues)
	}
	sch := p.Find("aws:scheduler/schedule:Schedule", app.NightlyName)
	if sch.String("scheduleExpression") != "cron(30 2 * * ? *)" || sch.String("scheduleExpressionTimezone") != "Europe/Paris" || sch.String("state") != "DISABLED" {
		t.Errorf("schedule %v", sch.Inputs)
	}
	// The Distributed Map's child executions are allowed to start only from this state machine.
	var trust struct {
		Statement []struct {
			Condition map[string]map[string]any
		}
	}
	if err := p.Find("aws:iam/role:Role", app.ReportName+"-states-role").Json("assumeRolePolicy", &trust); err != nil {
		t.Fatal(err)
	}
	if got := trust.Statement[0].Condition["ArnLike"]["aws:SourceArn"]; got != sm.Arn() {
		t.Errorf("trust condition %v, want the state machine %s", got, sm.Arn())
	}
}

// The prod stage names things the team's way: its prefixes and tag namespace, set in
// Pulumi.prod.yaml under the project's own namespace.
func TestProdStageNamesThingsTheTeamsWay(t *testing.T) {
	p := stagePlan(t, "prod")
	if got := p.Find("aws:sfn/stateMachine:StateMachine", app.ReportName).String("name"); got != "acme-reports-report" {
		t.Errorf("state machine %q", got)
	}
	if got := p.Find("aws:cloudwatch/logGroup:LogGroup", app.IngestName+"-logs").String("name"); got != "/acme/reports/ingest" {
		t.Errorf("log group %q", got)
	}
	fn := p.Find("aws:lambda/function:Function", app.IngestName)
	if fn.Get("tags.acme:stage") != "prod" || fn.Get("tags.skein:stage") != nil || !strings.Contains(fn.Arn(), ":210987654321:") {
		t.Errorf("tags %v, ARN %s", fn.Get("tags"), fn.Arn())
	}
	if !p.Find("aws:sqs/queue:Queue", app.IngestName+"-dlq").Protect {
		t.Error("production data stores are protected")
	}
	var def struct {
		States map[string]struct{ MaxConcurrency int }
	}
	if err := json.Unmarshal([]byte(p.Find("aws:sfn/stateMachine:StateMachine", app.ReportName).String("definition")), &def); err != nil {
		t.Fatal(err)
	}
	if def.States["Summarise"].MaxConcurrency != 20 {
		t.Errorf("Summarise MaxConcurrency %d, want prod's 20", def.States["Summarise"].MaxConcurrency)
	}
}

// mocks answers every resource with its inputs and counts them.
type mocks struct{ created *int }

func (m mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	*m.created++
	return args.Name + "_id", args.Inputs, nil
}

func (mocks) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// Under the SDK's own mocks, with config given the usual way, a mistyped key of the project's
// namespace is an error before anything is created, naming it.
func TestMistypedSettingUnderPlainMocks(t *testing.T) {
	var created int
	err := pulumi.RunErr(app.Program, pulumi.WithMocks("nightly", "dev", mocks{&created}), func(info *pulumi.RunInfo) {
		info.Config = map[string]string{"aws:region": "eu-west-1", "nightly:schedul": "rate(1 day)", "nightly:summariseConcurrency": "500"}
	})
	for _, want := range []string{"nightly:schedul is not a report setting or stage setting", "nightly:summariseConcurrency must be 1..100, got 500"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if created != 0 {
		t.Errorf("%d resources created despite the errors", created)
	}
}
