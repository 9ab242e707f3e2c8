package bucket

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/testkit"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
	"github.com/skeinhq/skein/components/worker"
)

// Every grant returns the policy it attached, and refuses a nil grantee (a *worker.Worker never
// built included) with a FieldError naming the grant instead of panicking.
func TestGrantsReturnTheirPolicyAndRefuseNil(t *testing.T) {
	grants := map[string]func(*Bucket, policy.Grantee) (*policy.Grant, error){
		"GrantRead":      func(b *Bucket, g policy.Grantee) (*policy.Grant, error) { return b.GrantRead(g, "raw/") },
		"GrantWrite":     func(b *Bucket, g policy.Grantee) (*policy.Grant, error) { return b.GrantWrite(g, "raw/") },
		"GrantReadWrite": func(b *Bucket, g policy.Grantee) (*policy.Grant, error) { return b.GrantReadWrite(g) },
		"GrantList":      func(b *Bucket, g policy.Grantee) (*policy.Grant, error) { return b.GrantList(g) },
		"GrantDelete":    func(b *Bucket, g policy.Grantee) (*policy.Grant, error) { return b.GrantDelete(g, "tmp/") },
		"Grant":          func(b *Bucket, g policy.Grantee) (*policy.Grant, error) { return b.Grant(g, Read) },
	}
	for what, grant := range grants {
		t.Run(what, func(t *testing.T) {
			var got *policy.Grant
			var nils map[string]error
			p, err := plan.Run(func(ctx *pulumi.Context) error {
				b, err := NewBucket(ctx, "raw", nil)
				if err != nil {
					return err
				}
				if got, err = grant(b, policy.NewRoleGrantee(ctx, "caller", pulumi.String("caller-role"), nil)); err != nil {
					return err
				}
				nils = testkit.NilGrantees(t, what, func(g policy.Grantee) (*policy.Grant, error) { return grant(b, g) },
					map[string]policy.Grantee{"nil": nil, "nil *worker.Worker": (*worker.Worker)(nil), "nil *RoleGrantee": (*policy.RoleGrantee)(nil)})
				return nil
			}, plan.Options{})
			if err != nil {
				t.Fatal(err)
			}
			testkit.CheckGrant(t, what, len(p.OfType("aws:iam/rolePolicy:RolePolicy")), got, nils)
		})
	}
}
