package schedule

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/components/workflow"
)

// A worker, a queue, a workflow and a schedule all named notify create no two resources of one
// type with the same logical name (Pulumi auto-names them "<logical name>-<random>", so those
// would look alike in the console; in the plan they would even share an ARN), and no
// dead-letter queue gets a dead-letter queue of its own.
func TestComponentsNamedAlike(t *testing.T) {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		w, err := worker.NewWorker(ctx, "notify", &worker.WorkerArgs{Package: "./components/worker/testdata/echo", Root: judge.Root(t)})
		if err != nil {
			return err
		}
		if _, err := queue.NewQueue(ctx, "notify", &queue.QueueArgs{Consumer: w}); err != nil {
			return err
		}
		flow, err := workflow.NewWorkflow(ctx, "notify", &workflow.WorkflowArgs{Definition: workflow.Definition{
			StartAt: "Notify", States: workflow.States{"Notify": &workflow.Task{Call: workflow.Invoke{Worker: w}, End: true}},
		}})
		if err != nil {
			return err
		}
		if _, err = NewSchedule(ctx, "notify", &ScheduleArgs{Expression: "rate(1 hour)", Target: w}); err != nil {
			return err
		}
		_, err = NewSchedule(ctx, "notify-flow", &ScheduleArgs{Expression: "rate(1 day)", Target: flow})
		return err
	}, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	arns := map[string]string{}
	for _, r := range p.Resources() {
		key := r.Type + " " + r.Name
		parent := "(root)"
		if r.Parent != nil {
			parent = r.Parent.Type + " " + r.Parent.Name
		}
		if other, dup := seen[key]; dup {
			t.Errorf("%s is created under %s and under %s", key, other, parent)
		}
		seen[key] = parent
		if a := r.Arn(); a != "" && r.Custom {
			if other, dup := arns[a]; dup {
				t.Errorf("%s and %s share the ARN %s", other, key, a)
			}
			arns[a] = key
		}
	}
	queues := map[string]bool{}
	for _, r := range p.OfType(queueType) {
		queues[r.Name] = true
	}
	for _, want := range []string{"notify", "notify-dlq", "notify-async-dlq", "notify-schedule-dlq", "notify-flow-schedule-dlq"} {
		if !queues[want] {
			t.Errorf("queues %v lack %s", queues, want)
		}
	}
	if len(queues) != 5 {
		t.Errorf("queues %v: a dead-letter queue got a dead-letter queue of its own", queues)
	}
	if dlq := find(t, p, queueType, "notify-schedule-dlq"); dlq.Get("redrivePolicy") != nil {
		t.Errorf("the schedule's dead-letter queue redrives to %v", dlq.Get("redrivePolicy"))
	}
}
