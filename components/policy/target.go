package policy

import (
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/budget"
)

// Target is anything a service such as EventBridge Scheduler or Step Functions can deliver to.
// The typed targets below embed it; a component that takes one kind of target takes that type
// ([Function], [Queue] or [StateMachine]), so that the compiler refuses the wrong kind.
type Target interface {
	// TargetArn is the ARN a schedule or rule names as its target.
	TargetArn() pulumi.StringOutput
	// DeliverStatements are the identity statements a delivering role needs, and nothing more.
	DeliverStatements() []Statement
}

// Function is a Lambda function something invokes: a *worker.Worker, or
// workflow.ExistingFunction for one made elsewhere. Its methods are the capabilities other
// components check against (a queue's visibility timeout, a workflow's fan-out).
type Function interface {
	Target
	// FunctionArn is the function's ARN (the same as TargetArn).
	FunctionArn() pulumi.StringOutput
	// FunctionName names the function in error messages: the worker's logical name, or the ARN
	// of a function made elsewhere.
	FunctionName() string
	// FunctionTimeout is the function's timeout; zero means unknown (a function made
	// elsewhere), and the checks that need it are skipped.
	FunctionTimeout() time.Duration
	// ReservedConcurrency is the function's reserved concurrency: zero means unreserved, and a
	// negative value unknown (a function made elsewhere), which the fan-out checks skip.
	ReservedConcurrency() int
	// BudgetDraw is the function's share of a downstream's budget (components/budget); nil
	// means it draws on none.
	BudgetDraw() *budget.Draw
}

// Queue is an SQS queue something sends to: a *queue.Queue, or workflow.ExistingQueue for one
// made elsewhere.
type Queue interface {
	Target
	// QueueArn is the queue's ARN (the same as TargetArn).
	QueueArn() pulumi.StringOutput
	// Fifo reports a FIFO queue: senders must then give a message group id.
	Fifo() bool
	// AdmitsService reports whether the queue's resource policy admits service sending on
	// behalf of sourceArn (EventBridge delivers to a queue through its policy, not a role). A
	// queue made elsewhere reports true: its policy is not skein's to see.
	AdmitsService(service string, sourceArn pulumi.StringInput) bool
}

// StateMachine is a Step Functions state machine something starts: a *workflow.Workflow, or
// workflow.ExistingStateMachine for one made elsewhere.
type StateMachine interface {
	Target
	// StateMachineArn is the state machine's ARN (the same as TargetArn).
	StateMachineArn() pulumi.StringOutput
}
