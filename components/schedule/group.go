package schedule

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/stage"
)

// GroupType is the schedule group component's type token.
const GroupType = "skein:aws:ScheduleGroup"

// MaxGroupNameLength keeps the group's auto-name (name, a dash and seven characters) within the
// 64 characters EventBridge Scheduler allows for a schedule group name.
// https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateScheduleGroup.html
const MaxGroupNameLength = 56

var groupNameRe = regexp.MustCompile(`^[0-9A-Za-z._-]+$`)

// GroupTransform holds the optional hook applied to the schedule group right before it is created.
type GroupTransform struct {
	// Group is the EventBridge Scheduler schedule group ("<group>").
	Group func(*scheduler.ScheduleGroupArgs)
}

// GroupArgs configure a schedule group. The zero value of every field is its default.
type GroupArgs struct {
	// Stage supplies the tags; nil means stage.Load.
	Stage *stage.Stage
	// Transform changes the group's arguments just before it is created.
	Transform GroupTransform
}

// Group is an EventBridge Scheduler schedule group: the unit the scheduler service names in
// aws:SourceArn when it assumes a schedule's execution role. Schedules that share a group (pass
// it as ScheduleArgs.Group) share that trust boundary; see the package documentation.
type Group struct {
	pulumi.ResourceState

	// Name and Arn identify the group.
	Name pulumi.StringOutput `pulumi:"name"`
	Arn  pulumi.StringOutput `pulumi:"arn"`

	// Group is the underlying schedule group.
	Group *scheduler.ScheduleGroup
}

var _ pulumi.ComponentResource = (*Group)(nil)

func validateGroupName(c *check.Errors, field, name string, max int) {
	if len(name) == 0 || len(name) > max || !groupNameRe.MatchString(name) {
		c.Add(field, fmt.Sprintf("must be 1..%d letters, digits, '.', '-' or '_'", max), name)
	}
}

// NewGroup creates a schedule group, tagged for the stage. Create one per stage (one per
// Pulumi stack) and pass it to every schedule of that stage; a schedule given no group creates
// its own.
func NewGroup(ctx *pulumi.Context, name string, args *GroupArgs, opts ...pulumi.ResourceOption) (*Group, error) {
	if args == nil {
		args = &GroupArgs{}
	}
	c := check.New("schedule group", name)
	validateGroupName(c, "name", name, MaxGroupNameLength)
	if err := c.Err(); err != nil {
		return nil, err
	}
	st, err := stage.FromContext(ctx, args.Stage)
	if err != nil {
		return nil, err
	}
	return newGroup(ctx, st, name, args.Transform, opts...)
}

func newGroup(ctx *pulumi.Context, st *stage.Stage, name string, tr GroupTransform, opts ...pulumi.ResourceOption) (*Group, error) {
	g := &Group{}
	if err := ctx.RegisterComponentResource(GroupType, name, g, opts...); err != nil {
		return nil, err
	}
	ga := &scheduler.ScheduleGroupArgs{Tags: st.TagsFor(name)}
	if tr.Group != nil {
		tr.Group(ga)
	}
	var err error
	if g.Group, err = scheduler.NewScheduleGroup(ctx, name, ga, pulumi.Parent(g)); err != nil {
		return nil, err
	}
	g.Name, g.Arn = g.Group.Name, g.Group.Arn
	return g, stage.RegisterOutputs(ctx, g, pulumi.Map{"name": g.Name, "arn": g.Arn})
}
