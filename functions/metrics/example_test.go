package metrics_test

import (
	"log"
	"os"
	"time"

	"github.com/skeinhq/skein/functions/metrics"
)

// One invocation's metrics, written as one embedded metric format line that CloudWatch Logs
// turns into metrics: no API call.
func ExampleEmitter_Start() {
	e := &metrics.Emitter{
		Namespace:  "skein/dev",
		Dimensions: []metrics.Dimension{metrics.Dim("function", "vendor")},
		W:          os.Stdout,
		Now:        func() time.Time { return time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) },
	}
	set := e.Start(metrics.Dim("op", "fetch-metrics"))
	set.Add("devices", metrics.Count, 50)
	set.Observe("vendorLatency", metrics.Milliseconds, 21)
	if err := set.Flush(nil); err != nil {
		log.Fatal(err)
	}
	// Output:
	// {"_aws":{"CloudWatchMetrics":[{"Namespace":"skein/dev","Dimensions":[["function","op"]],"Metrics":[{"Name":"devices","Unit":"Count"},{"Name":"vendorLatency","Unit":"Milliseconds"}]}],"Timestamp":1795399200000},"devices":50,"function":"vendor","op":"fetch-metrics","vendorLatency":[21]}
}
