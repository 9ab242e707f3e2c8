package workflow_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/policy"
	"github.com/skeinhq/skein/components/worker"
)

// Each operator grant allows its actions on this workflow, its executions and Map Runs, and
// nothing on another state machine; the IAM simulator judges.
func TestOperatorGrantsJudgedByIAMSimulator(t *testing.T) {
	p := run(t, func(ctx *pulumi.Context) error {
		wf, err := fanOut(ctx, judge.Root(t), distributed)
		if err != nil {
			return err
		}
		ops := map[string]func(policy.Grantee) (*policy.Grant, error){
			"starter": wf.GrantStart, "reader": wf.GrantRead, "redriver": wf.GrantRedrive, "stopper": wf.GrantStop,
		}
		for name, grant := range ops {
			w, err := worker.NewWorker(ctx, name, &worker.WorkerArgs{Package: echo, Root: judge.Root(t)})
			if err != nil {
				return err
			}
			g, err := grant(w)
			if err != nil {
				return err
			}
			if g == nil || g.Policy == nil || len(g.Document.Statements) == 0 {
				t.Errorf("%s: the grant %+v does not hold the policy it attached", name, g)
			}
		}
		return nil
	}, nil)
	policiesOf := func(worker string) []json.RawMessage {
		var out []json.RawMessage
		for _, r := range p.OfType(policyType) {
			if r.Parent != nil && r.Parent.Name == worker {
				out = append(out, json.RawMessage(r.String("policy")))
			}
		}
		return out
	}
	sm := p.Find(smType, "pipeline").Arn()
	exec := strings.Replace(sm, ":stateMachine:", ":execution:", 1) + ":2026-11-23"
	child := strings.Replace(sm, ":stateMachine:", ":execution:", 1) + "/items:0f3c6a1e"
	mapRun := strings.Replace(sm, ":stateMachine:", ":mapRun:", 1) + "/items:0f3c6a1e"
	other := "arn:aws:states:us-east-1:123456789012:stateMachine:someone-else"
	otherExec := "arn:aws:states:us-east-1:123456789012:execution:someone-else:run"
	type c struct{ who, action, resource, want string }
	cases := []c{
		{"starter", "states:StartExecution", sm, judge.Allowed},
		{"starter", "states:StartSyncExecution", sm, judge.Allowed},
		{"starter", "states:StartExecution", other, judge.ImplicitlyDenied},
		{"starter", "states:StopExecution", exec, judge.ImplicitlyDenied},
		{"reader", "states:DescribeStateMachine", sm, judge.Allowed},
		{"reader", "states:ListExecutions", sm, judge.Allowed},
		{"reader", "states:DescribeExecution", exec, judge.Allowed},
		{"reader", "states:GetExecutionHistory", exec, judge.Allowed},
		{"reader", "states:ListMapRuns", exec, judge.Allowed},
		{"reader", "states:DescribeMapRun", mapRun, judge.Allowed},
		{"reader", "states:DescribeExecution", otherExec, judge.ImplicitlyDenied},
		{"reader", "states:StartExecution", sm, judge.ImplicitlyDenied},
		{"reader", "states:RedriveExecution", exec, judge.ImplicitlyDenied},
		{"redriver", "states:RedriveExecution", exec, judge.Allowed},
		{"redriver", "states:RedriveExecution", otherExec, judge.ImplicitlyDenied},
		{"redriver", "states:StopExecution", exec, judge.ImplicitlyDenied},
		{"stopper", "states:StopExecution", exec, judge.Allowed},
		{"stopper", "states:StopExecution", child, judge.ImplicitlyDenied},
		{"stopper", "states:StopExecution", otherExec, judge.ImplicitlyDenied},
	}
	reqs := make([]judge.IAMRequest, len(cases))
	for i, k := range cases {
		reqs[i] = judge.IAMRequest{Principal: p.Find(roleType, k.who+"-role").Arn(), Action: k.action, Resource: k.resource, IdentityPolicies: policiesOf(k.who)}
	}
	for i, got := range judge.Simulate(t, reqs...) {
		if got != cases[i].want {
			t.Errorf("%s %s on %s: %s, want %s", cases[i].who, cases[i].action, cases[i].resource, got, cases[i].want)
		}
	}
}

func TestGrantsRejectNilGrantees(t *testing.T) {
	run(t, func(ctx *pulumi.Context) error {
		wf, err := fanOut(ctx, judge.Root(t), distributed)
		if err != nil {
			return err
		}
		var typedNil *worker.Worker
		for what, grant := range map[string]func(policy.Grantee) (*policy.Grant, error){
			"GrantStart": wf.GrantStart, "GrantRead": wf.GrantRead, "GrantRedrive": wf.GrantRedrive, "GrantStop": wf.GrantStop,
		} {
			for _, g := range []policy.Grantee{nil, typedNil} {
				got, err := grant(g)
				var fe *check.FieldError
				if !errors.As(err, &fe) || fe.Field != what || !strings.Contains(fe.Rule, "needs a grantee") || got != nil {
					t.Errorf("%s(%#v) = %v, %v; want a *check.FieldError on %s", what, g, got, err, what)
				}
			}
		}
		return nil
	}, nil)
}
