package worker

import (
	"errors"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
)

// GrantInvoke refuses a nil grantee, a typed nil pointer included, with a FieldError naming
// the grant, and creates nothing.
func TestGrantInvokeNilGrantee(t *testing.T) {
	r := root(t)
	for name, g := range map[string]policy.Grantee{
		"nil":              nil,
		"nil *Worker":      (*Worker)(nil),
		"nil *RoleGrantee": (*policy.RoleGrantee)(nil),
	} {
		t.Run(name, func(t *testing.T) {
			p, err := plan.Run(func(ctx *pulumi.Context) error {
				w, err := NewWorker(ctx, "echo", &WorkerArgs{Package: echo, Root: r})
				if err != nil {
					return err
				}
				grant, err := w.GrantInvoke(g)
				var fe *check.FieldError
				if !errors.As(err, &fe) || fe.Field != "GrantInvoke" || grant != nil {
					t.Errorf("GrantInvoke(%s) = %v, %v; want a *check.FieldError on GrantInvoke and no grant", name, grant, err)
				}
				return nil
			}, plan.Options{Config: map[string]string{"aws:region": "eu-west-1"}})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(p.OfType("aws:iam/rolePolicy:RolePolicy")); n != 1 {
				t.Errorf("%d role policies, want only the worker's own", n)
			}
		})
	}
}

// A typed nil OnFailure (a destination never built) is a FieldError, not a panic.
func TestTypedNilOnFailure(t *testing.T) {
	_, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := NewWorker(ctx, "echo", &WorkerArgs{Package: echo, Root: root(t), OnFailure: (*Worker)(nil)})
		return err
	}, plan.Options{Config: map[string]string{"aws:region": "eu-west-1"}})
	var fe *check.FieldError
	if !errors.As(err, &fe) || fe.Field != "OnFailure" {
		t.Errorf("OnFailure (*Worker)(nil): %v, want a *check.FieldError on OnFailure", err)
	}
}
