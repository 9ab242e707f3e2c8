package cost_test

import (
	"fmt"
	"log"
	"time"

	"github.com/skeinhq/skein/components/cost"
)

// A Distributed Map over 5,000 items in batches of 50, EXPRESS children, against the same
// fan-out as an inline Map of a Standard workflow.
func ExampleEstimate() {
	const fetch = "arn:aws:lambda:us-east-1:123456789012:function:fetch-metrics-1a2b3c4"
	definition := []byte(`{
	  "StartAt": "FetchAll",
	  "States": {
	    "FetchAll": {
	      "Type": "Map",
	      "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "b", "Key": "k"}},
	      "ItemBatcher": {"MaxItemsPerBatch": 50},
	      "ItemProcessor": {
	        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
	        "StartAt": "Fetch",
	        "States": {"Fetch": {"Type": "Task", "Resource": "` + fetch + `", "End": true}}
	      },
	      "End": true
	    }
	  }
	}`)
	fns := map[string]cost.Function{fetch: {Name: "fetch-metrics", MemoryMB: 512, Architecture: "arm64"}}
	w := cost.Workload{
		Items:            5000,
		Durations:        map[string]time.Duration{"fetch-metrics": 40 * time.Millisecond},
		PerItemDurations: map[string]time.Duration{"fetch-metrics": 10 * time.Millisecond},
	}
	b, err := cost.Estimate(definition, fns, w, cost.Prices{})
	if err != nil {
		log.Fatal(err)
	}
	r := b.MapRuns[0]
	fmt.Printf("children %v, %v ms billed each\n", r.ChildExecutions, r.BilledMillisecondsPerChild)
	fmt.Printf("per million items: orchestration $%.2f, compute $%.2f\n", b.PerMillionItems.Orchestration.Total, b.PerMillionItems.Compute.Total)
	fmt.Printf("naive: orchestration $%.2f, compute $%.2f\n", b.Naive.PerMillionItems.Orchestration.Total, b.Naive.PerMillionItems.Compute.Total)
	fmt.Printf("ratio %.1f\n", b.Ratio)
	// Per million items: 20,000 children of 40 + 50 x 10 = 540 ms (billed 600 ms at 64 MB).
	// Ours: (1 + 20,000) x $0.000025 + 20,000 x $0.000001 + 750 GB-s x $0.0000166667 +
	// 20,000 x $0.0000002 = $0.536525; compute 20,000 x 0.54 s x 0.5 GB x $0.0000133334.
	// Naive: (1 + 1,000,000) x $0.000025 + 1,000,000 x $0.0000002 = $25.200025; ratio 46.97.

	// Output:
	// children 100, 600 ms billed each
	// per million items: orchestration $0.54, compute $0.07
	// naive: orchestration $25.20, compute $0.33
	// ratio 47.0
}
