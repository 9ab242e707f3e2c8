package policy

import (
	"reflect"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
)

// Grantee is anything that holds identity policy: a worker's role, a workflow's role, or a role
// of the user's own wrapped with NewRoleGrantee. Grant methods of buckets and queues call
// AttachPolicy with a name unique to the grant, so the same grant made twice fails loudly (Pulumi
// rejects the duplicate child name) instead of silently doubling the policy.
type Grantee interface {
	// AttachPolicy attaches doc to the grantee's role as an inline policy; name is a short,
	// stable suffix ("data-read") that the grantee turns into a child resource name. It returns
	// the grant, whose Policy a resource that needs the permission when it is created can
	// depend on.
	AttachPolicy(name string, doc Document) (*Grant, error)
}

// Grant is what a grant created, as AWS CDK's grants return a Grant: the policy resource that
// holds the statements, so that a resource which needs the permission when it is created (an
// event source mapping, a schedule) can depend on exactly it.
type Grant struct {
	// Policy is the resource holding the statements: an aws:iam/rolePolicy:RolePolicy for
	// skein's grantees. Never nil in a grant a skein component returns.
	Policy pulumi.Resource
	// Document is what Policy holds.
	Document Document
}

// DependsOn is the resource option that orders a resource after the grant's policy.
func (g *Grant) DependsOn() pulumi.ResourceOption {
	return pulumi.DependsOn([]pulumi.Resource{g.Policy})
}

// CheckGrantee reports a nil grantee, a typed nil pointer in the interface included (a
// *worker.Worker never built), as a *check.FieldError of the component kind/name naming the
// grant method (field); it returns nil for any other grantee. Every grant calls it first, so a
// nil grantee is an error instead of a panic.
func CheckGrantee(kind, name, field string, g Grantee) error {
	if !IsNil(g) {
		return nil
	}
	c := check.New(kind, name)
	c.Add(field, "needs a grantee (a worker, a workflow, or a role wrapped with policy.NewRoleGrantee), got nil", nil)
	return c.Err()
}

// IsNil reports a nil interface value and a typed nil pointer (or map, slice, function,
// channel) in it.
func IsNil(v any) bool {
	if v == nil {
		return true
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		return r.IsNil()
	}
	return false
}

// RoleGrantee attaches inline policies to an existing IAM role.
type RoleGrantee struct {
	ctx    *pulumi.Context
	name   string
	role   pulumi.StringInput
	parent pulumi.Resource
}

// NewRoleGrantee wraps a role (by its name output) so that skein grants can attach to it. name
// prefixes the inline policies' resource names; parent, when not nil, parents them.
func NewRoleGrantee(ctx *pulumi.Context, name string, roleName pulumi.StringInput, parent pulumi.Resource) *RoleGrantee {
	return &RoleGrantee{ctx: ctx, name: name, role: roleName, parent: parent}
}

// AttachPolicy implements Grantee with an aws:iam/rolePolicy:RolePolicy named name-policyName.
func (g *RoleGrantee) AttachPolicy(name string, doc Document) (*Grant, error) {
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	var opts []pulumi.ResourceOption
	if g.parent != nil {
		opts = append(opts, pulumi.Parent(g.parent))
	}
	pol, err := iam.NewRolePolicy(g.ctx, g.name+"-"+name, &iam.RolePolicyArgs{
		Role:   g.role,
		Policy: doc.Json(),
	}, opts...)
	if err != nil {
		return nil, err
	}
	return &Grant{Policy: pol, Document: doc}, nil
}
