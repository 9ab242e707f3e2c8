package workflow

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/alarm"
	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/transform"
	"github.com/skeinhq/skein/components/policy"
	"github.com/skeinhq/skein/components/stage"
)

// Type is the workflow component's type token.
const Type = "skein:aws:Workflow"

// LogLevel is how much a state machine logs.
type LogLevel string

// Log levels. https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-log-level
const (
	LogAll   LogLevel = "ALL"
	LogError LogLevel = "ERROR"
	LogFatal LogLevel = "FATAL"
	LogOff   LogLevel = "OFF"
)

// Alarm metrics, in the AWS/States namespace.
var alarmMetrics = []struct{ suffix, metric, what string }{
	{"failed", "ExecutionsFailed", "executions failed"},
	{"timed-out", "ExecutionsTimedOut", "executions timed out"},
	{"aborted", "ExecutionsAborted", "executions were aborted"},
	{"throttled", "ExecutionThrottled", "executions were throttled"},
}

// WorkflowArgs configure a Workflow. The zero value of each field is its default.
type WorkflowArgs struct {
	// Definition is the state machine; required.
	Definition Definition
	// Type is Standard (zero) or Express. Express workflows run up to five minutes, at least
	// once, and cannot hold a Distributed Map or .sync tasks.
	Type ExecutionType
	// Stage supplies tags, log retention and the alarm topic; nil means stage.Load(ctx).
	Stage *stage.Stage
	// LogLevel is ALL (zero), ERROR, FATAL or OFF.
	LogLevel LogLevel
	// IncludeExecutionData logs states' input and output; zero means off, because items often
	// carry data that should not land in logs.
	IncludeExecutionData bool
	// DisableTracing turns X-Ray tracing off; zero means tracing on.
	DisableTracing bool
	// Alarms turns the workflow's alarms off or chooses their topic; zero means four alarms on
	// the stage's topic, each when the metric's Sum over one minute is at least 1:
	// ExecutionsFailed ("<name>-failed"), ExecutionsTimedOut ("<name>-timed-out"),
	// ExecutionsAborted ("<name>-aborted") and ExecutionThrottled ("<name>-throttled").
	Alarms alarm.Args
	// Statements are added to the role as they are, for Service tasks and anything else the
	// definition cannot tell; zero means none.
	Statements []policy.Statement
	// Transform changes child resources' arguments right before they are created.
	Transform Transform
}

// Transform holds one optional hook per child resource, applied right before it is created,
// after skein's choices; skein does not re-validate what they set. A nil hook leaves the child as
// skein built it.
// For a child without a hook, or to change resource options rather than arguments, pass
// pulumi.Transforms (or pulumi.Transformations) in the component's options: they reach every
// child.
type Transform struct {
	// Role is the state machine's execution role ("<workflow>-states-role").
	Role func(*iam.RoleArgs)
	// RolePolicy is the role's inline policy derived from the definition ("<workflow>-policy").
	RolePolicy func(*iam.RolePolicyArgs)
	// LogGroup is the state machine's log group ("<workflow>-states-logs").
	LogGroup func(*cloudwatch.LogGroupArgs)
	// StateMachine is the Step Functions state machine ("<workflow>").
	StateMachine func(*sfn.StateMachineArgs)
	// Alarm receives each alarm with its metric name (ExecutionsFailed, ExecutionsTimedOut,
	// ExecutionsAborted, ExecutionThrottled): "<workflow>-failed", "<workflow>-timed-out",
	// "<workflow>-aborted", "<workflow>-throttled".
	Alarm func(metric string, args *cloudwatch.MetricAlarmArgs)
}

// Workflow is a Step Functions state machine with its role, log group and alarms.
type Workflow struct {
	pulumi.ResourceState

	// Arn of the state machine.
	Arn pulumi.StringOutput `pulumi:"arn"`
	// Name of the state machine.
	Name pulumi.StringOutput `pulumi:"name"`
	// ConsoleUrl opens the state machine in the Step Functions console.
	ConsoleUrl pulumi.StringOutput `pulumi:"consoleUrl"`
	// RoleArn is the state machine's execution role.
	RoleArn pulumi.StringOutput `pulumi:"roleArn"`
	// Definition is the rendered ASL JSON.
	Definition pulumi.StringOutput

	// BudgetUses are the definition's fan-outs over workers that draw on a budget; the plan
	// lists them in budgets.json (registered as the "budgetUses" output).
	BudgetUses []Use

	StateMachine *sfn.StateMachine
	Role         *iam.Role
	RolePolicy   *iam.RolePolicy
	LogGroup     *cloudwatch.LogGroup
	Alarms       []*cloudwatch.MetricAlarm

	ctx  *pulumi.Context
	name string
}

var (
	_ pulumi.ComponentResource = (*Workflow)(nil)
	_ policy.StateMachine      = (*Workflow)(nil)
	_ policy.Grantee           = (*Workflow)(nil)
)

// TargetArn implements policy.Target: schedules and other workflows start this one.
func (w *Workflow) TargetArn() pulumi.StringOutput { return w.Arn }

// StateMachineArn implements policy.StateMachine: the state machine's ARN.
func (w *Workflow) StateMachineArn() pulumi.StringOutput { return w.Arn }

// DeliverStatements implements policy.Target: states:StartExecution on this state machine.
func (w *Workflow) DeliverStatements() []policy.Statement {
	return []policy.Statement{{Actions: []string{"states:StartExecution"}, Resources: []pulumi.StringInput{w.Arn}}}
}

// AttachPolicy implements policy.Grantee: an inline policy "<workflow>-<name>" on the role, so
// buckets and queues can grant to the workflow. It returns the grant holding that policy.
func (w *Workflow) AttachPolicy(name string, doc policy.Document) (*policy.Grant, error) {
	return policy.NewRoleGrantee(w.ctx, w.name, w.Role.Name, w).AttachPolicy(name, doc)
}

// withDefaults returns a copy of the arguments with every default applied: the one place
// defaults live.
func (a WorkflowArgs) withDefaults() WorkflowArgs {
	a.Type = cmp.Or(a.Type, Standard)
	a.LogLevel = cmp.Or(a.LogLevel, LogAll)
	return a
}

// NewWorkflow validates the definition and every argument, then creates the state machine, its
// role (derived from the definition), log group and alarms. Nothing is registered when an
// argument is invalid; every problem is reported at once.
func NewWorkflow(ctx *pulumi.Context, name string, args *WorkflowArgs, opts ...pulumi.ResourceOption) (*Workflow, error) {
	if args == nil {
		args = &WorkflowArgs{}
	}
	a := args.withDefaults()
	st, err := stage.FromContext(ctx, a.Stage)
	if err != nil {
		return nil, err
	}
	c := check.New("workflow", name)
	if a.Alarms.Disabled && a.Transform.Alarm != nil {
		c.Add("Transform", "changes an alarm (Alarm), but Alarms.Disabled creates none", nil)
	}
	c.OneOf("Type", string(a.Type), string(Standard), string(Express))
	c.OneOf("LogLevel", string(a.LogLevel), string(LogAll), string(LogError), string(LogFatal), string(LogOff))
	if strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" || name == "" {
		c.Add("name", "must use only letters, digits, - and _ (it becomes part of the state machine's name)", name)
	}
	if err := policyCheck(a.Statements); err != nil {
		c.Join(err)
	}
	uses, err := validateUses(name, &a.Definition, a.Type, true)
	if err != nil {
		c.Join(err)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	account, err := st.Account(ctx)
	if err != nil {
		return nil, err
	}

	w := &Workflow{ctx: ctx, name: name}
	if err := ctx.RegisterComponentResource(Type, name, w, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(w)
	physical := st.PhysicalName(name, 80)
	me := self{partition: st.Partition, region: st.Region, account: account, name: physical}
	tags := st.TagsFor(name)

	roleArgs := &iam.RoleArgs{
		Description: pulumi.Sprintf("Step Functions role of workflow %s", name),
		AssumeRolePolicy: policy.Document{Statements: []policy.Statement{{
			Principals: []policy.Principal{policy.Service("states.amazonaws.com")},
			Actions:    []string{"sts:AssumeRole"},
			Conditions: []policy.Condition{
				{Test: "StringEquals", Variable: "aws:SourceAccount", Values: policy.Strings(account)},
				{Test: "ArnLike", Variable: "aws:SourceArn", Values: policy.Strings(me.arn("stateMachine", physical))},
			},
		}}}.Json(),
		Tags: tags,
	}
	transform.Apply(a.Transform.Role, roleArgs)
	// "-states-role", not "-role": a worker named like the workflow owns "<name>-role". The
	// alias keeps the role of stacks deployed before the rename.
	role, err := iam.NewRole(ctx, name+"-states-role", roleArgs, parent, pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(name + "-role")}}))
	if err != nil {
		return nil, err
	}
	w.Role = role

	logGroupArgs := &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/vendedlogs/states/" + physical),
		RetentionInDays: pulumi.Int(st.LogRetentionDays),
		Tags:            tags,
	}
	transform.Apply(a.Transform.LogGroup, logGroupArgs)
	logGroup, err := cloudwatch.NewLogGroup(ctx, name+"-states-logs", logGroupArgs, parent, pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(name + "-logs")}}))
	if err != nil {
		return nil, err
	}
	w.LogGroup = logGroup

	r := &renderer{collect: true}
	r.machine(&a.Definition)
	sts := statements(r, me)
	sts = append(sts, serviceStatements(!a.DisableTracing, a.LogLevel != LogOff)...)
	sts = append(sts, a.Statements...)
	doc := policy.Document{Statements: sts}
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	rpArgs := &iam.RolePolicyArgs{Role: role.Name, Policy: doc.Json()}
	transform.Apply(a.Transform.RolePolicy, rpArgs)
	rolePolicy, err := iam.NewRolePolicy(ctx, name+"-policy", rpArgs, parent)
	if err != nil {
		return nil, err
	}
	w.RolePolicy = rolePolicy

	def := a.Definition
	inputs := make([]any, 0, len(r.slots))
	for _, s := range r.slots {
		if s.target != nil {
			inputs = append(inputs, s.target.TargetArn())
		} else {
			inputs = append(inputs, s.bucket)
		}
	}
	var definition pulumi.StringOutput
	if len(inputs) == 0 {
		b, err := renderWith(&def, nil)
		if err != nil {
			return nil, err
		}
		definition = pulumi.String(string(b)).ToStringOutput()
	} else {
		definition = pulumi.All(inputs...).ApplyT(func(vals []any) (string, error) {
			strs := make([]string, len(vals))
			for i, v := range vals {
				s, ok := v.(string)
				if !ok {
					return "", fmt.Errorf("workflow %q: slot %d resolved to %T, want a string", name, i, v)
				}
				strs[i] = s
			}
			b, err := renderWith(&def, strs)
			return string(b), err
		}).(pulumi.StringOutput)
	}
	w.Definition = definition

	smArgs := &sfn.StateMachineArgs{
		Name:       pulumi.String(physical),
		Type:       pulumi.String(string(a.Type)),
		RoleArn:    role.Arn,
		Definition: definition,
		LoggingConfiguration: &sfn.StateMachineLoggingConfigurationArgs{
			Level:                pulumi.String(string(a.LogLevel)),
			IncludeExecutionData: pulumi.Bool(a.IncludeExecutionData),
			LogDestination:       pulumi.Sprintf("%s:*", logGroup.Arn),
		},
		TracingConfiguration: &sfn.StateMachineTracingConfigurationArgs{Enabled: pulumi.Bool(!a.DisableTracing)},
		Tags:                 tags,
	}
	transform.Apply(a.Transform.StateMachine, smArgs)
	// The role must hold its policy before Step Functions checks log delivery at creation.
	sm, err := sfn.NewStateMachine(ctx, name, smArgs, parent, pulumi.DependsOn([]pulumi.Resource{rolePolicy}))
	if err != nil {
		return nil, err
	}
	w.StateMachine = sm
	w.Arn = sm.Arn
	w.Name = sm.Name
	w.RoleArn = role.Arn
	host, region := st.ConsoleRegionHost(), st.Region
	w.ConsoleUrl = sm.Arn.ApplyT(func(arn string) string {
		return "https://" + host + "/states/home?region=" + region + "#/statemachines/view/" + arn
	}).(pulumi.StringOutput)

	if !a.Alarms.Disabled {
		topic := a.Alarms.Topic(st.AlarmTopicArn)
		for _, m := range alarmMetrics {
			var hook func(*cloudwatch.MetricAlarmArgs)
			if f := a.Transform.Alarm; f != nil {
				hook = func(args *cloudwatch.MetricAlarmArgs) { f(m.metric, args) }
			}
			al, err := alarm.New(ctx, name+"-"+m.suffix, alarm.Metric{
				Description: pulumi.Sprintf("Workflow %s: %s in the last minute.", name, m.what),
				Namespace:   "AWS/States",
				Name:        m.metric,
				Dimensions:  pulumi.StringMap{"StateMachineArn": sm.Arn},
				Statistic:   "Sum",
				Threshold:   1,
				Comparison:  "GreaterThanOrEqualToThreshold",
			}, topic, tags, hook, parent)
			if err != nil {
				return nil, err
			}
			w.Alarms = append(w.Alarms, al)
		}
	}

	outs := pulumi.Map{
		"arn":        w.Arn,
		"name":       w.Name,
		"consoleUrl": w.ConsoleUrl,
		"roleArn":    w.RoleArn,
	}
	if len(uses) > 0 {
		w.BudgetUses = uses
		outs["budgetUses"] = plainOutput(uses)
	}
	if err := stage.RegisterOutputs(ctx, w, outs); err != nil {
		return nil, err
	}
	return w, nil
}

// plainOutput turns a JSON-tagged Go value into an output of plain JSON values.
func plainOutput(v any) pulumi.Input {
	b, err := json.Marshal(v)
	if err != nil {
		return pulumi.Any(nil)
	}
	var plain any
	if err := json.Unmarshal(b, &plain); err != nil {
		return pulumi.Any(nil)
	}
	return pulumi.Any(plain)
}
