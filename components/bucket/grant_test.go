package bucket

import (
	"errors"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
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
			nils := map[string]error{}
			p, err := plan.Run(func(ctx *pulumi.Context) error {
				b, err := NewBucket(ctx, "raw", nil)
				if err != nil {
					return err
				}
				if got, err = grant(b, policy.NewRoleGrantee(ctx, "caller", pulumi.String("caller-role"), nil)); err != nil {
					return err
				}
				for name, g := range map[string]policy.Grantee{"nil": nil, "nil *worker.Worker": (*worker.Worker)(nil), "nil *RoleGrantee": (*policy.RoleGrantee)(nil)} {
					g2, err := grant(b, g)
					if g2 != nil {
						t.Errorf("%s(%s) returned a grant", what, name)
					}
					nils[name] = err
				}
				return nil
			}, plan.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(p.OfType("aws:iam/rolePolicy:RolePolicy")); n != 1 || got == nil || got.Policy == nil || len(got.Document.Statements) == 0 {
				t.Fatalf("%d role policies, grant %+v; want one policy, returned with its statements", n, got)
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
