package budget_test

import (
	"fmt"
	"time"

	"github.com/skeinhq/skein/components/budget"
)

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
		fmt.Println(err)
		return
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
