package queue_test

import (
	"fmt"
	"log"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/queue"
)

// A queue whose consumer will subscribe later with a 2-minute timeout: the visibility timeout
// is derived (6 x 2 min), and the outputs carry the command that redrives its dead letters (the
// names are the offline plan's stand-ins for the names Pulumi generates).
func ExampleNewQueue() {
	var q *queue.Queue
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		var err error
		q, err = queue.NewQueue(ctx, "jobs", &queue.QueueArgs{ConsumerTimeout: 2 * time.Minute})
		return err
	}, plan.Options{Stack: "dev", Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(q.VisibilityTimeout())
	fmt.Println(p.Find(queue.Type, "jobs").Outputs["redriveCommand"])
	// Output:
	// 12m0s
	// aws sqs start-message-move-task --source-arn arn:aws:sqs:eu-west-1:123456789012:jobs-dlq-b8ec097 --destination-arn arn:aws:sqs:eu-west-1:123456789012:jobs-dfe36c6 --region eu-west-1
}
