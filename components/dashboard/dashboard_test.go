package dashboard_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/dashboard"
	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/components/workflow"
)

// pipeline is a worker with 4 reserved invocations, a queue it consumes and a workflow that
// invokes it, drawn on a dashboard with one handler graph.
func pipeline(t *testing.T, tr dashboard.Transform) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		w, err := worker.NewWorker(ctx, "fetch", &worker.WorkerArgs{
			Package: "./functions/sqsbatch/example", Root: judge.Root(t), Timeout: 45 * time.Second, ReservedConcurrency: 4,
		})
		if err != nil {
			return err
		}
		q, err := queue.NewQueue(ctx, "jobs", &queue.QueueArgs{Consumer: w})
		if err != nil {
			return err
		}
		wf, err := workflow.NewWorkflow(ctx, "run", &workflow.WorkflowArgs{Definition: workflow.Definition{
			StartAt: "Fetch", States: workflow.States{"Fetch": &workflow.Task{Call: workflow.Invoke{Worker: w}, End: true}},
		}})
		if err != nil {
			return err
		}
		_, err = dashboard.NewDashboard(ctx, "ops", &dashboard.DashboardArgs{
			Workflows: map[string]*workflow.Workflow{"run": wf},
			Workers:   map[string]*worker.Worker{"fetch": w},
			Queues:    map[string]*queue.Queue{"jobs": q},
			Handlers: &dashboard.Handlers{Namespace: "app", Widgets: []dashboard.HandlerWidget{
				{Title: "items", Dimensions: []dashboard.Dimension{{Name: "function", Value: "fetch"}}, Metrics: []string{"Fetched", "Failed"}},
			}},
			Transform: tr,
		})
		return err
	}
}

func body(t *testing.T, p *plan.Plan) (*plan.Resource, dashboard.Body) {
	t.Helper()
	r := p.Find(dashboard.ResourceType, "ops")
	if r == nil {
		t.Fatal("no dashboard")
	}
	var b dashboard.Body
	if err := json.Unmarshal([]byte(r.String("dashboardBody")), &b); err != nil {
		t.Fatal(err)
	}
	return r, b
}

func widget(t *testing.T, b dashboard.Body, title string) dashboard.Widget {
	t.Helper()
	for _, w := range b.Widgets {
		if w.Properties.Title == title {
			return w
		}
	}
	t.Fatalf("no widget %q", title)
	return dashboard.Widget{}
}

func TestDashboardDrawsEachComponent(t *testing.T) {
	p, err := plan.Run(pipeline(t, dashboard.Transform{}), plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, b := body(t, p)
	if r.Parent == nil || r.Parent.Type != dashboard.Type || r.Parent.Name != "ops" {
		t.Errorf("dashboard parent %+v, want the component", r.Parent)
	}
	if got := r.String("dashboardName"); got != "skein-test-ops" {
		t.Errorf("dashboardName %q, want the stage prefix and the name", got)
	}
	fn := p.Find("aws:lambda/function:Function", "fetch").Outputs["name"].(string)
	conc := widget(t, b, "fetch: concurrent executions")
	if a := conc.Properties.Annotations; a == nil || len(a.Horizontal) != 1 || a.Horizontal[0].Value != 4 {
		t.Errorf("concurrency annotations %+v, want the reserved concurrency 4", a)
	}
	if m := conc.Properties.Metrics; len(m) != 1 || m[0].Namespace != "AWS/Lambda" || m[0].DimensionMap()["FunctionName"] != fn {
		t.Errorf("concurrency metrics %+v, want function %s", m, fn)
	}
	if a := widget(t, b, "fetch: duration (ms)").Properties.Annotations; a == nil || a.Horizontal[0].Value != 45000 {
		t.Errorf("duration annotations %+v, want the 45 s timeout", a)
	}
	dlq := p.Find("aws:sqs/queue:Queue", "jobs-dlq").Outputs["name"].(string)
	if m := widget(t, b, "jobs: dead letters").Properties.Metrics; len(m) != 1 || m[0].DimensionMap()["QueueName"] != dlq {
		t.Errorf("dead letters %+v, want queue %s", m, dlq)
	}
	arn := p.Find("aws:sfn/stateMachine:StateMachine", "run").Arn()
	ex := widget(t, b, "run: executions").Properties.Metrics
	if len(ex) != 6 || ex[2].Name != "ExecutionsFailed" || ex[2].DimensionMap()["StateMachineArn"] != arn {
		t.Errorf("executions %+v, want six metrics of %s", ex, arn)
	}
	items := widget(t, b, "items").Properties
	if items.Stat != "Sum" || len(items.Metrics) != 2 || items.Metrics[1].Namespace != "app" || items.Metrics[1].Name != "Failed" {
		t.Errorf("handler widget %+v", items)
	}
	// The grid: no two widgets overlap, none is wider than 24 columns.
	for i, w := range b.Widgets {
		if w.X+w.Width > 24 || w.Width <= 0 || w.Height <= 0 {
			t.Errorf("widget %q at x %d width %d", w.Properties.Title, w.X, w.Width)
		}
		for _, o := range b.Widgets[:i] {
			if w.X < o.X+o.Width && o.X < w.X+w.Width && w.Y < o.Y+o.Height && o.Y < w.Y+w.Height {
				t.Errorf("widgets %q and %q overlap", w.Properties.Title, o.Properties.Title)
			}
		}
	}

	// make plan writes the body.
	dir := t.TempDir()
	if err := p.WriteDashboards(dir); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "dashboards", "ops.json"))
	if err != nil {
		t.Fatal(err)
	}
	var again dashboard.Body
	if err := json.Unmarshal(got, &again); err != nil || len(again.Widgets) != len(b.Widgets) || !strings.HasSuffix(string(got), "}\n") {
		t.Errorf("dashboards/ops.json does not hold the body (%v)", err)
	}
}

func TestTransformHooks(t *testing.T) {
	p, err := plan.Run(pipeline(t, dashboard.Transform{
		Body: func(b *dashboard.Body) {
			b.Widgets = append(b.Widgets, dashboard.Widget{Type: "text", Y: 100, Width: 24, Height: 1, Properties: dashboard.Properties{Markdown: "runbook"}})
		},
		Dashboard: func(a *cloudwatch.DashboardArgs) { a.DashboardName = pulumi.String("custom") },
	}), plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, b := body(t, p)
	if r.String("dashboardName") != "custom" {
		t.Errorf("dashboardName %q, want the transform's", r.String("dashboardName"))
	}
	if last := b.Widgets[len(b.Widgets)-1]; last.Properties.Markdown != "runbook" {
		t.Errorf("last widget %+v, want the transform's", last)
	}
}

func TestMetricRoundTrip(t *testing.T) {
	m := dashboard.Metric{Namespace: "AWS/SQS", Name: "ApproximateAgeOfOldestMessage", Dimensions: []dashboard.Dimension{{Name: "QueueName", Value: "q"}}, Options: dashboard.MetricOptions{Label: "oldest"}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `["AWS/SQS","ApproximateAgeOfOldestMessage","QueueName","q",{"label":"oldest"}]` {
		t.Errorf("marshalled %s", b)
	}
	var back dashboard.Metric
	if err := json.Unmarshal(b, &back); err != nil || back.Name != m.Name || back.DimensionMap()["QueueName"] != "q" || back.Options.Label != "oldest" {
		t.Errorf("round trip %+v, %v", back, err)
	}
	for _, bad := range []string{`["AWS/SQS"]`, `["a","b","c"]`, `["a",{"label":"x"},"b"]`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name         string
		args         dashboard.DashboardArgs
		field, value string
	}{
		{"period too short", dashboard.DashboardArgs{Period: 30 * time.Second}, "Period", "30s"},
		{"period not whole minutes", dashboard.DashboardArgs{Period: 90 * time.Second}, "Period", "1m30s"},
		{"start too long", dashboard.DashboardArgs{Start: 400 * time.Hour}, "Start", "400h0m0s"},
		{"nil worker", dashboard.DashboardArgs{Workers: map[string]*worker.Worker{"w": nil}}, "Workers[w]", ""},
		{"nil queue", dashboard.DashboardArgs{Queues: map[string]*queue.Queue{"q": nil}}, "Queues[q]", ""},
		{"no namespace", dashboard.DashboardArgs{Handlers: &dashboard.Handlers{Widgets: []dashboard.HandlerWidget{{Title: "t", Metrics: []string{"m"}}}}}, "Handlers.Namespace", `""`},
		{"no metrics", dashboard.DashboardArgs{Handlers: &dashboard.Handlers{Namespace: "n", Widgets: []dashboard.HandlerWidget{{Title: "t"}}}}, "Handlers.Widgets[0].Metrics", ""},
		{"empty dimension", dashboard.DashboardArgs{Handlers: &dashboard.Handlers{Namespace: "n", Widgets: []dashboard.HandlerWidget{{Title: "t", Metrics: []string{"m"}, Dimensions: []dashboard.Dimension{{Name: "f"}}}}}}, "Handlers.Widgets[0].Dimensions[0]", `"f="`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			p, err := plan.Run(func(ctx *pulumi.Context) error {
				_, err := dashboard.NewDashboard(ctx, "ops", &args)
				return err
			}, plan.Options{})
			var fe *check.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("not a *check.FieldError: %v", err)
			}
			if !strings.Contains(err.Error(), `dashboard "ops": `+tt.field+" ") || !strings.Contains(err.Error(), tt.value) {
				t.Errorf("error does not name %s with %s:\n%v", tt.field, tt.value, err)
			}
			if p.Len() != 0 {
				t.Errorf("%d resources registered before validation failed", p.Len())
			}
		})
	}
	// Every problem at once.
	_, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := dashboard.NewDashboard(ctx, "ops", &dashboard.DashboardArgs{Period: time.Second, Start: time.Minute})
		return err
	}, plan.Options{})
	if err == nil || !strings.Contains(err.Error(), "Period") || !strings.Contains(err.Error(), "Start") {
		t.Errorf("want Period and Start together: %v", err)
	}
	// Nil args: an empty dashboard.
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := dashboard.NewDashboard(ctx, "ops", nil)
		return err
	}, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, b := body(t, p); len(b.Widgets) != 0 {
		t.Errorf("nil args drew %d widgets", len(b.Widgets))
	}
}
