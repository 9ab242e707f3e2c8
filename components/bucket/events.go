package bucket

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/transform"
	"github.com/skeinhq/skein/components/policy"
)

// EventBridge limits, from https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
// and the PutTargets API reference.
const (
	// MaxTargetsPerRule is how many targets one rule may have.
	MaxTargetsPerRule = 5
	// DefaultMaxRetries is EventBridge's own default of delivery retries.
	DefaultMaxRetries = 185
	// MaxRetries is the most retries a target accepts.
	MaxRetries = 185
	// DefaultMaxEventAge is EventBridge's own default of how long it retries an event.
	DefaultMaxEventAge = 24 * time.Hour
	// MinEventAge and MaxEventAge bound MaximumEventAgeInSeconds.
	MinEventAge = time.Minute
	MaxEventAge = 24 * time.Hour
	// maxRuleName is the longest EventBridge rule name; Pulumi appends 8 characters to auto-name.
	maxRuleName = 64
	// maxRoleName is the longest IAM role name; Pulumi appends 8 characters to auto-name.
	maxRoleName = 64
	// maxMessageGroupId is the longest SQS message group id.
	maxMessageGroupId = 128
)

// S3 event detail types on EventBridge.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
const (
	DetailObjectCreated = "Object Created"
	DetailObjectDeleted = "Object Deleted"
)

// EventArgs select the objects whose events a rule matches.
type EventArgs struct {
	// Prefix matches keys starting with it; zero means any key.
	Prefix string
	// Suffix matches keys ending with it, such as ".json"; zero means any key.
	Suffix string
	// Description is the rule's description; zero means one naming the bucket and the match.
	Description string
	// Transform changes the rule's arguments right before it is created.
	Transform EventTransform
}

// EventTransform holds the hook for an event rule, applied right before it is created.
type EventTransform struct {
	// Rule is the EventBridge rule ("<bucket>-<name>").
	Rule func(*cloudwatch.EventRuleArgs)
}

// Event is an EventBridge rule matching one kind of event of one bucket. Create the target next
// (a queue admitting events.amazonaws.com from RuleArn), then connect it with SendTo.
type Event struct {
	// Rule is the EventBridge rule on the default bus.
	Rule *cloudwatch.EventRule
	// RuleArn is the rule's ARN, for the target's resource policy (aws:SourceArn).
	RuleArn pulumi.StringOutput
	// Pattern is the rule's event pattern (JSON).
	Pattern pulumi.StringOutput

	b       *Bucket
	name    string
	targets map[string]bool
}

// OnObjectCreated creates an EventBridge rule matching S3 "Object Created" events of this bucket
// under args.Prefix and args.Suffix, named "<bucket>-<name>". It creates no target: see SendTo.
// S3 reaches EventBridge through the bucket's notification configuration, never a function
// directly, so the bucket never depends on its consumers and no dependency cycle can form.
func (b *Bucket) OnObjectCreated(name string, args *EventArgs) (*Event, error) {
	return b.on(name, DetailObjectCreated, args)
}

// OnObjectRemoved is OnObjectCreated for S3 "Object Deleted" events (both permanent deletes and
// delete markers).
func (b *Bucket) OnObjectRemoved(name string, args *EventArgs) (*Event, error) {
	return b.on(name, DetailObjectDeleted, args)
}

// eventPattern is an EventBridge event pattern for S3 events of one bucket.
type eventPattern struct {
	Source     []string      `json:"source"`
	DetailType []string      `json:"detail-type"`
	Detail     patternDetail `json:"detail"`
}

type patternDetail struct {
	Bucket patternBucket  `json:"bucket"`
	Object *patternObject `json:"object,omitempty"`
}

type patternBucket struct {
	Name []string `json:"name"`
}

type patternObject struct {
	Key []map[string]string `json:"key"`
}

// Pattern returns the event pattern matching detailType events of bucket for keys with prefix
// and suffix (either may be empty). Both together use a wildcard filter, in which "*" and "\"
// of the key are escaped.
func Pattern(bucket, detailType, prefix, suffix string) (string, error) {
	p := eventPattern{Source: []string{"aws.s3"}, DetailType: []string{detailType}, Detail: patternDetail{Bucket: patternBucket{Name: []string{bucket}}}}
	switch {
	case prefix != "" && suffix != "":
		p.Detail.Object = &patternObject{Key: []map[string]string{{"wildcard": wildcardEscaper.Replace(prefix) + "*" + wildcardEscaper.Replace(suffix)}}}
	case prefix != "":
		p.Detail.Object = &patternObject{Key: []map[string]string{{"prefix": prefix}}}
	case suffix != "":
		p.Detail.Object = &patternObject{Key: []map[string]string{{"suffix": suffix}}}
	}
	out, err := json.Marshal(p)
	return string(out), err
}

// wildcardEscaper escapes the characters EventBridge's wildcard filter treats specially.
var wildcardEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`)

func (b *Bucket) on(name, detailType string, args *EventArgs) (*Event, error) {
	var a EventArgs
	if args != nil {
		a = *args
	}
	c := check.New("bucket", b.name)
	field := "OnObject(" + name + ")"
	if !validSuffixName(name) {
		c.Add(field+".name", "must be 1..40 lowercase letters, digits or hyphens, starting with a letter", name)
	}
	if b.events[name] {
		c.Add(field+".name", "must be unique among this bucket's events", name)
	}
	if n := len(b.name) + 1 + len(name); n > maxRuleName-autoSuffixLength {
		c.Add(field+".name", fmt.Sprintf("makes the rule name %q %d characters; bucket and event names together must be at most %d to auto-name the rule", b.name+"-"+name, n, maxRuleName-autoSuffixLength-1), name)
	}
	if a.Prefix != "" {
		if p := prefixProblem(a.Prefix); p != "" {
			c.Add(field+".Prefix", p, a.Prefix)
		}
	}
	if a.Suffix != "" {
		if p := prefixProblem(a.Suffix); p != "" {
			c.Add(field+".Suffix", strings.ReplaceAll(p, "S3 keys have no leading slash", "a suffix cannot hold a key's start"), a.Suffix)
		}
	}
	if len(a.Description) > 512 {
		c.Add(field+".Description", "must be at most 512 characters", len(a.Description))
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	b.events[name] = true

	pattern := b.Name.ApplyT(func(bucket string) (string, error) {
		return Pattern(bucket, detailType, a.Prefix, a.Suffix)
	}).(pulumi.StringOutput)
	desc := a.Description
	if desc == "" {
		desc = fmt.Sprintf("S3 %q events of bucket %s", detailType, b.name)
		if a.Prefix != "" {
			desc += fmt.Sprintf(" under %q", a.Prefix)
		}
		if a.Suffix != "" {
			desc += fmt.Sprintf(" ending %q", a.Suffix)
		}
	}
	ruleArgs := &cloudwatch.EventRuleArgs{
		Description:  pulumi.String(desc),
		EventPattern: pattern,
		Tags:         b.st.TagsFor(b.name),
	}
	transform.Apply(a.Transform.Rule, ruleArgs)
	// The rule waits for the notification configuration: without it S3 sends nothing.
	rule, err := cloudwatch.NewEventRule(b.ctx, b.name+"-"+name, ruleArgs, pulumi.Parent(b), pulumi.DependsOn([]pulumi.Resource{b.Notification}))
	if err != nil {
		return nil, err
	}
	return &Event{Rule: rule, RuleArn: rule.Arn, Pattern: pattern, b: b, name: name, targets: map[string]bool{}}, nil
}

func validSuffixName(s string) bool {
	if s == "" || len(s) > 40 || s[0] < 'a' || s[0] > 'z' || strings.HasSuffix(s, "-") {
		return false
	}
	for _, r := range s {
		if !nameRune(r) {
			return false
		}
	}
	return true
}

func nameRune(r rune) bool { return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' }

// ServicePermitter is a function that admits a service through its own resource policy, such
// as a worker (a lambda.Permission). SendTo calls AllowService with events.amazonaws.com and the
// rule's ARN, and gives EventBridge no role.
type ServicePermitter interface {
	policy.Function
	AllowService(name, servicePrincipal string, sourceArn pulumi.StringInput) error
}

// Delivery says how EventBridge gets permission to deliver to a target.
type Delivery string

// Deliveries.
const (
	// ByPermission: the target admitted EventBridge itself (ServicePermitter).
	ByPermission Delivery = "permission"
	// ByResourcePolicy: the target's own resource policy must admit events.amazonaws.com with
	// aws:SourceArn equal to the rule's ARN (SQS queues and SNS topics: EventBridge cannot use a
	// role for them). SendTo creates nothing for it.
	ByResourcePolicy Delivery = "resource-policy"
	// ByRole: a role for events.amazonaws.com holding the target's DeliverStatements (Step
	// Functions state machines and every other target).
	ByRole Delivery = "role"
)

// DeliveryOf says how EventBridge must be allowed to deliver to t: a ServicePermitter by
// permission; a policy.Queue by its resource policy; any other target whose DeliverStatements
// hold sqs: or sns: actions and otherwise only kms: actions (an SNS topic, encrypted or not) by
// its resource policy; anything else by role.
func DeliveryOf(t policy.Target) Delivery {
	switch t.(type) {
	case ServicePermitter:
		return ByPermission
	case policy.Queue:
		return ByResourcePolicy
	}
	// KMS actions go with an encrypted queue or topic; they belong in the key's policy then.
	service := false
	for _, s := range t.DeliverStatements() {
		for _, act := range s.Actions {
			switch {
			case strings.HasPrefix(act, "sqs:"), strings.HasPrefix(act, "sns:"):
				service = true
			case strings.HasPrefix(act, "kms:"):
			default:
				return ByRole
			}
		}
	}
	if service {
		return ByResourcePolicy
	}
	return ByRole
}

// TargetArgs configure one target of an event rule.
type TargetArgs struct {
	// Name distinguishes the targets of one event; zero means "target". Lowercase letters, digits
	// and hyphens, starting with a letter.
	Name string
	// DeadLetterQueueArn is an SQS queue receiving events EventBridge could not deliver; nil means
	// they are dropped after the retries. The queue's policy must admit events.amazonaws.com from
	// the rule's ARN.
	DeadLetterQueueArn pulumi.StringInput
	// MaxRetries is how many times EventBridge retries a failed delivery; zero means 185
	// (EventBridge's default). 0..185; set NoRetries for none.
	MaxRetries int
	// NoRetries turns retries off.
	NoRetries bool
	// MaxEventAge is how long EventBridge keeps retrying an event; zero means 24h. 1m..24h, whole
	// seconds.
	MaxEventAge time.Duration
	// AdmittedElsewhere says the target's resource policy admits the rule by means SendTo cannot
	// see (a policy written by hand); zero means SendTo asks a policy.Queue target
	// (AdmitsService), such as a skein queue, and fails when it does not admit the rule.
	AdmittedElsewhere bool
	// MessageGroupId is the message group of every event sent to a FIFO queue target (1..128
	// characters); required when the target is a FIFO policy.Queue, otherwise zero.
	MessageGroupId string
	// Transform changes the target's (and role's) arguments right before they are created.
	Transform TargetTransform
}

// TargetTransform holds the hooks of one delivery, each applied right before its child is
// created. The role's inline policy ("<...>-role-deliver") has no hook: use pulumi.Transforms.
type TargetTransform struct {
	// Target is the EventBridge target ("<bucket>-<event>-<target name>").
	Target func(*cloudwatch.EventTargetArgs)
	// Role is the role EventBridge assumes ("<bucket>-<event>-<target name>-role"), for ByRole
	// deliveries.
	Role func(*iam.RoleArgs)
}

// Target is one connection from an event rule to a target.
type Target struct {
	// Delivery says how EventBridge is allowed to deliver.
	Delivery Delivery
	// Target is the EventBridge target.
	Target *cloudwatch.EventTarget
	// Role is the role EventBridge assumes (ByRole), or nil.
	Role *iam.Role
}

// withDefaults returns a copy of the arguments with every default applied: the one place
// defaults live.
func (a TargetArgs) withDefaults() TargetArgs {
	a.Name = cmp.Or(a.Name, "target")
	a.MaxEventAge = cmp.Or(a.MaxEventAge, DefaultMaxEventAge)
	if a.MaxRetries == 0 && !a.NoRetries {
		a.MaxRetries = DefaultMaxRetries
	}
	return a
}

// SendTo delivers the rule's events to t, with retries and an optional dead-letter queue. It
// creates "<bucket>-<event>-<target name>" (the EventTarget) and, for ByRole targets, a role
// "<...>-role" that only events.amazonaws.com can assume, only for this rule (aws:SourceArn) and
// account (aws:SourceAccount), holding t's DeliverStatements. A ServicePermitter is asked to admit
// events.amazonaws.com from the rule. A queue target must already admit it (see ByResourcePolicy).
func (e *Event) SendTo(t policy.Target, args *TargetArgs) (*Target, error) {
	if args == nil {
		args = &TargetArgs{}
	}
	a := args.withDefaults()
	b := e.b
	c := check.New("bucket", b.name)
	field := "OnObject(" + e.name + ").SendTo(" + a.Name + ")"
	if policy.IsNil(t) {
		c.Add(field, "needs a target", nil)
		t = nil
	}
	if !validSuffixName(a.Name) {
		c.Add(field+".Name", "must be 1..40 lowercase letters, digits or hyphens, starting with a letter", a.Name)
	}
	if e.targets[a.Name] {
		c.Add(field+".Name", "must be unique among this event's targets (set TargetArgs.Name)", a.Name)
	}
	if len(e.targets) >= MaxTargetsPerRule {
		c.Add(field, fmt.Sprintf("exceeds EventBridge's %d targets per rule", MaxTargetsPerRule), len(e.targets)+1)
	}
	c.Int(field+".MaxRetries", a.MaxRetries, 0, MaxRetries)
	if a.NoRetries && a.MaxRetries != 0 {
		c.Add(field+".MaxRetries", "must be zero with NoRetries", a.MaxRetries)
	}
	c.Duration(field+".MaxEventAge", a.MaxEventAge, MinEventAge, MaxEventAge, time.Second)
	if n := len(a.MessageGroupId); n > maxMessageGroupId {
		c.Add(field+".MessageGroupId", fmt.Sprintf("must be at most %d characters", maxMessageGroupId), n)
	}
	child := b.name + "-" + e.name + "-" + a.Name
	var delivery Delivery
	if t != nil {
		delivery = DeliveryOf(t)
		if delivery == ByRole && len(child)+len("-role") > maxRoleName-autoSuffixLength {
			c.Add(field+".Name", fmt.Sprintf("makes the role name %q too long to auto-name (at most %d characters)", child+"-role", maxRoleName-autoSuffixLength), a.Name)
		}
		if delivery == ByRole {
			if err := (policy.Document{Statements: t.DeliverStatements()}).Validate(); err != nil {
				c.Add(field, "has DeliverStatements skein will not attach: "+err.Error(), nil)
			}
		}
		q, isQueue := t.(policy.Queue)
		if isQueue && !a.AdmittedElsewhere && !q.AdmitsService("events.amazonaws.com", e.RuleArn) {
			c.Add(field, "needs the queue to admit events.amazonaws.com from this rule: add queue.Sender{Service: \"events.amazonaws.com\", SourceArn: <event>.RuleArn} to its QueueArgs.Senders (or set AdmittedElsewhere)", nil)
		}
		if isQueue && q.Fifo() && a.MessageGroupId == "" {
			c.Add(field+".MessageGroupId", "is required for a FIFO queue target (1..128 characters)", a.MessageGroupId)
		}
		if a.MessageGroupId != "" && delivery != ByResourcePolicy {
			c.Add(field+".MessageGroupId", "is only valid for a queue target", a.MessageGroupId)
		}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	e.targets[a.Name] = true

	ctx, parent := b.ctx, pulumi.Parent(b)
	out := &Target{Delivery: delivery}
	deps := []pulumi.Resource{}
	switch delivery {
	case ByPermission:
		if err := t.(ServicePermitter).AllowService(child, "events.amazonaws.com", e.RuleArn); err != nil {
			return nil, err
		}
	case ByRole:
		acct, err := b.st.Account(ctx)
		if err != nil {
			return nil, err
		}
		trust := policy.Document{Statements: []policy.Statement{{
			Principals: []policy.Principal{policy.Service("events.amazonaws.com")},
			Actions:    []string{"sts:AssumeRole"},
			Conditions: []policy.Condition{
				{Test: "StringEquals", Variable: "aws:SourceAccount", Values: policy.Strings(acct)},
				{Test: "ArnEquals", Variable: "aws:SourceArn", Values: []pulumi.StringInput{e.RuleArn}},
			},
		}}}
		roleArgs := &iam.RoleArgs{
			Description:      pulumi.Sprintf("EventBridge delivery of %s events of bucket %s to %s", e.name, b.name, a.Name),
			AssumeRolePolicy: trust.Json(),
			Tags:             b.st.TagsFor(b.name),
		}
		transform.Apply(a.Transform.Role, roleArgs)
		role, err := iam.NewRole(ctx, child+"-role", roleArgs, parent)
		if err != nil {
			return nil, err
		}
		out.Role = role
		// Created here rather than through a policy.Grantee so that the target can wait for it.
		rp, err := iam.NewRolePolicy(ctx, child+"-role-deliver", &iam.RolePolicyArgs{
			Role:   role.Name,
			Policy: policy.Document{Statements: t.DeliverStatements()}.Json(),
		}, parent)
		if err != nil {
			return nil, err
		}
		deps = append(deps, role, rp)
	}

	targetArgs := &cloudwatch.EventTargetArgs{
		Rule: e.Rule.Name,
		Arn:  t.TargetArn(),
		RetryPolicy: &cloudwatch.EventTargetRetryPolicyArgs{
			MaximumRetryAttempts:     pulumi.Int(a.MaxRetries),
			MaximumEventAgeInSeconds: pulumi.Int(int(a.MaxEventAge / time.Second)),
		},
	}
	if out.Role != nil {
		targetArgs.RoleArn = out.Role.Arn
	}
	if a.DeadLetterQueueArn != nil {
		targetArgs.DeadLetterConfig = &cloudwatch.EventTargetDeadLetterConfigArgs{Arn: a.DeadLetterQueueArn.ToStringOutput().ToStringPtrOutput()}
	}
	if a.MessageGroupId != "" {
		targetArgs.SqsTarget = &cloudwatch.EventTargetSqsTargetArgs{MessageGroupId: pulumi.String(a.MessageGroupId)}
	}
	transform.Apply(a.Transform.Target, targetArgs)
	tgt, err := cloudwatch.NewEventTarget(ctx, child, targetArgs, parent, pulumi.DependsOn(deps))
	if err != nil {
		return nil, err
	}
	out.Target = tgt
	return out, nil
}
