package workflow

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/policy"
)

// Operator grants: what a person or a tool that runs the workflow may do with it. Each lists the
// exact actions it allows, on this state machine, its executions and its Map Runs only, returns
// the policy.Grant it attached, and refuses a nil grantee with a *check.FieldError.
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html

// GrantStart lets g start executions of the workflow: states:StartExecution and
// states:StartSyncExecution (Express) on the state machine.
func (w *Workflow) GrantStart(g policy.Grantee) (*policy.Grant, error) {
	return w.grant(g, "start", policy.Statement{Actions: []string{"states:StartExecution", "states:StartSyncExecution"}, Resources: []pulumi.StringInput{w.Arn}})
}

// GrantRead lets g read the workflow, its executions and their Map Runs, as the Step Functions
// console does: states:DescribeStateMachine and states:ListExecutions on the state machine;
// states:DescribeExecution, states:DescribeStateMachineForExecution, states:GetExecutionHistory
// and states:ListMapRuns on its executions; states:DescribeMapRun on its Map Runs.
func (w *Workflow) GrantRead(g policy.Grantee) (*policy.Grant, error) {
	return w.grant(g, "read",
		policy.Statement{Actions: []string{"states:DescribeStateMachine", "states:ListExecutions"}, Resources: []pulumi.StringInput{w.Arn}},
		policy.Statement{Actions: []string{"states:DescribeExecution", "states:DescribeStateMachineForExecution", "states:GetExecutionHistory", "states:ListMapRuns"},
			Resources: []pulumi.StringInput{w.arnOf("execution", ":*")}},
		policy.Statement{Actions: []string{"states:DescribeMapRun"}, Resources: []pulumi.StringInput{w.arnOf("mapRun", "/*")}},
	)
}

// GrantRedrive lets g redrive the workflow's failed, aborted or timed-out executions, Map Runs
// included (only unsuccessful states and child executions run again, in the same execution):
// states:RedriveExecution on its executions.
func (w *Workflow) GrantRedrive(g policy.Grantee) (*policy.Grant, error) {
	return w.grant(g, "redrive", policy.Statement{Actions: []string{"states:RedriveExecution"}, Resources: []pulumi.StringInput{w.arnOf("execution", ":*")}})
}

// GrantStop lets g stop the workflow's running executions: states:StopExecution on its
// executions.
func (w *Workflow) GrantStop(g policy.Grantee) (*policy.Grant, error) {
	return w.grant(g, "stop", policy.Statement{Actions: []string{"states:StopExecution"}, Resources: []pulumi.StringInput{w.arnOf("execution", ":*")}})
}

// arnOf turns the state machine's ARN into a pattern of another resource type: its executions
// (arn:...:execution:<name>:*) or its Map Runs (arn:...:mapRun:<name>/*).
func (w *Workflow) arnOf(kind, suffix string) pulumi.StringOutput {
	return w.Arn.ApplyT(func(arn string) string {
		return strings.Replace(arn, ":stateMachine:", ":"+kind+":", 1) + suffix
	}).(pulumi.StringOutput)
}

func (w *Workflow) grant(g policy.Grantee, what string, stmts ...policy.Statement) (*policy.Grant, error) {
	if err := policy.CheckGrantee("workflow", w.name, "Grant"+strings.ToUpper(what[:1])+what[1:], g); err != nil {
		return nil, err
	}
	return g.AttachPolicy(w.name+"-"+what, policy.Document{Statements: stmts})
}
