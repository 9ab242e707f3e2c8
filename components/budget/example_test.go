package budget_test

import (
	"fmt"
	"log"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/budget"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/worker"
)

// A vendor that accepts 20 calls at once and 100 a second, called by one worker that makes ten
// calls at once per invocation: the worker reserves its share of the concurrency, and its
// handler receives its share of the rate in its environment (functions/pace reads it).
func ExampleNewBudget() {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		vendor, err := budget.NewBudget(ctx, "vendor", &budget.BudgetArgs{
			Concurrency: 20,
			Rate:        budget.Rate{Requests: 100, Per: time.Second},
			Shares:      []budget.Share{{Worker: "fetch", CallsPerInvocation: 10}},
		})
		if err != nil {
			return err
		}
		_, err = worker.NewWorker(ctx, "fetch", &worker.WorkerArgs{
			Package: "./components/worker/testdata/echo",
			Budget:  vendor,
		})
		return err
	}, plan.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fn := p.Find("aws:lambda/function:Function", "fetch")
	fmt.Println("reserved concurrency:", fn.Get("reservedConcurrentExecutions"))
	fmt.Println(fn.Get("environment.variables"))
	// Output:
	// reserved concurrency: 2
	// map[SKEIN_BUDGET:vendor SKEIN_BUDGET_BURST:1 SKEIN_BUDGET_CALLS:10 SKEIN_BUDGET_RATE:47.61904761904762]
}

// A vendor that accepts 20 calls at once and 100 a second, called by an export worker (ten calls
// per invocation) and a queue consumer (two invocations of one call).
func ExampleAllocate() {
	a, err := budget.Allocate("vendor", &budget.BudgetArgs{
		Concurrency: 22,
		Rate:        budget.Rate{Requests: 100, Per: time.Second},
		Shares: []budget.Share{
			{Worker: "export", Concurrency: 20, CallsPerInvocation: 10},
			{Worker: "refetch", Concurrency: 2},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range a.Shares {
		fmt.Printf("%s: %d invocations, %d calls per second each (%.2f/s with the margin)\n", d.Worker, d.ReservedConcurrency, d.CallsPerWindow, d.RatePerSecond)
	}
	fmt.Printf("worst case: %d calls at once, %d a second\n", a.WorstCase.Concurrency, a.WorstCase.CallsPerWindow)
	// Output:
	// export: 2 invocations, 46 calls per second each (43.81/s with the margin)
	// refetch: 2 invocations, 4 calls per second each (3.81/s with the margin)
	// worst case: 22 calls at once, 100 a second
}
