package stack_test

import (
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/alarm"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/components/workflow"
	"github.com/skeinhq/skein/infra/stack"
)

const (
	alarmType = "aws:cloudwatch/metricAlarm:MetricAlarm"
	sqsType   = "aws:sqs/queue:Queue"
)

// wantedAlarms are the alarms each component must own, by its name, given its children: every
// worker its errors, throttles and duration alarms; every queue its backlog alarm (and its
// dead-letter queue's), a worker's own dead-letter queue too (a skein queue); every workflow its
// four.
func wantedAlarms(p *plan.Plan, typ, name string) []string {
	has := func(t, n string) bool {
		for _, c := range p.ChildrenOf(typ, name) {
			if c.Type == t && c.Name == n {
				return true
			}
		}
		return false
	}
	var want []string
	switch typ {
	case worker.Type:
		want = []string{name + "-errors-alarm", name + "-throttles-alarm", name + "-duration-alarm"}
	case queue.Type:
		want = []string{name + "-age-alarm"}
		if has(sqsType, name+"-dlq") {
			want = append(want, name+"-dlq-alarm")
		}
	case workflow.Type:
		want = []string{name + "-failed", name + "-timed-out", name + "-aborted", name + "-throttled"}
	}
	return want
}

// missingAlarms lists "<type> <name>: <alarm>" for every alarm a worker, queue or workflow of the
// plan lacks, or holds untagged, and the number of components it checked.
func missingAlarms(p *plan.Plan) (missing []string, checked int) {
	for _, r := range p.Resources() {
		want := wantedAlarms(p, r.Type, r.Name)
		if want == nil {
			continue
		}
		checked++
		got := map[string]*plan.Resource{}
		for _, c := range p.ChildrenOf(r.Type, r.Name) {
			if c.Type == alarmType {
				got[c.Name] = c
			}
		}
		for _, w := range want {
			switch a := got[w]; {
			case a == nil:
				missing = append(missing, r.Type+" "+r.Name+": no "+w)
			case a.String("tags.skein:stage") == "":
				missing = append(missing, r.Type+" "+r.Name+": "+w+" is not tagged")
			}
		}
	}
	sort.Strings(missing)
	return missing, checked
}

// Every worker, queue and workflow the reference stack plans, in each stage, has its alarms.
func TestEveryComponentHasItsAlarms(t *testing.T) {
	for _, stage := range []string{"dev", "prod"} {
		t.Run(stage, func(t *testing.T) {
			opts, err := plan.StackConfig(root(t), stage)
			if err != nil {
				t.Fatal(err)
			}
			opts.Config["pipeline:vendorToken"] = "s3cr3t-token-value"
			opts.SecretKeys = append(opts.SecretKeys, "pipeline:vendorToken")
			p, err := plan.Run(stack.Program, opts)
			if err != nil {
				t.Fatal(err)
			}
			missing, checked := missingAlarms(p)
			// Three workers, six queues (transform, refetch, the schedule's dead-letter queue and
			// each worker's), one workflow.
			if checked != 10 {
				t.Errorf("checked %d components, want 10 (3 workers, 6 queues, 1 workflow)", checked)
			}
			if len(missing) > 0 {
				t.Errorf("components planned without their alarms:\n%v", missing)
			}
		})
	}
}

// The check above fails for a worker, a queue and a workflow planned without their alarms, and
// passes for the same components with them.
func TestMissingAlarmsAreCaught(t *testing.T) {
	build := func(disable bool) *plan.Plan {
		t.Helper()
		p, err := plan.Run(func(ctx *pulumi.Context) error {
			w, err := worker.NewWorker(ctx, "merge", &worker.WorkerArgs{Package: "./functions/merge-manifests", Root: root(t),
				Timeout: time.Minute, Alarms: alarm.Args{Disabled: disable}})
			if err != nil {
				return err
			}
			if _, err := queue.NewQueue(ctx, "jobs", &queue.QueueArgs{Consumer: w, Alarms: alarm.Args{Disabled: disable}}); err != nil {
				return err
			}
			_, err = workflow.NewWorkflow(ctx, "flow", &workflow.WorkflowArgs{Alarms: alarm.Args{Disabled: disable}, Definition: workflow.Definition{
				StartAt: "Go", States: workflow.States{"Go": &workflow.Task{Call: workflow.Invoke{Worker: w}, End: true}},
			}})
			return err
		}, plan.Options{Config: map[string]string{"aws:region": "eu-west-1"}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	missing, checked := missingAlarms(build(false))
	if checked != 4 || len(missing) != 0 {
		t.Errorf("with alarms: checked %d, missing %v", checked, missing)
	}
	missing, _ = missingAlarms(build(true))
	want := []string{
		"skein:aws:Queue jobs: no jobs-age-alarm", "skein:aws:Queue jobs: no jobs-dlq-alarm",
		"skein:aws:Queue merge-async-dlq: no merge-async-dlq-age-alarm", "skein:aws:Worker merge: no merge-duration-alarm",
		"skein:aws:Worker merge: no merge-errors-alarm", "skein:aws:Worker merge: no merge-throttles-alarm",
		"skein:aws:Workflow flow: no flow-aborted", "skein:aws:Workflow flow: no flow-failed",
		"skein:aws:Workflow flow: no flow-throttled", "skein:aws:Workflow flow: no flow-timed-out",
	}
	if !slices.Equal(missing, want) {
		t.Errorf("with Alarms.Disabled, missing:\n%v\nwant:\n%v", missing, want)
	}
}
