package workflow

import (
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/budget"
	"github.com/skeinhq/skein/components/policy"
)

// Call is what a Task does: [Invoke], [SendMessage], [StartWorkflow] or [Service]. A Task's
// Parameters are the call's payload: the function's event, the message body, the nested
// execution's input, or the integration's parameters.
type Call interface {
	call() string
}

// Function is what Invoke calls: a Lambda function, such as a skein worker or
// [ExistingFunction]. Its timeout, reserved concurrency and budget draw are what the workflow
// checks its Timeouts and fan-out against.
type Function = policy.Function

// Queue is what SendMessage and Map.DeadLetter send to: an SQS queue, such as a skein queue or
// [ExistingQueue], with the statements a sender needs (sqs:SendMessage, and
// kms:GenerateDataKey/Decrypt for a queue encrypted with its own key).
type Queue = policy.Queue

// StateMachine is what StartWorkflow starts: a *Workflow or [ExistingStateMachine].
type StateMachine = policy.StateMachine

// Invoke calls a worker (any Lambda function, such as a skein worker or [ExistingFunction]).
type Invoke struct {
	// Worker is the function; required.
	Worker Function
	// Integration uses the optimised integration (Resource arn:aws:states:::lambda:invoke) instead
	// of the function ARN: the payload goes in Parameters.Payload and the result comes back
	// wrapped in {"Payload": ..., "StatusCode": ...}. When the Task sets none of ResultSelector,
	// ResultPath and OutputPath, OutputPath "$.Payload" unwraps it, so the state's output is the
	// function's result in both modes. Zero means the direct function ARN, which returns the
	// result as it is.
	Integration bool
}

// SendMessage sends the Task's Parameters (zero means the whole input) as the body of one
// message to an SQS queue (arn:aws:states:::sqs:sendMessage).
type SendMessage struct {
	// Queue is the queue; required.
	Queue Queue
	// MessageGroupId is required by FIFO queues; zero means none.
	MessageGroupId string
}

// StartWorkflow starts an execution of another state machine (a *Workflow or
// [ExistingStateMachine]) with the Task's Parameters (zero means the whole input) as its input.
type StartWorkflow struct {
	// Workflow is the state machine to start; required.
	Workflow StateMachine
	// Wait waits for the nested execution to finish (arn:aws:states:::states:startExecution.sync:2)
	// and returns its output as JSON; zero means start it and go on (fire and forget).
	Wait bool
}

// Service is the escape hatch for any other service integration: Resource is written as given,
// the Task's Parameters are its parameters, and Statements are added to the role (the workflow
// cannot derive them).
type Service struct {
	// Resource is the integration's ARN, such as "arn:aws:states:::dynamodb:putItem"; required.
	Resource string
	// Statements are the role statements the call needs.
	Statements []policy.Statement
}

func (Invoke) call() string        { return "Invoke" }
func (SendMessage) call() string   { return "SendMessage" }
func (StartWorkflow) call() string { return "StartWorkflow" }
func (Service) call() string       { return "Service" }

// LambdaTransientErrors returns the errors AWS recommends retrying on every Lambda task: the
// service's own failures, SDK client failures, timeouts of the call itself, and throttles.
// https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
func LambdaTransientErrors() []string {
	return []string{
		"Lambda.ServiceException",
		"Lambda.AWSLambdaException",
		"Lambda.SdkClientException",
		"Lambda.ClientExecutionTimeoutException",
		"Lambda.TooManyRequestsException",
	}
}

// DefaultWorkerRetry is the retrier every worker task gets unless its Retry replaces it: the
// Lambda transient errors, first retry after up to 1 s, doubling, at most 30 s apart, 6 retries,
// with full jitter so that the retries of many items spread out instead of arriving together.
func DefaultWorkerRetry() Retry {
	return Retry{
		ErrorEquals: LambdaTransientErrors(),
		Interval:    time.Second,
		MaxAttempts: pulumi.IntRef(6),
		BackoffRate: 2,
		MaxDelay:    30 * time.Second,
		FullJitter:  true,
	}
}

// ThrottleRetry is the retrier a task that invokes a worker with reserved concurrency gets for
// Lambda.TooManyRequestsException, in place of DefaultWorkerRetry's six tries: a throttle there
// is the budget working (overlapping executions, a redrive or a queue consumer asking for more
// invocations than the worker reserves), not a failure. The first retry comes after up to 1 s,
// then at most 2 s apart, 100 retries with full jitter: up to 199 s of waiting in all, about
// 100 s on average, which still fits an Express child execution's five minutes beside a short
// invocation. The short cap keeps the worker busy: with n throttled states retrying every second
// on average, a concurrency slot the worker frees waits about 1/n s for the next one. A
// throttled invocation costs nothing (Lambda does not run it, and an Express execution pays for
// duration, not transitions).
//
// The arithmetic of "a burst of overlapping runs never fails an item": k executions that each
// keep N invocations of a worker reserving N in flight contend for N slots; a slot frees every
// t/N on average (t: one invocation's duration) and goes to one of about (k-1)N waiting retries,
// so a waiting item wins one of the N*W/t slots freed during the W seconds it retries with
// probability 1-(1-1/((k-1)N))^(N*W/t), about 1-exp(-W/((k-1)t)). With W = 199 s, two
// overlapping runs of 5 s invocations fail an item with probability about exp(-40), and three
// with about exp(-20); invocations near a minute long need the budget's share to be split
// between the runs instead (lower the Map's MaxConcurrency), or Standard child executions.
func ThrottleRetry() Retry {
	return Retry{
		ErrorEquals: []string{"Lambda.TooManyRequestsException"},
		Interval:    time.Second,
		MaxAttempts: pulumi.IntRef(100),
		BackoffRate: 2,
		MaxDelay:    2 * time.Second,
		FullJitter:  true,
	}
}

// DefaultSendRetry is the retrier SendMessage tasks get unless Retry replaces it: SQS's own
// transient failures, 3 retries with full jitter.
func DefaultSendRetry() Retry {
	return Retry{
		ErrorEquals: []string{"SQS.SdkClientException", "SQS.AmazonSQSException"},
		Interval:    time.Second,
		MaxAttempts: pulumi.IntRef(3),
		BackoffRate: 2,
		MaxDelay:    10 * time.Second,
		FullJitter:  true,
	}
}

// ExistingFunction is a Lambda function made elsewhere, by its ARN (unqualified, or with a
// version or alias): workflow.ExistingFunction("arn:aws:lambda:...:function:f"). Its timeout
// and reserved concurrency are unknown (zero and -1), so the checks that need them skip it.
type ExistingFunction string

// ExistingQueue is an SQS queue made elsewhere, by its ARN; an ARN ending in ".fifo" names a
// FIFO queue.
type ExistingQueue string

// ExistingStateMachine is a state machine made elsewhere, by its ARN.
type ExistingStateMachine string

var (
	_ Function     = ExistingFunction("")
	_ Queue        = ExistingQueue("")
	_ StateMachine = ExistingStateMachine("")
)

// arnParts splits an ARN into its six fields (the resource may hold more colons); ok is false
// when arn is not one of service's.
func arnParts(arn, service string) ([]string, bool) {
	parts := strings.SplitN(arn, ":", 7)
	return parts, len(parts) >= 6 && parts[2] == service
}

// TargetArn implements policy.Target.
func (e ExistingFunction) TargetArn() pulumi.StringOutput { return pulumi.String(e).ToStringOutput() }

// FunctionArn implements policy.Function.
func (e ExistingFunction) FunctionArn() pulumi.StringOutput { return e.TargetArn() }

// FunctionName implements policy.Function: the ARN.
func (e ExistingFunction) FunctionName() string { return string(e) }

// FunctionTimeout implements policy.Function: zero, unknown.
func (e ExistingFunction) FunctionTimeout() time.Duration { return 0 }

// ReservedConcurrency implements policy.Function: -1, unknown.
func (e ExistingFunction) ReservedConcurrency() int { return -1 }

// BudgetDraw implements policy.Function: nil, none known.
func (e ExistingFunction) BudgetDraw() *budget.Draw { return nil }

// DeliverStatements implements policy.Target: lambda:InvokeFunction on the function and its
// versions and aliases; none when the ARN is not a Lambda function's.
func (e ExistingFunction) DeliverStatements() []policy.Statement {
	parts, ok := arnParts(string(e), "lambda")
	if !ok {
		return nil
	}
	base := string(e)
	if len(parts) == 7 && strings.Contains(parts[6], ":") { // qualified
		base = strings.Join(parts[:6], ":") + ":" + strings.SplitN(parts[6], ":", 2)[0]
	}
	return []policy.Statement{{Actions: []string{"lambda:InvokeFunction"}, Resources: policy.Strings(base, base+":*")}}
}

// TargetArn implements policy.Target.
func (e ExistingQueue) TargetArn() pulumi.StringOutput { return pulumi.String(e).ToStringOutput() }

// QueueArn implements policy.Queue.
func (e ExistingQueue) QueueArn() pulumi.StringOutput { return e.TargetArn() }

// Fifo implements policy.Queue: whether the queue's name ends in ".fifo", as every FIFO queue's
// must.
func (e ExistingQueue) Fifo() bool { return strings.HasSuffix(string(e), ".fifo") }

// AdmitsService implements policy.Queue: true, since the queue's policy is not skein's to see.
func (e ExistingQueue) AdmitsService(string, pulumi.StringInput) bool { return true }

// DeliverStatements implements policy.Target: sqs:SendMessage on the queue; none when the ARN
// is not an SQS queue's.
func (e ExistingQueue) DeliverStatements() []policy.Statement {
	if _, ok := arnParts(string(e), "sqs"); !ok {
		return nil
	}
	return []policy.Statement{{Actions: []string{"sqs:SendMessage"}, Resources: policy.Strings(string(e))}}
}

// TargetArn implements policy.Target.
func (e ExistingStateMachine) TargetArn() pulumi.StringOutput {
	return pulumi.String(e).ToStringOutput()
}

// StateMachineArn implements policy.StateMachine.
func (e ExistingStateMachine) StateMachineArn() pulumi.StringOutput { return e.TargetArn() }

// DeliverStatements implements policy.Target: states:StartExecution on the state machine; none
// when the ARN is not a state machine's.
func (e ExistingStateMachine) DeliverStatements() []policy.Statement {
	if _, ok := arnParts(string(e), "states"); !ok {
		return nil
	}
	return []policy.Statement{{Actions: []string{"states:StartExecution"}, Resources: policy.Strings(string(e))}}
}

func (e ExistingFunction) plainARN() (string, bool)     { return string(e), true }
func (e ExistingQueue) plainARN() (string, bool)        { return string(e), true }
func (e ExistingStateMachine) plainARN() (string, bool) { return string(e), true }

// plain is implemented by targets whose ARN is known without deploying anything.
type plain interface{ plainARN() (string, bool) }
