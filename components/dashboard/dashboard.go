package dashboard

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/transform"
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/schedule"
	"github.com/skeinhq/skein/components/stage"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/components/workflow"
)

// Type is the Pulumi type token of a Dashboard.
const Type = "skein:aws:Dashboard"

// Limits and defaults.
const (
	DefaultPeriod = 5 * time.Minute
	MinPeriod     = time.Minute
	MaxPeriod     = 24 * time.Hour
	// MaxNameLength is the longest dashboard name CloudWatch accepts.
	MaxNameLength = 255
	// MaxWidgets is the most widgets CloudWatch draws on one dashboard.
	MaxWidgets = 500
)

// The AWS namespaces and metrics the dashboard draws (each documented by its service: Step
// Functions' execution metrics, Lambda's function metrics, SQS's queue metrics).
const (
	NamespaceStates = "AWS/States"
	NamespaceLambda = "AWS/Lambda"
	NamespaceSqs    = "AWS/SQS"

	DimStateMachineArn = "StateMachineArn"
	DimFunctionName    = "FunctionName"
	DimQueueName       = "QueueName"
)

// Transform holds one optional hook per thing the component makes, applied right before it is
// made.
type Transform struct {
	// Body changes the dashboard body (add, move or remove widgets) before it is marshalled.
	Body func(*Body)
	// Dashboard is the CloudWatch dashboard ("<dashboard>").
	Dashboard func(*cloudwatch.DashboardArgs)
}

// HandlerWidget is one graph of a handler's own metrics (embedded metric format lines).
type HandlerWidget struct {
	// Title of the graph. Required.
	Title string
	// Dimensions is the exact dimension set the handler emits the metrics with (a metric with
	// another set is another metric). Nil means none.
	Dimensions []Dimension
	// Metrics are the metric names, drawn together. At least one.
	Metrics []string
	// Stat is the statistic; empty means "Sum".
	Stat string
}

// Handlers are the graphs of the handlers' own metrics.
type Handlers struct {
	// Namespace the handlers emit under. Required.
	Namespace string
	// Widgets, one graph each, in order.
	Widgets []HandlerWidget
}

// DashboardArgs configures a Dashboard. Maps are drawn sorted by their keys, which label the
// graphs.
type DashboardArgs struct {
	// Stage supplies the region, the physical name's prefix and the tags; nil means
	// stage.Load(ctx).
	Stage *stage.Stage
	// Workflows get one row each: executions started, succeeded, failed, timed out, aborted and
	// redriven; and how long they ran. Nil means none.
	Workflows map[string]*workflow.Workflow
	// Workers get one row each: invocations, errors, throttles; duration against the timeout;
	// concurrent executions against the reserved concurrency; the asynchronous dead-letter
	// queue's depth when the worker owns one. Nil means none.
	Workers map[string]*worker.Worker
	// Queues get one row each: visible and in-flight messages, the age of the oldest message and
	// the dead-letter queue's depth. Nil means none.
	Queues map[string]*queue.Queue
	// Schedules get one graph each: their dead-letter queue's depth (starts Scheduler gave up
	// on). A schedule without a dead-letter queue gets none. Nil means none.
	Schedules map[string]*schedule.Schedule
	// Handlers are the graphs of the handlers' own metrics. Nil means none.
	Handlers *Handlers
	// Period of every graph, whole minutes in 1m..24h. Zero means 5 minutes.
	Period time.Duration
	// Start is the default time range shown, 1h..15 days back. Zero means 24 hours (a nightly
	// run and the morning after).
	Start time.Duration
	// Transform changes the body or the resource before it is created.
	Transform Transform
}

// Dashboard is a CloudWatch dashboard for a pipeline.
type Dashboard struct {
	pulumi.ResourceState

	// Name is the dashboard's name ("<stage prefix>-<name>").
	Name pulumi.StringOutput `pulumi:"name"`
	// Arn is the dashboard's ARN.
	Arn pulumi.StringOutput `pulumi:"arn"`
	// ConsoleUrl opens the dashboard in the console.
	ConsoleUrl pulumi.StringOutput `pulumi:"consoleUrl"`
	// Body is the marshalled body.
	Body pulumi.StringOutput `pulumi:"body"`

	// Dashboard is the underlying resource (escape hatch).
	Dashboard *cloudwatch.Dashboard
}

var _ pulumi.ComponentResource = (*Dashboard)(nil)

var nameRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// withDefaults returns a copy of the arguments with every default applied: the one place
// defaults live.
func (a DashboardArgs) withDefaults() DashboardArgs {
	a.Period = cmp.Or(a.Period, DefaultPeriod)
	a.Start = cmp.Or(a.Start, 24*time.Hour)
	return a
}

// noNil reports every nil entry of m, the field named field.
func noNil[V any](c *check.Errors, field string, m map[string]*V) {
	for k, v := range m {
		if v == nil {
			c.Add(field+"["+k+"]", "must not be nil", nil)
		}
	}
}

func (a DashboardArgs) validate(name string, st *stage.Stage) error {
	c := check.New("dashboard", name)
	if st != nil {
		if n := st.PhysicalName(name, MaxNameLength); !nameRe.MatchString(n) {
			c.Add("name", "must make a dashboard name of letters, digits, - and _ only", n)
		}
	}
	if a.Period < MinPeriod || a.Period > MaxPeriod || a.Period%time.Minute != 0 {
		c.Add("Period", "must be whole minutes in 1m..24h (zero means 5m)", a.Period)
	}
	if a.Start < time.Hour || a.Start > 15*24*time.Hour {
		c.Add("Start", "must be 1h..360h (zero means 24h)", a.Start)
	}
	noNil(c, "Workflows", a.Workflows)
	noNil(c, "Workers", a.Workers)
	noNil(c, "Queues", a.Queues)
	noNil(c, "Schedules", a.Schedules)
	if h := a.Handlers; h != nil {
		if h.Namespace == "" || len(h.Namespace) > 255 {
			c.Add("Handlers.Namespace", "must be 1..255 characters", h.Namespace)
		}
		for i, w := range h.Widgets {
			f := fmt.Sprintf("Handlers.Widgets[%d]", i)
			if w.Title == "" {
				c.Add(f+".Title", "must be set", nil)
			}
			if len(w.Metrics) == 0 {
				c.Add(f+".Metrics", "must name at least one metric", nil)
			}
			for j, m := range w.Metrics {
				if m == "" || len(m) > 255 {
					c.Add(fmt.Sprintf("%s.Metrics[%d]", f, j), "must be 1..255 characters", m)
				}
			}
			for j, d := range w.Dimensions {
				if d.Name == "" || d.Value == "" {
					c.Add(fmt.Sprintf("%s.Dimensions[%d]", f, j), "must have a name and a value", fmt.Sprintf("%s=%s", d.Name, d.Value))
				}
			}
		}
	}
	if n := a.widgetCount(); n > MaxWidgets {
		c.Add("Workflows, Workers, Queues and Handlers", fmt.Sprintf("must make at most %d widgets", MaxWidgets), n)
	}
	return c.Err()
}

func (a DashboardArgs) widgetCount() int {
	n := len(a.Workflows)*widgetsPerWorkflow + len(a.Workers)*widgetsPerWorker + len(a.Queues)*widgetsPerQueue + len(a.Schedules)
	if a.Handlers != nil {
		n += len(a.Handlers.Widgets) + 1
	}
	return n + 5 // section headings
}

// NewDashboard creates a dashboard of the workflows, workers, queues and handler metrics in
// args. Nil args is an empty dashboard; every setting is validated before anything is created.
func NewDashboard(ctx *pulumi.Context, name string, args *DashboardArgs, opts ...pulumi.ResourceOption) (*Dashboard, error) {
	if args == nil {
		args = &DashboardArgs{}
	}
	a := args.withDefaults()
	st, stErr := stage.FromContext(ctx, a.Stage)
	if err := errors.Join(stErr, a.validate(name, st)); err != nil {
		return nil, err
	}
	d := &Dashboard{}
	if err := ctx.RegisterComponentResource(Type, name, d, opts...); err != nil {
		return nil, err
	}

	// Every name and ARN the body needs, resolved together.
	var refs []any
	ref := func(o pulumi.StringOutput) int { refs = append(refs, o); return len(refs) - 1 }
	type wfRef struct {
		label string
		arn   int
	}
	type wkRef struct {
		label    string
		fn, dlq  int
		timeout  time.Duration
		reserved int
		hasDLQ   bool
	}
	type qRef struct {
		label     string
		name, dlq int
	}
	var wfs []wfRef
	for _, k := range slices.Sorted(maps.Keys(a.Workflows)) {
		wfs = append(wfs, wfRef{k, ref(a.Workflows[k].Arn)})
	}
	var wks []wkRef
	for _, k := range slices.Sorted(maps.Keys(a.Workers)) {
		w := a.Workers[k]
		r := wkRef{label: k, fn: ref(w.Name), timeout: w.FunctionTimeout(), reserved: w.ReservedConcurrency()}
		if w.DeadLetterQueue != nil {
			r.hasDLQ, r.dlq = true, ref(w.DeadLetterQueue.Name)
		}
		wks = append(wks, r)
	}
	var qs []qRef
	for _, k := range slices.Sorted(maps.Keys(a.Queues)) {
		q := a.Queues[k]
		qs = append(qs, qRef{k, ref(q.Name), ref(q.DeadLetterName)})
	}
	type sRef struct {
		label string
		dlq   int
	}
	var ss []sRef
	for _, k := range slices.Sorted(maps.Keys(a.Schedules)) {
		if q := a.Schedules[k].DeadLetterQueue; q != nil {
			ss = append(ss, sRef{k, ref(q.Name)})
		}
	}
	period := int(a.Period / time.Second)
	region := st.Region

	d.Body = pulumi.All(refs...).ApplyT(func(vals []any) (string, error) {
		s := func(i int) string { v, _ := vals[i].(string); return v }
		g := grid{}
		graph := func(title, stat string, ms []Metric, ann ...Annotation) Widget {
			p := Properties{Title: title, View: "timeSeries", Region: region, Period: period, Stat: stat, Metrics: ms}
			if len(ann) > 0 {
				p.Annotations = &Annotations{Horizontal: ann}
			}
			return Widget{Type: "metric", Properties: p}
		}
		if len(wfs) > 0 {
			g.heading("## Workflows\nExecutions of each state machine. A failed execution can be redriven from where it failed (`aws stepfunctions redrive-execution`); Step Functions publishes no metrics per Map Run: its items are the handler graphs below, and `aws stepfunctions list-map-runs` / `describe-map-run` count them per run.")
		}
		for _, w := range wfs {
			dim := []Dimension{{DimStateMachineArn, s(w.arn)}}
			m := func(name, label string) Metric {
				return Metric{Namespace: NamespaceStates, Name: name, Dimensions: dim, Options: MetricOptions{Label: label}}
			}
			g.row(12,
				graph(w.label+": executions", "Sum", []Metric{
					m("ExecutionsStarted", "started"), m("ExecutionsSucceeded", "succeeded"), m("ExecutionsFailed", "failed"),
					m("ExecutionsTimedOut", "timed out"), m("ExecutionsAborted", "aborted"), m("ExecutionsRedriven", "redriven"),
				}),
				graph(w.label+": execution time (ms)", "", []Metric{
					{Namespace: NamespaceStates, Name: "ExecutionTime", Dimensions: dim, Options: MetricOptions{Label: "average", Stat: "Average"}},
					{Namespace: NamespaceStates, Name: "ExecutionTime", Dimensions: dim, Options: MetricOptions{Label: "maximum", Stat: "Maximum"}},
				}),
			)
		}
		if len(wks) > 0 {
			g.heading("## Workers\nErrors are invocations that failed (the workflow retries them); throttles are invocations refused above the reserved concurrency (the budget's share).")
		}
		for _, w := range wks {
			dim := []Dimension{{DimFunctionName, s(w.fn)}}
			m := func(name, label, stat string) Metric {
				return Metric{Namespace: NamespaceLambda, Name: name, Dimensions: dim, Options: MetricOptions{Label: label, Stat: stat}}
			}
			var conc []Annotation
			if w.reserved > 0 {
				conc = append(conc, Annotation{Label: "reserved concurrency", Value: float64(w.reserved)})
			}
			row := []Widget{
				graph(w.label+": invocations", "Sum", []Metric{m("Invocations", "invocations", ""), m("Errors", "errors", ""), m("Throttles", "throttles", "")}),
				graph(w.label+": duration (ms)", "", []Metric{m("Duration", "average", "Average"), m("Duration", "p99", "p99"), m("Duration", "maximum", "Maximum")},
					Annotation{Label: "timeout", Value: float64(w.timeout.Milliseconds())}),
				graph(w.label+": concurrent executions", "Maximum", []Metric{m("ConcurrentExecutions", "concurrent", "")}, conc...),
			}
			if w.hasDLQ {
				row = append(row, graph(w.label+": failed async invocations (dead letters)", "Maximum", []Metric{
					{Namespace: NamespaceSqs, Name: "ApproximateNumberOfMessagesVisible", Dimensions: []Dimension{{DimQueueName, s(w.dlq)}}, Options: MetricOptions{Label: "dead letters"}},
				}))
			}
			g.row(24/len(row), row...)
		}
		if len(qs) > 0 {
			g.heading("## Queues\nA growing age of the oldest message means the consumer is behind or failing; any dead letter needs a look, then the queue's `redriveCommand` output moves it back.")
		}
		for _, q := range qs {
			m := func(queue, name, label string) Metric {
				return Metric{Namespace: NamespaceSqs, Name: name, Dimensions: []Dimension{{DimQueueName, queue}}, Options: MetricOptions{Label: label}}
			}
			row := []Widget{
				graph(q.label+": messages", "Maximum", []Metric{m(s(q.name), "ApproximateNumberOfMessagesVisible", "visible"), m(s(q.name), "ApproximateNumberOfMessagesNotVisible", "in flight")}),
				graph(q.label+": age of oldest message (s)", "Maximum", []Metric{m(s(q.name), "ApproximateAgeOfOldestMessage", "oldest")}),
			}
			if dlq := s(q.dlq); dlq != "" {
				row = append(row, graph(q.label+": dead letters", "Maximum", []Metric{m(dlq, "ApproximateNumberOfMessagesVisible", "dead letters")}))
			}
			g.row(24/len(row), row...)
		}
		if len(ss) > 0 {
			g.heading("## Schedules\nStarts the Scheduler gave up on (the workflow did not start) wait in the schedule's dead-letter queue: each message is the input of a run to start by hand.")
			var row []Widget
			for _, sc := range ss {
				row = append(row, graph(sc.label+": failed starts (dead letters)", "Maximum", []Metric{
					{Namespace: NamespaceSqs, Name: "ApproximateNumberOfMessagesVisible", Dimensions: []Dimension{{DimQueueName, s(sc.dlq)}}, Options: MetricOptions{Label: "dead letters"}},
				}))
			}
			g.row(8, row...)
		}
		if h := a.Handlers; h != nil && len(h.Widgets) > 0 {
			g.heading("## Handlers\nWhat the handlers report themselves: calls to the downstream, its 429s and latency, items fetched, skipped, failed (retried, then in the FAILED files) and captured (refused, kept under failed/: tolerated, so only seen here and in their alarm).")
			var row []Widget
			for _, hw := range h.Widgets {
				stat := hw.Stat
				if stat == "" {
					stat = "Sum"
				}
				var ms []Metric
				for _, name := range hw.Metrics {
					ms = append(ms, Metric{Namespace: h.Namespace, Name: name, Dimensions: slices.Clone(hw.Dimensions), Options: MetricOptions{Label: name}})
				}
				row = append(row, graph(hw.Title, stat, ms))
			}
			g.row(8, row...)
		}
		body := Body{Start: "-PT" + fmt.Sprint(int(a.Start/time.Hour)) + "H", Widgets: g.widgets}
		if a.Transform.Body != nil {
			a.Transform.Body(&body)
		}
		if body.Widgets == nil {
			body.Widgets = []Widget{}
		}
		b, err := json.Marshal(body)
		return string(b), err
	}).(pulumi.StringOutput)

	physical := st.PhysicalName(name, MaxNameLength)
	da := &cloudwatch.DashboardArgs{DashboardName: pulumi.String(physical), DashboardBody: d.Body}
	transform.Apply(a.Transform.Dashboard, da)
	var err error
	d.Dashboard, err = cloudwatch.NewDashboard(ctx, name, da, pulumi.Parent(d))
	if err != nil {
		return nil, err
	}
	d.Name = d.Dashboard.DashboardName
	d.Arn = d.Dashboard.DashboardArn
	host := st.ConsoleRegionHost()
	d.ConsoleUrl = d.Dashboard.DashboardName.ApplyT(func(n string) string {
		return "https://" + host + "/cloudwatch/home?region=" + region + "#dashboards/dashboard/" + n
	}).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{
		"name": d.Name, "arn": d.Arn, "consoleUrl": d.ConsoleUrl, "body": d.Body,
	}); err != nil {
		return nil, err
	}
	return d, nil
}

const (
	widgetsPerWorkflow = 2
	widgetsPerWorker   = 4
	widgetsPerQueue    = 3
	widgetHeight       = 6
)

// grid places widgets left to right in rows of 24 columns.
type grid struct {
	widgets []Widget
	y       int
}

func (g *grid) heading(md string) {
	g.widgets = append(g.widgets, Widget{Type: "text", X: 0, Y: g.y, Width: 24, Height: 2, Properties: Properties{Markdown: md}})
	g.y += 2
}

func (g *grid) row(width int, ws ...Widget) {
	x := 0
	for _, w := range ws {
		if x+width > 24 {
			x = 0
			g.y += widgetHeight
		}
		w.X, w.Y, w.Width, w.Height = x, g.y, width, widgetHeight
		g.widgets = append(g.widgets, w)
		x += width
	}
	g.y += widgetHeight
}
