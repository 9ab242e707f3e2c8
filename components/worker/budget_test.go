package worker

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/budget"
	"github.com/skeinhq/skein/components/budget/budgetenv"
	"github.com/skeinhq/skein/components/plan"
)

// planBudgeted plans a 20-call, 100/s budget shared by "echo" (10 calls per invocation) and
// "other", and a worker named name with args drawing on it.
func planBudgeted(t *testing.T, name string, args WorkerArgs) (*plan.Plan, *Worker, error) {
	t.Helper()
	var w *Worker
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		b, err := budget.NewBudget(ctx, "vendor", &budget.BudgetArgs{Concurrency: 24, Rate: budget.Rate{Requests: 100},
			Shares: []budget.Share{{Worker: "echo", Concurrency: 20, CallsPerInvocation: 10}, {Worker: "other"}}})
		if err != nil {
			return err
		}
		args.Package, args.Root, args.Budget = echo, root(t), b
		w, err = NewWorker(ctx, name, &args)
		return err
	}, plan.Options{})
	return p, w, err
}

func TestBudgetSetsReservedConcurrencyAndPace(t *testing.T) {
	p, w, err := planBudgeted(t, "echo", WorkerArgs{Environment: map[string]string{"MODE": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	fn := p.Find("aws:lambda/function:Function", "echo")
	if got := fn.Get("reservedConcurrentExecutions"); got != float64(2) {
		t.Errorf("reservedConcurrentExecutions = %v, want 2 (20 calls / 10 per invocation)", got)
	}
	if w.ReservedConcurrency() != 2 || w.BudgetDraw() == nil || w.BudgetDraw().Worker != "echo" {
		t.Errorf("worker reserves %d, draw %+v", w.ReservedConcurrency(), w.BudgetDraw())
	}
	// 100 calls a second over 24 calls in flight: echo's 20 get 83 per window, 41 per invocation,
	// plus one of the two calls left over by the rounding: 42, less the 5% margin.
	want := map[string]any{budgetenv.Name: "vendor", budgetenv.Calls: "10", budgetenv.Burst: "1", budgetenv.Rate: "40", "MODE": "x"}
	for k, v := range want {
		if got := fn.Get("environment.variables." + k); got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
}

func TestBudgetConflictsAreErrors(t *testing.T) {
	tests := []struct {
		name, worker string
		args         WorkerArgs
		want         string
	}{
		{"no share", "stranger", WorkerArgs{}, `Budget budget "vendor" (concurrency 24, rate 100/s; shares: worker "echo" 20 calls (2 invocations x 10), worker "other" 4 calls (4 invocations x 1)) has no share for worker "stranger"`},
		{"reserved concurrency differs", "echo", WorkerArgs{ReservedConcurrency: 5}, `ReservedConcurrency must be 0 or 2, the worker's share of budget "vendor"`},
		{"environment set by hand", "echo", WorkerArgs{Environment: map[string]string{budgetenv.Rate: "1000"}}, `Environment[SKEIN_BUDGET_RATE] is set by the worker's Budget`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, err := planBudgeted(t, tt.worker, tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if p.Find(Type, tt.worker) != nil || len(p.OfType("aws:lambda/function:Function")) != 0 {
				t.Error("the worker registered resources despite the error")
			}
		})
	}
	// An equal ReservedConcurrency is accepted.
	if _, _, err := planBudgeted(t, "echo", WorkerArgs{ReservedConcurrency: 2}); err != nil {
		t.Errorf("ReservedConcurrency equal to the share: %v", err)
	}
}
