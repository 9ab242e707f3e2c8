package queue

import (
	"errors"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/policy"
)

// Every grant returns the policy it attached, and refuses a nil grantee (a typed nil pointer
// included) with a FieldError naming the grant instead of panicking.
func TestGrantsReturnTheirPolicyAndRefuseNil(t *testing.T) {
	grants := map[string]func(*Queue, policy.Grantee) (*policy.Grant, error){
		"GrantSend":    (*Queue).GrantSend,
		"GrantConsume": (*Queue).GrantConsume,
		"GrantRedrive": (*Queue).GrantRedrive,
	}
	for what, grant := range grants {
		t.Run(what, func(t *testing.T) {
			var got *policy.Grant
			nils := map[string]error{}
			p := mustRun(t, func(ctx *pulumi.Context) error {
				q, err := NewQueue(ctx, "jobs", nil)
				if err != nil {
					return err
				}
				r, err := iam.NewRole(ctx, "caller-role", &iam.RoleArgs{AssumeRolePolicy: pulumi.String(`{}`)})
				if err != nil {
					return err
				}
				if got, err = grant(q, policy.NewRoleGrantee(ctx, "caller", r.Name, nil)); err != nil {
					return err
				}
				for name, g := range map[string]policy.Grantee{"nil": nil, "nil *RoleGrantee": (*policy.RoleGrantee)(nil), "nil *consumer": (*consumer)(nil)} {
					g2, err := grant(q, g)
					if g2 != nil {
						t.Errorf("%s(%s) returned a grant", what, name)
					}
					nils[name] = err
				}
				return nil
			})
			pols := p.OfType("aws:iam/rolePolicy:RolePolicy")
			if len(pols) != 1 || got == nil || got.Policy == nil || len(got.Document.Statements) == 0 {
				t.Fatalf("%d role policies, grant %+v; want one policy, returned with its statements", len(pols), got)
			}
			if name := pols[0].Name; got.Policy.URN() == (pulumi.URNOutput{}) || name == "" {
				t.Errorf("the returned policy is not the recorded %q", name)
			}
			for name, err := range nils {
				var fe *check.FieldError
				if !errors.As(err, &fe) || fe.Field != what {
					t.Errorf("%s(%s) = %v, want a *check.FieldError on %s", what, name, err, what)
				}
			}
		})
	}
}

// Subscribe refuses a typed nil consumer (a worker never built) instead of panicking.
func TestSubscribeTypedNilConsumer(t *testing.T) {
	var subErr error
	mustRun(t, func(ctx *pulumi.Context) error {
		q, err := NewQueue(ctx, "jobs", nil)
		if err != nil {
			return err
		}
		_, subErr = q.Subscribe((*consumer)(nil), nil)
		return nil
	})
	assertFieldError(t, subErr, "Subscribe.consumer", "")
}
