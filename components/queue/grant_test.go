package queue

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/testkit"
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
			var nils map[string]error
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
				nils = testkit.NilGrantees(t, what, func(g policy.Grantee) (*policy.Grant, error) { return grant(q, g) },
					map[string]policy.Grantee{"nil": nil, "nil *RoleGrantee": (*policy.RoleGrantee)(nil), "nil *consumer": (*consumer)(nil)})
				return nil
			})
			pols := p.OfType("aws:iam/rolePolicy:RolePolicy")
			testkit.CheckGrant(t, what, len(pols), got, nils)
			if name := pols[0].Name; got.Policy.URN() == (pulumi.URNOutput{}) || name == "" {
				t.Errorf("the returned policy is not the recorded %q", name)
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
