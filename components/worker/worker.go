package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/alarm"
	"github.com/skeinhq/skein/components/budget"
	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/transform"
	"github.com/skeinhq/skein/components/policy"
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/stage"
)

// Type is the worker component's type token.
const Type = "skein:aws:Worker"

// LogLevel is a Lambda application log level.
type LogLevel string

// Log levels Lambda's advanced logging controls accept.
const (
	Trace LogLevel = "TRACE"
	Debug LogLevel = "DEBUG"
	Info  LogLevel = "INFO"
	Warn  LogLevel = "WARN"
	Error LogLevel = "ERROR"
	Fatal LogLevel = "FATAL"
)

// Limits Lambda enforces, checked before anything is created.
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
const (
	MinMemoryMB         = 128
	MaxMemoryMB         = 10240
	MaxTimeout          = 900 * time.Second
	MinEphemeralMB      = 512
	MaxEphemeralMB      = 10240
	MaxAsyncRetries     = 2
	MinEventAge         = 60 * time.Second
	MaxEventAge         = 6 * time.Hour
	MaxEnvironmentBytes = 4096
	// MaxNameLength bounds a worker's name: Pulumi auto-names its role "<name>-role-<7 hex>",
	// and IAM role names hold at most 64 characters (the function's "<name>-<7 hex>" fits
	// Lambda's 64 too).
	MaxNameLength         = 51
	DeadLetterRetention   = 14 * 24 * time.Hour
	defaultTimeout        = 30 * time.Second
	defaultMemoryMB       = 128
	defaultDescriptionMax = 256
)

// WorkerArgs configure a worker. The zero value of every field is the default its comment names.
type WorkerArgs struct {
	// Stage supplies tags, log retention and protection; nil means stage.Load from config.
	Stage *stage.Stage
	// Package is the main package to build, relative to the module root ("./functions/transform")
	// or as an import path of this module. Required.
	Package string
	// Root is the module root to build in; zero means the module above the working directory.
	Root string
	// Architecture: zero means arm64 (cheaper per GB-second and faster to start for Go).
	Architecture Architecture
	// MemoryMB: zero means 128; allowed 128..10240.
	MemoryMB int
	// Timeout: zero means 30 s; allowed 1 s..900 s, whole seconds.
	Timeout time.Duration
	// EphemeralStorageMB is /tmp's size: zero means 512; allowed 512..10240.
	EphemeralStorageMB int
	// Environment holds plain settings. Never put secrets here: pass the name of an SSM
	// parameter and read it at start-up. Keys must be valid names, not reserved by Lambda.
	Environment map[string]string
	// EnvironmentInputs are settings produced by other resources (a bucket's name).
	EnvironmentInputs map[string]pulumi.StringInput
	// ReservedConcurrency caps concurrent executions; zero means the Budget's share when Budget
	// is set, else unreserved (the account pool).
	ReservedConcurrency int
	// Budget is the downstream budget this worker's calls draw on (components/budget); nil means
	// none. The worker must have a share in it: the share sets the function's reserved
	// concurrency (ReservedConcurrency, when also set, must equal it) and the SKEIN_BUDGET_*
	// variables (components/budget/budgetenv) from which functions/pace paces every call of
	// each invocation. Workflows and queues that drive the worker are checked against it.
	Budget *budget.Budget
	// DisableTracing turns X-Ray active tracing off; zero means tracing on.
	DisableTracing bool
	// LogLevel is the application log level; zero means INFO.
	LogLevel LogLevel
	// LogRetentionDays: zero means the stage's retention.
	LogRetentionDays int
	// MaxRetries of asynchronous invocations: nil means 2 (Lambda's default); allowed 0..2.
	MaxRetries *int
	// MaxEventAge of asynchronous events: zero means 6 h; allowed 60 s..6 h.
	MaxEventAge time.Duration
	// OnFailure receives asynchronous invocations that still fail; nil means a dead-letter queue
	// owned by the worker, "<worker>-async-dlq": a skein queue (components/queue) with SSE, 14
	// days retention, its TLS-only policy and its age alarm, which fires when a message has
	// waited a minute; unless DisableDeadLetterQueue.
	OnFailure policy.Target
	// DisableDeadLetterQueue, for a worker nothing invokes asynchronously (a workflow Task or an
	// SQS event source mapping invokes synchronously, and their failures land in the workflow
	// or the queue's dead-letter queue), creates no dead-letter queue and sets no on-failure
	// destination: an asynchronous invocation that still fails after MaxRetries is dropped.
	// Zero means the worker's own dead-letter queue. Conflicts with OnFailure.
	DisableDeadLetterQueue bool
	// Statements are extra identity statements for the worker's role.
	Statements []policy.Statement
	// Description of the function; at most 256 characters.
	Description string
	// Alarms turns the worker's alarms off or chooses their topic; zero means alarms on the
	// stage's topic: on the function's Errors and Throttles (Sum >= 1 over one minute,
	// "<worker>-errors-alarm", "<worker>-throttles-alarm") and on its Duration near the timeout
	// (Maximum above DurationAlarmFraction of Timeout over one minute,
	// "<worker>-duration-alarm"), plus the owned dead-letter queue's age alarm when there is one.
	Alarms alarm.Args
	// Transform changes child resources' arguments just before they are created.
	Transform Transform
}

// Transform holds one optional hook per child resource, for what skein did not foresee. Each runs
// right before its child is created, after skein's choices, and is not re-validated. A nil hook
// leaves the child as skein built it.
// For a child without a hook, or to change resource options rather than arguments, pass
// pulumi.Transforms (or pulumi.Transformations) in the component's options: they reach every
// child.
type Transform struct {
	// Role is the execution role ("<worker>-role").
	Role func(*iam.RoleArgs)
	// RolePolicy is the role's base inline policy ("<worker>-base": logs, tracing, failures,
	// Statements); grants attach policies of their own.
	RolePolicy func(*iam.RolePolicyArgs)
	// LogGroup is the function's log group ("<worker>-logs").
	LogGroup func(*cloudwatch.LogGroupArgs)
	// Function is the Lambda function ("<worker>").
	Function func(*lambda.FunctionArgs)
	// DeadLetterQueue changes the arguments of the owned on-failure queue component
	// ("<worker>-async-dlq", a components/queue Queue), when OnFailure is nil; its
	// QueueArgs.Transform reaches the queue's own children (the SQS queue, its policy, its
	// alarm).
	DeadLetterQueue func(*queue.QueueArgs)
	// EventInvokeConfig is the asynchronous invocation configuration ("<worker>-async").
	EventInvokeConfig func(*lambda.FunctionEventInvokeConfigArgs)
	// Alarm receives each of the function's alarms with its metric name (Errors, Throttles,
	// Duration): "<worker>-errors-alarm", "<worker>-throttles-alarm", "<worker>-duration-alarm".
	Alarm func(metric string, args *cloudwatch.MetricAlarmArgs)
	// Permission is each resource-policy permission AllowService adds ("<worker>-<name>").
	Permission func(*lambda.PermissionArgs)
}

// Worker is a Go Lambda function with its role, log group and failure destination.
type Worker struct {
	pulumi.ResourceState

	// Arn is the function's ARN.
	Arn pulumi.StringOutput `pulumi:"arn"`
	// Name is the function's name.
	Name pulumi.StringOutput `pulumi:"name"`
	// RoleArn is the execution role's ARN.
	RoleArn pulumi.StringOutput `pulumi:"roleArn"`
	// LogGroupName is where the function logs.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// DeadLetterQueueUrl is the owned on-failure queue's URL; empty when OnFailure was given or
	// DisableDeadLetterQueue.
	DeadLetterQueueUrl pulumi.StringOutput `pulumi:"deadLetterQueueUrl"`

	Function *lambda.Function
	Role     *iam.Role
	LogGroup *cloudwatch.LogGroup
	// DeadLetterQueue is the owned on-failure queue (its alarm is
	// DeadLetterQueue.OldestMessageAgeAlarm); nil when OnFailure was given or
	// DisableDeadLetterQueue.
	DeadLetterQueue *queue.Queue
	// Alarms are the function's alarms (errors, throttles, duration); nil when Alarms.Disabled.
	Alarms []*cloudwatch.MetricAlarm
	// Artifact is the built deployment package.
	Artifact *Artifact

	ctx       *pulumi.Context
	name      string
	timeout   time.Duration
	reserved  int
	draw      *budget.Draw
	transform Transform
}

var (
	_ pulumi.ComponentResource = (*Worker)(nil)
	_ policy.Function          = (*Worker)(nil)
	_ policy.Grantee           = (*Worker)(nil)
)

var (
	envKey    = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)
	nameRe    = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
	serviceRe = regexp.MustCompile(`^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$`)
)

// reservedEnv are the variables the Lambda runtime sets itself.
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true, "AWS_LAMBDA_LOG_GROUP_NAME": true,
	"AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true, "AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true,
	"AWS_SESSION_TOKEN": true, "AWS_LAMBDA_RUNTIME_API": true, "LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

// withDefaults returns a copy of the arguments with every default applied, the stage's log
// retention too: the one place defaults live.
func (a WorkerArgs) withDefaults(st *stage.Stage) WorkerArgs {
	a.Architecture = cmp.Or(a.Architecture, Arm64)
	a.MemoryMB = cmp.Or(a.MemoryMB, defaultMemoryMB)
	a.Timeout = cmp.Or(a.Timeout, defaultTimeout)
	a.EphemeralStorageMB = cmp.Or(a.EphemeralStorageMB, MinEphemeralMB)
	a.LogLevel = cmp.Or(a.LogLevel, Info)
	a.LogRetentionDays = cmp.Or(a.LogRetentionDays, st.LogRetentionDays)
	if a.MaxRetries == nil {
		n := MaxAsyncRetries
		a.MaxRetries = &n
	}
	a.MaxEventAge = cmp.Or(a.MaxEventAge, MaxEventAge)
	return a
}

// applyBudget applies the worker's share of its budget to a: reserved concurrency and the
// SKEIN_BUDGET_* variables. Conflicts with what the caller set are errors.
func applyBudget(name string, a *WorkerArgs) (*budget.Draw, error) {
	if a.Budget == nil || a.Budget.Allocation == nil {
		return nil, nil
	}
	c := check.New("worker", name)
	draw, err := a.Budget.Draw(name)
	if err != nil {
		c.Add("Budget", err.Error(), nil)
		return nil, c.Err()
	}
	switch a.ReservedConcurrency {
	case 0:
		a.ReservedConcurrency = draw.ReservedConcurrency
	case draw.ReservedConcurrency:
	default:
		c.Add("ReservedConcurrency", fmt.Sprintf("must be 0 or %d, the worker's share of %s", draw.ReservedConcurrency, draw.Describe()), a.ReservedConcurrency)
	}
	env := make(map[string]string, len(a.Environment)+4)
	for k, v := range a.Environment {
		env[k] = v
	}
	for k, v := range draw.Environment() {
		if _, set := env[k]; set {
			c.Add("Environment["+k+"]", "is set by the worker's Budget", k)
		}
		env[k] = v
	}
	a.Environment = env
	return draw, c.Err()
}

func validate(name string, a WorkerArgs) error {
	c := check.New("worker", name)
	if len(name) > MaxNameLength || !nameRe.MatchString(name) {
		c.Add("name", fmt.Sprintf("must be 1..%d letters, digits, - or _ (the function and its role are auto-named from it: Lambda function names allow only those characters, IAM role names at most 64)", MaxNameLength), name)
	}
	if strings.TrimSpace(a.Package) == "" {
		c.Add("Package", "is required: the functions/ package to build, e.g. ./functions/transform", nil)
	}
	c.OneOf("Architecture", string(a.Architecture), string(Arm64), string(X86_64))
	c.Int("MemoryMB", a.MemoryMB, MinMemoryMB, MaxMemoryMB)
	c.Duration("Timeout", a.Timeout, time.Second, MaxTimeout, time.Second)
	c.Int("EphemeralStorageMB", a.EphemeralStorageMB, MinEphemeralMB, MaxEphemeralMB)
	if a.ReservedConcurrency < 0 {
		c.Add("ReservedConcurrency", "must be 0 (unreserved) or more", a.ReservedConcurrency)
	}
	c.OneOf("LogLevel", string(a.LogLevel), string(Trace), string(Debug), string(Info), string(Warn), string(Error), string(Fatal))
	ok := false
	for _, d := range stage.RetentionDays() {
		ok = ok || d == a.LogRetentionDays
	}
	if !ok {
		c.Add("LogRetentionDays", "must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)", a.LogRetentionDays)
	}
	c.Int("MaxRetries", *a.MaxRetries, 0, MaxAsyncRetries)
	c.Duration("MaxEventAge", a.MaxEventAge, MinEventAge, MaxEventAge, time.Second)
	if len(a.Description) > defaultDescriptionMax {
		c.Add("Description", fmt.Sprintf("must be at most %d characters", defaultDescriptionMax), len(a.Description))
	}
	size := 0
	checkKey := func(k string) {
		if !envKey.MatchString(k) {
			c.Add("Environment["+k+"]", "key must start with a letter and hold only letters, digits and _", k)
		}
		if reservedEnv[k] {
			c.Add("Environment["+k+"]", "is reserved by the Lambda runtime", k)
		}
	}
	for k, v := range a.Environment {
		checkKey(k)
		size += len(k) + len(v)
		if _, dup := a.EnvironmentInputs[k]; dup {
			c.Add("Environment["+k+"]", "is also set in EnvironmentInputs", k)
		}
	}
	for k := range a.EnvironmentInputs {
		checkKey(k)
	}
	if size > MaxEnvironmentBytes {
		c.Add("Environment", fmt.Sprintf("must total at most %d bytes (Lambda's limit)", MaxEnvironmentBytes), size)
	}
	if a.OnFailure != nil && policy.IsNil(a.OnFailure) {
		c.Add("OnFailure", "must be a destination, not a nil pointer (a queue never built)", nil)
	}
	if a.DisableDeadLetterQueue && a.OnFailure != nil {
		c.Add("DisableDeadLetterQueue", "conflicts with OnFailure (a destination for failed asynchronous invocations)", true)
	}
	if a.DisableDeadLetterQueue && a.Transform.DeadLetterQueue != nil {
		c.Add("Transform", "changes the dead-letter queue (DeadLetterQueue), but DisableDeadLetterQueue creates none", nil)
	}
	if a.Alarms.Disabled && a.Transform.Alarm != nil {
		c.Add("Transform", "changes an alarm (Alarm), but Alarms.Disabled creates none", nil)
	}
	c.Join(policy.Document{Statements: a.Statements}.Validate())
	return c.Err()
}

// NewWorker builds the handler in args.Package and deploys it with its role, log group and
// failure destination.
func NewWorker(ctx *pulumi.Context, name string, args *WorkerArgs, opts ...pulumi.ResourceOption) (*Worker, error) {
	if args == nil {
		args = &WorkerArgs{}
	}
	// A bad stage and bad arguments are reported together: the arguments are checked against a
	// stand-in stage (whose retention is valid) when the real one does not load.
	st, stErr := stage.FromContext(ctx, args.Stage)
	defaultsFrom := st
	if st == nil {
		defaultsFrom = &stage.Stage{LogRetentionDays: stage.RetentionDays()[0]}
	}
	a := args.withDefaults(defaultsFrom)
	draw, budgetErr := applyBudget(name, &a)
	if err := errors.Join(validate(name, a), budgetErr, stErr); err != nil {
		return nil, err
	}
	art, err := Build(context.Background(), a.Root, a.Package, a.Architecture)
	if err != nil {
		return nil, err
	}

	w := &Worker{ctx: ctx, name: name, timeout: a.Timeout, reserved: a.ReservedConcurrency, draw: draw, Artifact: art, transform: a.Transform}
	if err := ctx.RegisterComponentResource(Type, name, w, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(w)
	tags := st.TagsFor(name)

	roleArgs := &iam.RoleArgs{
		AssumeRolePolicy: policy.Document{Statements: []policy.Statement{{
			Principals: []policy.Principal{policy.Service("lambda.amazonaws.com")},
			Actions:    []string{"sts:AssumeRole"},
		}}}.Json(),
		Description: pulumi.String(fmt.Sprintf("skein worker %s (%s)", name, st.Name)),
		Tags:        tags,
	}
	transform.Apply(a.Transform.Role, roleArgs)
	if w.Role, err = iam.NewRole(ctx, name+"-role", roleArgs, parent); err != nil {
		return nil, err
	}

	lgArgs := &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(st.LogGroupName(name)),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
		Tags:            tags,
	}
	transform.Apply(a.Transform.LogGroup, lgArgs)
	if w.LogGroup, err = cloudwatch.NewLogGroup(ctx, name+"-logs", lgArgs, parent); err != nil {
		return nil, err
	}

	failure := a.OnFailure
	var failureStatements []policy.Statement
	if a.DisableDeadLetterQueue {
		w.DeadLetterQueueUrl = pulumi.String("").ToStringOutput()
	} else if failure == nil {
		if w.DeadLetterQueue, err = w.newDLQ(st, a); err != nil {
			return nil, err
		}
		failureStatements = []policy.Statement{{
			Sid:       "AsyncFailures",
			Actions:   []string{"sqs:SendMessage"},
			Resources: []pulumi.StringInput{w.DeadLetterQueue.Arn},
		}}
		w.DeadLetterQueueUrl = w.DeadLetterQueue.Url
	} else {
		failureStatements = failure.DeliverStatements()
		w.DeadLetterQueueUrl = pulumi.String("").ToStringOutput()
	}

	statements := []policy.Statement{{
		Sid:       "Logs",
		Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resources: []pulumi.StringInput{pulumi.Sprintf("%s:*", w.LogGroup.Arn)},
	}}
	if !a.DisableTracing {
		statements = append(statements, policy.Statement{
			Sid:     "Tracing",
			Actions: []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
			// X-Ray's trace actions support no resource-level permissions: "*" is the only
			// resource AWS accepts.
			Resources: policy.Strings("*"),
		})
	}
	statements = append(statements, failureStatements...)
	statements = append(statements, a.Statements...)
	baseArgs := &iam.RolePolicyArgs{
		Role:   w.Role.Name,
		Policy: policy.Document{Statements: statements}.Json(),
	}
	transform.Apply(a.Transform.RolePolicy, baseArgs)
	base, err := iam.NewRolePolicy(ctx, name+"-base", baseArgs, parent)
	if err != nil {
		return nil, err
	}

	env := pulumi.StringMap{}
	for k, v := range a.Environment {
		env[k] = pulumi.String(v)
	}
	for k, v := range a.EnvironmentInputs {
		env[k] = v
	}
	tracing := "PassThrough"
	if !a.DisableTracing {
		tracing = "Active"
	}
	fnArgs := &lambda.FunctionArgs{
		Role:             w.Role.Arn,
		Runtime:          pulumi.String("provided.al2023"),
		Handler:          pulumi.String("bootstrap"),
		Architectures:    pulumi.StringArray{pulumi.String(string(a.Architecture))},
		Code:             pulumi.NewFileArchive(art.Zip),
		SourceCodeHash:   pulumi.String(art.SHA256),
		MemorySize:       pulumi.Int(a.MemoryMB),
		Timeout:          pulumi.Int(int(a.Timeout / time.Second)),
		EphemeralStorage: &lambda.FunctionEphemeralStorageArgs{Size: pulumi.Int(a.EphemeralStorageMB)},
		TracingConfig:    &lambda.FunctionTracingConfigArgs{Mode: pulumi.String(tracing)},
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{
			LogFormat:           pulumi.String("JSON"),
			ApplicationLogLevel: pulumi.String(string(a.LogLevel)),
			SystemLogLevel:      pulumi.String("WARN"),
			LogGroup:            w.LogGroup.Name,
		},
		Description: pulumi.String(a.Description),
		Tags:        tags,
	}
	if len(env) > 0 {
		fnArgs.Environment = &lambda.FunctionEnvironmentArgs{Variables: env}
	}
	if a.ReservedConcurrency > 0 {
		fnArgs.ReservedConcurrentExecutions = pulumi.Int(a.ReservedConcurrency)
	}
	transform.Apply(a.Transform.Function, fnArgs)
	// The function waits for its log permissions so its first invocation can log.
	if w.Function, err = lambda.NewFunction(ctx, name, fnArgs, parent, pulumi.DependsOn([]pulumi.Resource{base, w.LogGroup})); err != nil {
		return nil, err
	}

	eicArgs := &lambda.FunctionEventInvokeConfigArgs{
		FunctionName:             w.Function.Name,
		MaximumRetryAttempts:     pulumi.Int(*a.MaxRetries),
		MaximumEventAgeInSeconds: pulumi.Int(int(a.MaxEventAge / time.Second)),
	}
	if !a.DisableDeadLetterQueue {
		eicArgs.DestinationConfig = &lambda.FunctionEventInvokeConfigDestinationConfigArgs{
			OnFailure: &lambda.FunctionEventInvokeConfigDestinationConfigOnFailureArgs{Destination: failureArn(w, failure)},
		}
	}
	transform.Apply(a.Transform.EventInvokeConfig, eicArgs)
	if _, err := lambda.NewFunctionEventInvokeConfig(ctx, name+"-async", eicArgs, parent, pulumi.DependsOn([]pulumi.Resource{base})); err != nil {
		return nil, err
	}

	if !a.Alarms.Disabled {
		if err := w.newAlarms(st, a, tags); err != nil {
			return nil, err
		}
	}

	w.Arn, w.Name, w.RoleArn, w.LogGroupName = w.Function.Arn, w.Function.Name, w.Role.Arn, w.LogGroup.Name
	if err := stage.RegisterOutputs(ctx, w, pulumi.Map{
		"arn":                w.Arn,
		"name":               w.Name,
		"roleArn":            w.RoleArn,
		"logGroupName":       w.LogGroupName,
		"deadLetterQueueUrl": w.DeadLetterQueueUrl,
	}); err != nil {
		return nil, err
	}
	return w, nil
}

func failureArn(w *Worker, t policy.Target) pulumi.StringInput {
	if t != nil {
		return t.TargetArn()
	}
	return w.DeadLetterQueue.Arn
}

// newDLQ creates the owned dead-letter queue: a skein queue that is itself a dead-letter queue,
// with the worker's alarm settings and an age alarm that fires when a message has waited a
// minute.
func (w *Worker) newDLQ(st *stage.Stage, a WorkerArgs) (*queue.Queue, error) {
	qa := &queue.QueueArgs{
		Stage:                     st,
		MessageRetention:          DeadLetterRetention,
		DisableDeadLetterQueue:    true,
		OldestMessageAgeThreshold: time.Minute,
		Alarms:                    a.Alarms,
	}
	transform.Apply(a.Transform.DeadLetterQueue, qa)
	// "-async-dlq", not "-dlq": a queue component named like the worker owns "<name>-dlq". The
	// queue's children were the worker's own before it was a skein queue, and named "-dlq"
	// before that: the aliases keep the resources of stacks deployed then.
	return queue.NewQueue(w.ctx, w.name+"-async-dlq", qa, pulumi.Parent(w), pulumi.Transformations([]pulumi.ResourceTransformation{
		formerChildrenOf(w, map[string][]string{
			w.name + "-async-dlq":           {w.name + "-async-dlq", w.name + "-dlq"},
			w.name + "-async-dlq-policy":    {w.name + "-async-dlq-policy", w.name + "-dlq-policy"},
			w.name + "-async-dlq-age-alarm": {w.name + "-async-dlq-alarm", w.name + "-dlq-alarm"},
		}),
	}))
}

// formerChildrenOf aliases each child of the queue component named in names (by its new name)
// to the names it had as a child of parent. The component itself is new: it gets none.
func formerChildrenOf(parent pulumi.Resource, names map[string][]string) pulumi.ResourceTransformation {
	return func(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
		old, ok := names[args.Name]
		if !ok || args.Type == queue.Type {
			return nil
		}
		aliases := make([]pulumi.Alias, len(old))
		for i, n := range old {
			aliases[i] = pulumi.Alias{Name: pulumi.String(n), Parent: parent}
		}
		return &pulumi.ResourceTransformationResult{Props: args.Props, Opts: append(args.Opts, pulumi.Aliases(aliases))}
	}
}

// DurationAlarmFraction is the share of the function's timeout above which the duration alarm
// fires: an invocation that long is close to being cut off.
const DurationAlarmFraction = 0.9

// functionAlarm is one of the alarms every worker gets, in the AWS/Lambda namespace.
type functionAlarm struct {
	suffix, metric, statistic, comparison string
	threshold                             float64
	what                                  string
}

// functionAlarms are the worker's alarms for a function with the given timeout.
func functionAlarms(timeout time.Duration) []functionAlarm {
	limit := float64(timeout/time.Millisecond) * DurationAlarmFraction
	return []functionAlarm{
		{"errors", "Errors", "Sum", "GreaterThanOrEqualToThreshold", 1,
			"invocations failed (the handler returned an error, panicked or timed out) in the last minute. Read the function's log group for the error."},
		{"throttles", "Throttles", "Sum", "GreaterThanOrEqualToThreshold", 1,
			"invocations were throttled in the last minute: its reserved concurrency (or the account's) is exhausted."},
		{"duration", "Duration", "Maximum", "GreaterThanThreshold", limit,
			fmt.Sprintf("an invocation ran longer than %.0f%% of its %v timeout in the last minute: raise the timeout or shrink the work per invocation before invocations time out.", DurationAlarmFraction*100, timeout)},
	}
}

// newAlarms creates the function's errors, throttles and duration alarms.
func (w *Worker) newAlarms(st *stage.Stage, a WorkerArgs, tags pulumi.StringMap) error {
	topic := a.Alarms.Topic(st.AlarmTopicArn)
	for _, m := range functionAlarms(a.Timeout) {
		var hook func(*cloudwatch.MetricAlarmArgs)
		if f := a.Transform.Alarm; f != nil {
			hook = func(args *cloudwatch.MetricAlarmArgs) { f(m.metric, args) }
		}
		al, err := alarm.New(w.ctx, w.name+"-"+m.suffix+"-alarm", alarm.Metric{
			Description: pulumi.Sprintf("Worker %s: %s", w.name, m.what),
			Namespace:   "AWS/Lambda",
			Name:        m.metric,
			Dimensions:  pulumi.StringMap{"FunctionName": w.Function.Name},
			Statistic:   m.statistic,
			Threshold:   m.threshold,
			Comparison:  m.comparison,
		}, topic, tags, hook, pulumi.Parent(w))
		if err != nil {
			return err
		}
		w.Alarms = append(w.Alarms, al)
	}
	return nil
}

// TargetArn implements policy.Target.
func (w *Worker) TargetArn() pulumi.StringOutput { return w.Arn }

// FunctionArn implements policy.Function: the function's ARN.
func (w *Worker) FunctionArn() pulumi.StringOutput { return w.Arn }

// DeliverStatements implements policy.Target: lambda:InvokeFunction on the function and on its
// versions and aliases (ARN:*).
func (w *Worker) DeliverStatements() []policy.Statement {
	return []policy.Statement{{
		Actions:   []string{"lambda:InvokeFunction"},
		Resources: []pulumi.StringInput{w.Arn, pulumi.Sprintf("%s:*", w.Arn)},
	}}
}

// AttachPolicy implements policy.Grantee: an inline policy on the worker's role, named
// "<worker>-<name>" and parented to the worker. The grant it returns holds that policy, so that a
// resource which needs the permission when it is created (an SQS event source mapping: Lambda
// checks the role then) can depend on exactly it.
func (w *Worker) AttachPolicy(name string, doc policy.Document) (*policy.Grant, error) {
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	pol, err := iam.NewRolePolicy(w.ctx, w.name+"-"+name, &iam.RolePolicyArgs{
		Role:   w.Role.Name,
		Policy: doc.Json(),
	}, pulumi.Parent(w))
	if err != nil {
		return nil, err
	}
	return &policy.Grant{Policy: pol, Document: doc}, nil
}

// GrantInvoke lets g invoke this worker: lambda:InvokeFunction on it and its versions and
// aliases. The inline policy is named "<worker>-invoke"; a nil g is an error.
func (w *Worker) GrantInvoke(g policy.Grantee) (*policy.Grant, error) {
	if err := policy.CheckGrantee("worker", w.name, "GrantInvoke", g); err != nil {
		return nil, err
	}
	return g.AttachPolicy(w.name+"-invoke", policy.Document{Statements: w.DeliverStatements()})
}

// AllowService adds a resource-policy permission (a lambda.Permission named "<worker>-<name>")
// for a service principal ("events.amazonaws.com") to call lambda:InvokeFunction on the worker,
// only on behalf of sourceArn (confused-deputy safe). sourceArn is required: a service allowed
// without it could invoke the worker for any customer's resource.
func (w *Worker) AllowService(name, service string, sourceArn pulumi.StringInput) error {
	c := check.New("worker", w.name)
	if !serviceRe.MatchString(service) {
		c.Add("AllowService.service", "must be a service principal such as events.amazonaws.com", service)
	}
	if sourceArn == nil {
		c.Add("AllowService.sourceArn", "is required: the resource the service invokes for (confused-deputy protection)", nil)
	}
	if err := c.Err(); err != nil {
		return err
	}
	args := &lambda.PermissionArgs{
		Function:  w.Function.Name,
		Action:    pulumi.String("lambda:InvokeFunction"),
		Principal: pulumi.String(service),
		SourceArn: sourceArn,
	}
	if w.transform.Permission != nil {
		w.transform.Permission(args)
	}
	_, err := lambda.NewPermission(w.ctx, w.name+"-"+name, args, pulumi.Parent(w))
	return err
}

// FunctionTimeout implements policy.Function: the function's timeout (queues derive their
// visibility timeout from it).
func (w *Worker) FunctionTimeout() time.Duration { return w.timeout }

// ReservedConcurrency implements policy.Function: the function's reserved concurrency; 0 means
// unreserved.
func (w *Worker) ReservedConcurrency() int { return w.reserved }

// BudgetDraw implements policy.Function: the worker's share of its budget; nil when it draws on
// none.
func (w *Worker) BudgetDraw() *budget.Draw { return w.draw }

// FunctionName implements policy.Function: the worker's (logical) name, for other components'
// messages.
func (w *Worker) FunctionName() string { return w.name }
