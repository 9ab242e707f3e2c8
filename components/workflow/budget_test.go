package workflow_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/budget"
	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/components/workflow"
)

// nested is an inline Map over groups around a Distributed Map over a group's items that invokes
// the worker: outer x inner invocations run at once.
func nested(outer, inner int, w *worker.Worker) workflow.Definition {
	return workflow.Definition{StartAt: "Groups", States: workflow.States{
		"Groups": &workflow.Map{ItemsPath: "$.groups", MaxConcurrency: outer, End: true,
			Processor: workflow.Definition{StartAt: "Items", States: workflow.States{
				"Items": &workflow.Map{ItemsPath: "$.items", MaxConcurrency: inner, End: true,
					Distributed: &workflow.Distributed{},
					Processor: workflow.Definition{StartAt: "Call", States: workflow.States{
						"Call": &workflow.Task{Call: workflow.Invoke{Worker: w}, End: true},
					}}},
			}}},
	}}
}

// budgetedWorkflow plans a worker drawing on a 50-call budget and a workflow over it.
func budgetedWorkflow(t *testing.T, def func(w *worker.Worker) workflow.Definition) (*workflowPlan, error) {
	t.Helper()
	var wf *workflow.Workflow
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		b, err := budget.NewBudget(ctx, "vendor", &budget.BudgetArgs{Concurrency: 50, Rate: budget.Rate{Requests: 500},
			Shares: []budget.Share{{Worker: "fetch"}}})
		if err != nil {
			return err
		}
		w, err := worker.NewWorker(ctx, "fetch", &worker.WorkerArgs{Package: echo, Root: judge.Root(t), Budget: b})
		if err != nil {
			return err
		}
		wf, err = workflow.NewWorkflow(ctx, "nested", &workflow.WorkflowArgs{Definition: def(w)})
		return err
	}, plan.Options{})
	return &workflowPlan{p: p, wf: wf}, err
}

type workflowPlan struct {
	p  *plan.Plan
	wf *workflow.Workflow
}

func TestNestedFanOutDividesTheDefault(t *testing.T) {
	// The case: an inline Map of 40 around a Distributed Map that would default to the
	// worker's reserved 50 would run 2,000 invocations; the inner default divides by 40.
	got, err := budgetedWorkflow(t, func(w *worker.Worker) workflow.Definition { return nested(40, 0, w) })
	if err != nil {
		t.Fatal(err)
	}
	uses := got.wf.BudgetUses
	if len(uses) != 1 || uses[0].Concurrency != 40 || strings.Join(uses[0].Through, ",") != "Groups x40,Items x1" {
		t.Errorf("uses %+v, want Groups x40, Items x1 = 40 invocations", uses)
	}
	// Without an explicit outer, the outer takes the worker's 50 and the inner 1.
	got, err = budgetedWorkflow(t, func(w *worker.Worker) workflow.Definition { return nested(0, 0, w) })
	if err != nil {
		t.Fatal(err)
	}
	if uses := got.wf.BudgetUses; len(uses) != 1 || uses[0].Concurrency != 50 || strings.Join(uses[0].Through, ",") != "Groups x50,Items x1" {
		t.Errorf("uses %+v", uses)
	}
}

func TestNestedFanOutAboveReservedIsAnError(t *testing.T) {
	got, err := budgetedWorkflow(t, func(w *worker.Worker) workflow.Definition { return nested(40, 10, w) })
	if err == nil {
		t.Fatal("no error for 40 x 10 invocations of a worker reserving 50")
	}
	for _, want := range []string{
		`Definition.States["Groups"].Processor.States["Items"].Processor.States["Call"] runs up to 400 invocations of worker "fetch" at once (Groups x40, Items x10 = 400), above its reserved concurrency of 50`,
		`budget "vendor" (concurrency 50, rate 500/s; shares: worker "fetch" 50 calls (50 invocations x 1))`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if got.p.Find(workflow.Type, "nested") != nil || len(got.p.OfType(smType)) != 0 {
		t.Error("the workflow registered resources despite the error")
	}
}

func TestDistributedMapOverAnUnboundedWorker(t *testing.T) {
	def := func(w *worker.Worker) workflow.Definition {
		return workflow.Definition{StartAt: "Items", States: workflow.States{
			"Items": &workflow.Map{ItemsPath: "$.items", End: true, Distributed: &workflow.Distributed{},
				Processor: workflow.Definition{StartAt: "Call", States: workflow.States{
					"Call": &workflow.Task{Call: workflow.Invoke{Worker: w}, End: true},
				}}},
		}}
	}
	plan := func(maxConc int) error {
		_, err := plan.Run(func(ctx *pulumi.Context) error {
			w, err := worker.NewWorker(ctx, "free", &worker.WorkerArgs{Package: echo, Root: judge.Root(t)})
			if err != nil {
				return err
			}
			d := def(w)
			d.States["Items"].(*workflow.Map).MaxConcurrency = maxConc
			_, err = workflow.NewWorkflow(ctx, "unbounded", &workflow.WorkflowArgs{Definition: d})
			return err
		}, plan.Options{})
		return err
	}
	if err := plan(0); err == nil || !strings.Contains(err.Error(), `Definition.States["Items"].MaxConcurrency must be set: worker "free" reserves no concurrency`) {
		t.Errorf("MaxConcurrency 0 over an unreserved worker: %v", err)
	}
	if err := plan(25); err != nil {
		t.Errorf("an explicit MaxConcurrency is a bound: %v", err)
	}
}

// A reserved worker's throttles are retried with ThrottleRetry, separately from the other
// transient Lambda errors; asl-validator judges the definition elsewhere (corpus tests).
func TestThrottlesOfAReservedWorkerAreRetriedLonger(t *testing.T) {
	got, err := budgetedWorkflow(t, func(w *worker.Worker) workflow.Definition { return nested(5, 0, w) })
	if err != nil {
		t.Fatal(err)
	}
	def := got.p.Find(smType, "nested").String("definition")
	var m struct {
		States map[string]struct {
			ItemProcessor struct {
				States map[string]struct {
					ItemProcessor struct {
						States map[string]struct {
							Retry []struct {
								ErrorEquals     []string
								MaxAttempts     int
								MaxDelaySeconds int
								JitterStrategy  string
							}
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(def), &m); err != nil {
		t.Fatalf("%v: %s", err, def)
	}
	retry := m.States["Groups"].ItemProcessor.States["Items"].ItemProcessor.States["Call"].Retry
	if len(retry) != 2 {
		t.Fatalf("retriers %+v", retry)
	}
	for _, e := range retry[0].ErrorEquals {
		if e == "Lambda.TooManyRequestsException" {
			t.Errorf("the transient retrier still takes throttles: %v", retry[0].ErrorEquals)
		}
	}
	if r := retry[1]; strings.Join(r.ErrorEquals, ",") != "Lambda.TooManyRequestsException" || r.MaxAttempts != 100 || r.MaxDelaySeconds != 2 || r.JitterStrategy != "FULL" {
		t.Errorf("throttle retrier %+v", r)
	}
}
