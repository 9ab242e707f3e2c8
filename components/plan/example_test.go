package plan_test

import (
	"fmt"
	"log"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/plan"
)

// Any Pulumi Go program runs offline: every resource it registers is recorded with a stand-in
// id, an ARN of the right shape and its inputs as plain JSON.
func ExampleRun() {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := sqs.NewQueue(ctx, "jobs", &sqs.QueueArgs{MessageRetentionSeconds: pulumi.Int(3600)})
		return err
	}, plan.Options{Stack: "dev", Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		log.Fatal(err)
	}
	q := p.Find("aws:sqs/queue:Queue", "jobs")
	fmt.Println(q.Arn())
	fmt.Println(q.Get("messageRetentionSeconds"))
	b, _ := p.MarshalResources()
	fmt.Print(string(b))
	// Output:
	// arn:aws:sqs:eu-west-1:123456789012:jobs-dfe36c6
	// 3600
	// [
	//   {
	//     "type": "aws:sqs/queue:Queue",
	//     "name": "jobs",
	//     "parent": null,
	//     "id": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-dfe36c6",
	//     "inputs": {
	//       "messageRetentionSeconds": 3600
	//     },
	//     "outputs": {
	//       "arn": "arn:aws:sqs:eu-west-1:123456789012:jobs-dfe36c6",
	//       "name": "jobs-dfe36c6",
	//       "url": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-dfe36c6"
	//     }
	//   }
	// ]
}
