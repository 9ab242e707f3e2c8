package workflow

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/policy"
)

// Operator grants: what a person or a tool that runs the workflow may do with it. Each lists the
// exact actions it allows, on this state machine, its executions and its Map Runs only.
//
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html
var (
	// StartActions start executions: states:StartExecution (and states:StartSyncExecution, for
	// Express state machines).
	StartActions = []string{"states:StartExecution", "states:StartSyncExecution"}
	// ReadActions read the state machine, its executions (with their history) and Map Runs:
	// states:DescribeStateMachine, states:ListExecutions, states:DescribeExecution,
	// states:DescribeStateMachineForExecution, states:GetExecutionHistory, states:ListMapRuns,
	// states:DescribeMapRun.
	ReadActions = []string{"states:DescribeStateMachine", "states:ListExecutions", "states:DescribeExecution",
		"states:DescribeStateMachineForExecution", "states:GetExecutionHistory", "states:ListMapRuns", "states:DescribeMapRun"}
	// RedriveActions redrive failed, aborted or timed-out executions from where they stopped,
	// Distributed Map Runs included: states:RedriveExecution.
	RedriveActions = []string{"states:RedriveExecution"}
	// StopActions stop running executions: states:StopExecution.
	StopActions = []string{"states:StopExecution"}
)

// GrantStart lets g start executions of the workflow (StartActions).
func (w *Workflow) GrantStart(g policy.Grantee) error {
	return w.grant(g, "start", policy.Statement{Actions: StartActions, Resources: []pulumi.StringInput{w.Arn}})
}

// GrantRead lets g read the workflow, its executions and their Map Runs (ReadActions), as the
// Step Functions console does.
func (w *Workflow) GrantRead(g policy.Grantee) error {
	return w.grant(g, "read",
		policy.Statement{Actions: []string{"states:DescribeStateMachine", "states:ListExecutions"}, Resources: []pulumi.StringInput{w.Arn}},
		policy.Statement{Actions: []string{"states:DescribeExecution", "states:DescribeStateMachineForExecution", "states:GetExecutionHistory", "states:ListMapRuns"},
			Resources: []pulumi.StringInput{w.arnOf("execution", ":*")}},
		policy.Statement{Actions: []string{"states:DescribeMapRun"}, Resources: []pulumi.StringInput{w.arnOf("mapRun", "/*")}},
	)
}

// GrantRedrive lets g redrive the workflow's executions (RedriveActions): only unsuccessful
// states and child executions run again, in the same execution.
func (w *Workflow) GrantRedrive(g policy.Grantee) error {
	return w.grant(g, "redrive", policy.Statement{Actions: RedriveActions, Resources: []pulumi.StringInput{w.arnOf("execution", ":*")}})
}

// GrantStop lets g stop the workflow's running executions (StopActions).
func (w *Workflow) GrantStop(g policy.Grantee) error {
	return w.grant(g, "stop", policy.Statement{Actions: StopActions, Resources: []pulumi.StringInput{w.arnOf("execution", ":*")}})
}

// arnOf turns the state machine's ARN into a pattern of another resource type: its executions
// (arn:...:execution:<name>:*) or its Map Runs (arn:...:mapRun:<name>/*).
func (w *Workflow) arnOf(kind, suffix string) pulumi.StringOutput {
	return w.Arn.ApplyT(func(arn string) string {
		return strings.Replace(arn, ":stateMachine:", ":"+kind+":", 1) + suffix
	}).(pulumi.StringOutput)
}

func (w *Workflow) grant(g policy.Grantee, what string, stmts ...policy.Statement) error {
	if isNilGrantee(g) {
		c := check.New("workflow", w.name)
		c.Add("Grant"+strings.ToUpper(what[:1])+what[1:], "needs a grantee (a worker, a workflow, a role wrapped with policy.NewRoleGrantee), got nil", nil)
		return c.Err()
	}
	return g.AttachPolicy(w.name+"-"+what, policy.Document{Statements: stmts})
}

// isNilGrantee is true for a nil interface and for a typed nil pointer in it.
func isNilGrantee(g policy.Grantee) bool {
	return g == nil || nilTarget(g)
}
