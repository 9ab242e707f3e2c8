package check_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/queue"
)

// A component reports every invalid setting at once, before it creates anything; each problem
// is a *FieldError, which a program classifies with errors.As rather than by its message.
func ExampleFieldError() {
	_, _ = plan.Run(func(ctx *pulumi.Context) error {
		_, err := queue.NewQueue(ctx, "jobs", &queue.QueueArgs{
			MessageRetention: 30 * 24 * time.Hour,
			MaxReceiveCount:  5000,
		})
		fmt.Println(err)
		var fe *check.FieldError
		if errors.As(err, &fe) {
			fmt.Printf("first: field %s, allowed %q, got %s\n", fe.Field, fe.Rule, fe.Value)
		}
		return nil
	}, plan.Options{})
	// Output:
	// queue "jobs": MessageRetention must be 1m0s..336h0m0s, got 720h0m0s
	// queue "jobs": MaxReceiveCount must be 1..1000, got 5000
	// queue "jobs": DeadLetterRetention must be at least MessageRetention (720h0m0s): a standard queue's message keeps its first enqueue time in the dead-letter queue, so it would expire on arrival, got 336h0m0s
	// first: field MessageRetention, allowed "must be 1m0s..336h0m0s", got 720h0m0s
}
