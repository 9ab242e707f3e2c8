package policy

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Grantee is anything that holds identity policy: a worker's role, a workflow's role, or a role
// of the user's own wrapped with NewRoleGrantee. Grant methods of buckets and queues call
// AttachPolicy with a name unique to the grant, so the same grant made twice fails loudly (Pulumi
// rejects the duplicate child name) instead of silently doubling the policy.
type Grantee interface {
	// AttachPolicy attaches doc to the grantee's role as an inline policy; name is a short,
	// stable suffix ("data-read") that the grantee turns into a child resource name.
	AttachPolicy(name string, doc Document) error
}

// Target is anything a service such as EventBridge Scheduler or Step Functions can deliver to: a
// worker (invoke), a queue (send) or a workflow (start an execution).
type Target interface {
	// TargetArn is the ARN a schedule or rule names as its target.
	TargetArn() pulumi.StringOutput
	// DeliverStatements are the identity statements a delivering role needs, and nothing more.
	DeliverStatements() []Statement
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
func (g *RoleGrantee) AttachPolicy(name string, doc Document) error {
	if err := doc.Validate(); err != nil {
		return err
	}
	var opts []pulumi.ResourceOption
	if g.parent != nil {
		opts = append(opts, pulumi.Parent(g.parent))
	}
	_, err := iam.NewRolePolicy(g.ctx, g.name+"-"+name, &iam.RolePolicyArgs{
		Role:   g.role,
		Policy: doc.JSON(),
	}, opts...)
	return err
}
