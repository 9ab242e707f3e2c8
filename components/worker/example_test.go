package worker_test

import (
	"fmt"
	"log"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/worker"
)

// A worker built from a main package of this module: the handler is compiled for arm64 while the
// program runs, and everything production needs around it is created with it.
func ExampleNewWorker() {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := worker.NewWorker(ctx, "echo", &worker.WorkerArgs{
			Package: "./components/worker/testdata/echo",
			Timeout: time.Minute,
		})
		return err
	}, plan.Options{Stack: "dev"})
	if err != nil {
		log.Fatal(err)
	}
	fn := p.Find("aws:lambda/function:Function", "echo")
	fmt.Println(fn.String("runtime"), fn.Get("architectures"), fn.Get("memorySize"), "MB", fn.Get("timeout"), "s")
	for _, r := range p.Resources() {
		fmt.Println(r.Type, r.Name)
	}
	// Output:
	// provided.al2023 [arm64] 128 MB 60 s
	// aws:cloudwatch/logGroup:LogGroup echo-logs
	// aws:cloudwatch/metricAlarm:MetricAlarm echo-async-dlq-age-alarm
	// aws:cloudwatch/metricAlarm:MetricAlarm echo-duration-alarm
	// aws:cloudwatch/metricAlarm:MetricAlarm echo-errors-alarm
	// aws:cloudwatch/metricAlarm:MetricAlarm echo-throttles-alarm
	// aws:iam/role:Role echo-role
	// aws:iam/rolePolicy:RolePolicy echo-base
	// aws:lambda/function:Function echo
	// aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig echo-async
	// aws:sqs/queue:Queue echo-async-dlq
	// aws:sqs/queuePolicy:QueuePolicy echo-async-dlq-policy
	// skein:aws:Queue echo-async-dlq
	// skein:aws:Worker echo
}
