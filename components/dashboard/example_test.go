package dashboard_test

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/dashboard"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/queue"
)

// A dashboard for one queue: its name carries the stage's prefix, and its body has a text row
// saying how to read the queues and a graph per measure that tells whether work is piling up.
func ExampleNewDashboard() {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		jobs, err := queue.NewQueue(ctx, "jobs", nil)
		if err != nil {
			return err
		}
		_, err = dashboard.NewDashboard(ctx, "pipeline", &dashboard.DashboardArgs{
			Queues: map[string]*queue.Queue{"jobs": jobs},
		})
		return err
	}, plan.Options{Stack: "dev"})
	if err != nil {
		log.Fatal(err)
	}
	d := p.Find(dashboard.ResourceType, "pipeline")
	fmt.Println(d.String("dashboardName"))
	var body dashboard.Body
	if err := json.Unmarshal([]byte(d.String("dashboardBody")), &body); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("from", body.Start)
	for _, w := range body.Widgets {
		fmt.Printf("%s %q at (%d,%d), %d metrics\n", w.Type, w.Properties.Title+w.Properties.Markdown, w.X, w.Y, len(w.Properties.Metrics))
	}
	// Output:
	// skein-dev-pipeline
	// from -PT24H
	// text "## Queues\nA growing age of the oldest message means the consumer is behind or failing; any dead letter needs a look, then the queue's `redriveCommand` output moves it back." at (0,0), 0 metrics
	// metric "jobs: messages" at (0,2), 2 metrics
	// metric "jobs: age of oldest message (s)" at (8,2), 1 metrics
	// metric "jobs: dead letters" at (16,2), 1 metrics
}
