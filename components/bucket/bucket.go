package bucket

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/transform"
	"github.com/skeinhq/skein/components/policy"
	"github.com/skeinhq/skein/components/stage"
)

// Type is the component's type token.
const Type = "skein:aws:Bucket"

// Encryption selects the bucket's default encryption.
type Encryption string

// Encryptions.
const (
	// SseS3 is server-side encryption with S3 managed keys (AES256). The default.
	SseS3 Encryption = "SSE-S3"
	// SseKms is server-side encryption with a KMS key and an S3 Bucket Key, which cuts KMS requests
	// (and their cost) by using a bucket-level data key.
	SseKms Encryption = "SSE-KMS"
)

// Defaults and limits of the lifecycle rules.
const (
	// DefaultAbortIncompleteUploadDays is how long an unfinished multipart upload may sit.
	DefaultAbortIncompleteUploadDays = 7
	// DefaultNoncurrentDays is how long a replaced or deleted version is kept outside production.
	DefaultNoncurrentDays = 30
	// DefaultProductionNoncurrentDays is the same in production stages.
	DefaultProductionNoncurrentDays = 90
	// MaxLifecycleDays bounds every day count (100 years); S3 documents no upper limit.
	MaxLifecycleDays = 36500
	// MaxNoncurrentVersionsToKeep is S3's limit on NewerNoncurrentVersions.
	MaxNoncurrentVersionsToKeep = 100
	// MaxLifecycleRules is S3's limit of rules in one lifecycle configuration.
	MaxLifecycleRules = 1000
)

// BucketArgs configure a Bucket. The zero value is a private, encrypted, versioned bucket with
// every control on.
type BucketArgs struct {
	// Stage supplies tags, protection and production defaults; nil means stage.Load from config.
	Stage *stage.Stage

	// Name is the bucket's physical name. Zero means Pulumi auto-names it from the component
	// name plus a random suffix, so that stages never collide; set it only when something outside
	// this program needs a fixed name. It is checked against S3's naming rules.
	Name string

	// Encryption is the default encryption; zero means SSE-S3.
	Encryption Encryption
	// KmsKeyArn is the key for SSE-KMS; nil means the component creates a customer managed key
	// with yearly rotation. Only valid with SSE-KMS.
	KmsKeyArn pulumi.StringInput

	// Unversioned turns versioning off; zero means versioning on. Turning it off on an existing
	// bucket suspends versioning (S3 cannot unversion a bucket).
	Unversioned bool
	// NoncurrentDays is how many days a replaced or deleted object version is kept before it
	// expires; zero means 30, or 90 in production stages. 1..36500.
	NoncurrentDays int
	// NoncurrentVersionsToKeep is how many noncurrent versions survive the expiry regardless of
	// age; zero means none. 0..100.
	NoncurrentVersionsToKeep int
	// RetainNoncurrentVersions keeps noncurrent versions forever; zero means they expire after
	// NoncurrentDays.
	RetainNoncurrentVersions bool
	// AbortIncompleteUploadDays is how many days an unfinished multipart upload may sit before S3
	// deletes its parts; zero means 7. 1..36500.
	AbortIncompleteUploadDays int
	// Expirations expire current objects under key prefixes; zero means objects never expire.
	Expirations []Expiration

	// AccessLogs, when not nil, turns on S3 server access logging into another bucket.
	AccessLogs *AccessLogs
	// ReceivesAccessLogs lets the S3 logging service write server access logs of other buckets
	// of this account into this bucket; zero means it cannot. Requires SSE-S3: S3 cannot deliver
	// server access logs to a bucket encrypted with SSE-KMS.
	ReceivesAccessLogs bool

	// PolicyStatements are added to the bucket policy after skein's guards. Statements without
	// Resources apply to the bucket and every object in it. Each needs a principal.
	PolicyStatements []policy.Statement

	// RetainObjects keeps forceDestroy off outside production too, so that deleting the stack
	// fails while the bucket holds objects; zero means non-production buckets are emptied on
	// destroy. Production stages always keep forceDestroy off and protect the bucket.
	RetainObjects bool

	// Transform changes child resource arguments right before they are created.
	Transform Transform
}

// Expiration expires current object versions under a key prefix.
type Expiration struct {
	// Prefix is the object key prefix, such as "tmp/"; required.
	Prefix string
	// Days is the age in days at which objects expire; 1..36500.
	Days int
}

// AccessLogs configure S3 server access logging.
type AccessLogs struct {
	// Bucket is the name of the bucket receiving the logs (for a skein bucket, its Name output;
	// that bucket needs ReceivesAccessLogs). Required.
	Bucket pulumi.StringInput
	// Prefix is the key prefix of the log objects; zero means the component name and "/".
	Prefix string
}

// Transform holds one optional hook per child resource, applied right before the child is
// created, after skein's choices. Hooks may change anything; skein does not re-validate what they
// set. A nil hook leaves the child as skein built it.
// For a child without a hook, or to change resource options rather than arguments, pass
// pulumi.Transforms (or pulumi.Transformations) in the component's options: they reach every
// child.
type Transform struct {
	// Bucket is the S3 bucket ("<bucket>").
	Bucket func(*s3.BucketV2Args)
	// PublicAccessBlock is the bucket's public access block ("<bucket>-public-access-block").
	PublicAccessBlock func(*s3.BucketPublicAccessBlockArgs)
	// OwnershipControls turn ACLs off ("<bucket>-ownership").
	OwnershipControls func(*s3.BucketOwnershipControlsArgs)
	// Key is the customer managed KMS key ("<bucket>-key"), with SSE-KMS and no KmsKeyArn.
	Key func(*kms.KeyArgs)
	// Encryption is the default encryption configuration ("<bucket>-encryption").
	Encryption func(*s3.BucketServerSideEncryptionConfigurationV2Args)
	// Versioning is the versioning configuration ("<bucket>-versioning"), unless Unversioned.
	Versioning func(*s3.BucketVersioningV2Args)
	// Lifecycle is the lifecycle configuration ("<bucket>-lifecycle").
	Lifecycle func(*s3.BucketLifecycleConfigurationV2Args)
	// Logging is the server access logging configuration ("<bucket>-logging"), with AccessLogs.
	Logging func(*s3.BucketLoggingV2Args)
	// Policy is the bucket's only bucket policy ("<bucket>-policy").
	Policy func(*s3.BucketPolicyArgs)
	// Notification is the notification configuration sending events to EventBridge
	// ("<bucket>-notifications").
	Notification func(*s3.BucketNotificationArgs)
}

// Bucket is an S3 bucket with every control on (the package documentation lists them).
type Bucket struct {
	pulumi.ResourceState

	// Name is the bucket's name.
	Name pulumi.StringOutput `pulumi:"name"`
	// Arn is the bucket's ARN.
	Arn pulumi.StringOutput `pulumi:"arn"`
	// DomainName is the bucket's regional domain name.
	DomainName pulumi.StringOutput `pulumi:"domainName"`
	// KeyArn is the KMS key's ARN with SSE-KMS, or "".
	KeyArn pulumi.StringOutput `pulumi:"keyArn"`

	// Bucket is the underlying bucket.
	Bucket *s3.BucketV2
	// Key is the KMS key the component created, or nil.
	Key *kms.Key
	// PublicAccessBlock blocks every form of public access.
	PublicAccessBlock *s3.BucketPublicAccessBlock
	// OwnershipControls turns ACLs off (BucketOwnerEnforced).
	OwnershipControls *s3.BucketOwnershipControls
	// Encryption is the default encryption configuration.
	Encryption *s3.BucketServerSideEncryptionConfigurationV2
	// Versioning is the versioning configuration, or nil when Unversioned.
	Versioning *s3.BucketVersioningV2
	// Lifecycle is the lifecycle configuration.
	Lifecycle *s3.BucketLifecycleConfigurationV2
	// Logging is the server access logging configuration, or nil.
	Logging *s3.BucketLoggingV2
	// Policy is the bucket's only bucket policy.
	Policy *s3.BucketPolicy
	// Notification sends every event of the bucket to EventBridge.
	Notification *s3.BucketNotification

	ctx        *pulumi.Context
	name       string
	st         *stage.Stage
	encryption Encryption
	keyArn     pulumi.StringInput
	events     map[string]bool
}

var _ pulumi.ComponentResource = (*Bucket)(nil)

// withDefaults returns a copy of the arguments with every default applied: the one place
// defaults live. st is nil while the stage is not known (its defaults are then left out).
func (a BucketArgs) withDefaults(name string, st *stage.Stage) BucketArgs {
	a.Encryption = cmp.Or(a.Encryption, SseS3)
	if a.NoncurrentDays == 0 {
		a.NoncurrentDays = DefaultNoncurrentDays
		if st != nil && st.Production {
			a.NoncurrentDays = DefaultProductionNoncurrentDays
		}
	}
	a.AbortIncompleteUploadDays = cmp.Or(a.AbortIncompleteUploadDays, DefaultAbortIncompleteUploadDays)
	if a.AccessLogs != nil {
		l := *a.AccessLogs
		if l.Prefix == "" {
			l.Prefix = name + "/"
		}
		a.AccessLogs = &l
	}
	return a
}

// validate checks every plain value and reports every problem at once.
func validate(name string, a BucketArgs) error {
	c := check.New("bucket", name)
	if name == "" {
		c.Add("name", "must not be empty", nil)
	}
	if a.Name != "" {
		for _, p := range NameProblems(a.Name) {
			c.Add("Name", p+" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)", a.Name)
		}
	} else if name != "" {
		for _, p := range autoNameProblems(name) {
			c.Add("name", p+" when the bucket is auto-named from it (or set Name)", name)
		}
	}
	c.OneOf("Encryption", string(a.Encryption), string(SseS3), string(SseKms))
	if a.KmsKeyArn != nil && a.Encryption != SseKms {
		c.Add("KmsKeyArn", "is only valid with Encryption SSE-KMS", a.Encryption)
	}
	c.Int("NoncurrentDays", a.NoncurrentDays, 1, MaxLifecycleDays)
	c.Int("NoncurrentVersionsToKeep", a.NoncurrentVersionsToKeep, 0, MaxNoncurrentVersionsToKeep)
	c.Int("AbortIncompleteUploadDays", a.AbortIncompleteUploadDays, 1, MaxLifecycleDays)
	if a.Unversioned && a.NoncurrentVersionsToKeep > 0 {
		c.Add("NoncurrentVersionsToKeep", "needs versioning (Unversioned is true)", a.NoncurrentVersionsToKeep)
	}
	if a.Unversioned && a.RetainNoncurrentVersions {
		c.Add("RetainNoncurrentVersions", "needs versioning (Unversioned is true)", a.RetainNoncurrentVersions)
	}
	seen := map[string]int{}
	for i, e := range a.Expirations {
		f := fmt.Sprintf("Expirations[%d]", i)
		if p := prefixProblem(e.Prefix); p != "" {
			c.Add(f+".Prefix", p, e.Prefix)
		}
		c.Int(f+".Days", e.Days, 1, MaxLifecycleDays)
		if j, dup := seen[e.Prefix]; dup {
			c.Add(f+".Prefix", fmt.Sprintf("must be unique (Expirations[%d] has the same prefix)", j), e.Prefix)
		}
		seen[e.Prefix] = i
	}
	if n := len(a.Expirations) + 2; n > MaxLifecycleRules {
		c.Add("Expirations", fmt.Sprintf("must hold at most %d rules (S3 allows %d lifecycle rules, skein uses 2)", MaxLifecycleRules-2, MaxLifecycleRules), len(a.Expirations))
	}
	if l := a.AccessLogs; l != nil {
		if l.Bucket == nil {
			c.Add("AccessLogs.Bucket", "is required (the name of the bucket receiving the logs)", nil)
		}
		if p := prefixProblem(l.Prefix); p != "" {
			c.Add("AccessLogs.Prefix", p, l.Prefix)
		}
	}
	if a.ReceivesAccessLogs && a.Encryption == SseKms {
		c.Add("ReceivesAccessLogs", "requires Encryption SSE-S3: S3 cannot deliver server access logs to an SSE-KMS bucket (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html)", a.Encryption)
	}
	for i, s := range a.PolicyStatements {
		f := fmt.Sprintf("PolicyStatements[%d]", i)
		if len(s.Principals) == 0 {
			c.Add(f+".Principals", "must name at least one principal (a bucket policy is a resource policy)", nil)
		}
		everyone := false
		for _, p := range s.Principals {
			everyone = everyone || p.Type == "*"
		}
		if everyone && s.Effect != policy.Deny && len(s.Conditions) == 0 && len(s.Raw) == 0 {
			c.Add(f, "must not Allow everyone without conditions: Block Public Access rejects public bucket policies", s.Sid)
		}
		for _, act := range s.Actions {
			if !strings.HasPrefix(act, "s3:") {
				c.Add(f+".Actions", `must hold only "s3:" actions in a bucket policy`, act)
			}
		}
		st := s
		if len(st.Resources) == 0 {
			st.Resources = policy.Strings("arn:aws:s3:::placeholder")
		}
		if err := (policy.Document{Statements: []policy.Statement{st}}).Validate(); err != nil {
			c.Add(f, err.Error(), nil)
		}
	}
	return c.Err()
}

// NewBucket creates a bucket with every control on. It validates every argument first and
// creates nothing when one is wrong.
func NewBucket(ctx *pulumi.Context, name string, args *BucketArgs, opts ...pulumi.ResourceOption) (*Bucket, error) {
	var given *stage.Stage
	if args != nil {
		given = args.Stage
	}
	// Validation that does not depend on the stage runs before the stage loads, so that bad
	// arguments and a bad stage are reported together.
	if args == nil {
		args = &BucketArgs{}
	}
	pre := args.withDefaults(name, nil)
	st, stErr := stage.FromContext(ctx, given)
	a := pre
	if st != nil {
		a = args.withDefaults(name, st)
	}
	if err := errors.Join(validate(name, a), stErr); err != nil {
		return nil, err
	}

	b := &Bucket{ctx: ctx, name: name, st: st, encryption: a.Encryption, events: map[string]bool{}}
	if err := ctx.RegisterComponentResource(Type, name, b, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(b)
	tags := st.TagsFor(name)

	bucketArgs := &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(!st.Production && !a.RetainObjects),
		Tags:         tags,
	}
	if a.Name != "" {
		bucketArgs.Bucket = pulumi.String(a.Name)
	}
	transform.Apply(a.Transform.Bucket, bucketArgs)
	bkt, err := s3.NewBucketV2(ctx, name, bucketArgs, append([]pulumi.ResourceOption{parent}, st.Protect()...)...)
	if err != nil {
		return nil, err
	}
	b.Bucket = bkt
	b.Name, b.Arn, b.DomainName = bkt.Bucket, bkt.Arn, bkt.BucketRegionalDomainName

	pabArgs := &s3.BucketPublicAccessBlockArgs{
		Bucket:                bkt.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}
	transform.Apply(a.Transform.PublicAccessBlock, pabArgs)
	if b.PublicAccessBlock, err = s3.NewBucketPublicAccessBlock(ctx, name+"-public-access-block", pabArgs, parent); err != nil {
		return nil, err
	}

	ownArgs := &s3.BucketOwnershipControlsArgs{
		Bucket: bkt.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}
	transform.Apply(a.Transform.OwnershipControls, ownArgs)
	if b.OwnershipControls, err = s3.NewBucketOwnershipControls(ctx, name+"-ownership", ownArgs, parent); err != nil {
		return nil, err
	}

	if err := b.encrypt(a, tags); err != nil {
		return nil, err
	}

	var lifecycleDeps []pulumi.Resource
	if !a.Unversioned {
		verArgs := &s3.BucketVersioningV2Args{
			Bucket:                  bkt.ID(),
			VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
		}
		transform.Apply(a.Transform.Versioning, verArgs)
		if b.Versioning, err = s3.NewBucketVersioningV2(ctx, name+"-versioning", verArgs, parent); err != nil {
			return nil, err
		}
		lifecycleDeps = append(lifecycleDeps, b.Versioning)
	}

	lcArgs := &s3.BucketLifecycleConfigurationV2Args{Bucket: bkt.ID(), Rules: lifecycleRules(a)}
	transform.Apply(a.Transform.Lifecycle, lcArgs)
	if b.Lifecycle, err = s3.NewBucketLifecycleConfigurationV2(ctx, name+"-lifecycle", lcArgs, parent, pulumi.DependsOn(lifecycleDeps)); err != nil {
		return nil, err
	}

	if l := a.AccessLogs; l != nil {
		logArgs := &s3.BucketLoggingV2Args{
			Bucket:       bkt.ID(),
			TargetBucket: l.Bucket,
			TargetPrefix: pulumi.String(l.Prefix),
			TargetObjectKeyFormat: &s3.BucketLoggingV2TargetObjectKeyFormatArgs{
				PartitionedPrefix: &s3.BucketLoggingV2TargetObjectKeyFormatPartitionedPrefixArgs{PartitionDateSource: pulumi.String("EventTime")},
			},
		}
		transform.Apply(a.Transform.Logging, logArgs)
		if b.Logging, err = s3.NewBucketLoggingV2(ctx, name+"-logging", logArgs, parent); err != nil {
			return nil, err
		}
	}

	doc, err := b.policyDocument(a)
	if err != nil {
		return nil, err
	}
	polArgs := &s3.BucketPolicyArgs{Bucket: bkt.ID(), Policy: doc.Json()}
	transform.Apply(a.Transform.Policy, polArgs)
	// S3 evaluates a new policy against Block Public Access, so the block must exist first.
	if b.Policy, err = s3.NewBucketPolicy(ctx, name+"-policy", polArgs, parent,
		pulumi.DependsOn([]pulumi.Resource{b.PublicAccessBlock, b.OwnershipControls})); err != nil {
		return nil, err
	}

	notArgs := &s3.BucketNotificationArgs{Bucket: bkt.ID(), Eventbridge: pulumi.Bool(true)}
	transform.Apply(a.Transform.Notification, notArgs)
	if b.Notification, err = s3.NewBucketNotification(ctx, name+"-notifications", notArgs, parent); err != nil {
		return nil, err
	}

	if err := stage.RegisterOutputs(ctx, b, pulumi.Map{
		"name":       b.Name,
		"arn":        b.Arn,
		"domainName": b.DomainName,
		"keyArn":     b.KeyArn,
	}); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *Bucket) encrypt(a BucketArgs, tags pulumi.StringMap) error {
	ctx, name, parent := b.ctx, b.name, pulumi.Parent(b)
	byDefault := &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
		SseAlgorithm: pulumi.String("AES256"),
	}
	rule := s3.BucketServerSideEncryptionConfigurationV2RuleArgs{ApplyServerSideEncryptionByDefault: byDefault}
	b.KeyArn = pulumi.String("").ToStringOutput()
	if a.Encryption == SseKms {
		keyArn := a.KmsKeyArn
		if keyArn == nil {
			window := 7
			if b.st.Production {
				window = 30
			}
			keyArgs := &kms.KeyArgs{
				Description:          pulumi.Sprintf("skein bucket %s (%s): default encryption", name, b.st.Name),
				EnableKeyRotation:    pulumi.Bool(true),
				DeletionWindowInDays: pulumi.Int(window),
				Tags:                 tags,
			}
			transform.Apply(a.Transform.Key, keyArgs)
			key, err := kms.NewKey(ctx, name+"-key", keyArgs, append([]pulumi.ResourceOption{parent}, b.st.Protect()...)...)
			if err != nil {
				return err
			}
			b.Key = key
			keyArn = key.Arn
		}
		b.keyArn = keyArn
		b.KeyArn = keyArn.ToStringOutput()
		byDefault.SseAlgorithm = pulumi.String("aws:kms")
		byDefault.KmsMasterKeyId = keyArn.ToStringOutput().ToStringPtrOutput()
		rule.BucketKeyEnabled = pulumi.Bool(true)
	}
	encArgs := &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: b.Bucket.ID(),
		Rules:  s3.BucketServerSideEncryptionConfigurationV2RuleArray{rule},
	}
	transform.Apply(a.Transform.Encryption, encArgs)
	var err error
	b.Encryption, err = s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name+"-encryption", encArgs, parent)
	return err
}

// lifecycleRules returns skein's rules: abort incomplete multipart uploads, expire noncurrent
// versions (and the delete markers they leave), and one expiry per configured prefix.
func lifecycleRules(a BucketArgs) s3.BucketLifecycleConfigurationV2RuleArray {
	wholeBucket := &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")}
	rules := s3.BucketLifecycleConfigurationV2RuleArray{
		s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("abort-incomplete-multipart-uploads"),
			Status: pulumi.String("Enabled"),
			Filter: wholeBucket,
			AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(a.AbortIncompleteUploadDays),
			},
		},
	}
	if !a.Unversioned && !a.RetainNoncurrentVersions {
		nve := &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(a.NoncurrentDays)}
		if a.NoncurrentVersionsToKeep > 0 {
			nve.NewerNoncurrentVersions = pulumi.Int(a.NoncurrentVersionsToKeep)
		}
		rules = append(rules, s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:                          pulumi.String("expire-noncurrent-versions"),
			Status:                      pulumi.String("Enabled"),
			Filter:                      wholeBucket,
			NoncurrentVersionExpiration: nve,
			Expiration:                  &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{ExpiredObjectDeleteMarker: pulumi.Bool(true)},
		})
	}
	for _, e := range a.Expirations {
		rules = append(rules, s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:         pulumi.String(ruleID("expire-", e.Prefix)),
			Status:     pulumi.String("Enabled"),
			Filter:     &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String(e.Prefix)},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(e.Days)},
		})
	}
	return rules
}

// ruleID is a lifecycle rule id (at most 255 characters) naming the prefix it applies to.
func ruleID(kind, prefix string) string {
	id := kind + prefix
	if len(id) <= 255 {
		return id
	}
	sum := sha256.Sum256([]byte(prefix))
	return id[:255-9] + "-" + hex.EncodeToString(sum[:])[:8]
}

// policyDocument is the bucket's only policy: the TLS guards, the log delivery grant when asked,
// then the user's statements.
func (b *Bucket) policyDocument(a BucketArgs) (policy.Document, error) {
	both := []pulumi.StringInput{b.Arn, pulumi.Sprintf("%s/*", b.Arn)}
	// The same guard denies TLS older than 1.2.
	outdated := policy.DenyInsecureTransport("s3", both...)
	outdated.Sid = "DenyOutdatedTLS"
	outdated.Conditions = []policy.Condition{{Test: "NumericLessThan", Variable: "s3:TlsVersion", Values: policy.Strings("1.2")}}
	stmts := []policy.Statement{policy.DenyInsecureTransport("s3", both...), outdated}
	if a.ReceivesAccessLogs {
		acct, err := b.st.Account(b.ctx)
		if err != nil {
			return policy.Document{}, err
		}
		stmts = append(stmts, policy.Statement{
			Sid:        "AllowServerAccessLogDelivery",
			Principals: []policy.Principal{policy.Service("logging.s3.amazonaws.com")},
			Actions:    []string{"s3:PutObject"},
			Resources:  []pulumi.StringInput{pulumi.Sprintf("%s/*", b.Arn)},
			Conditions: []policy.Condition{{Test: "StringEquals", Variable: "aws:SourceAccount", Values: policy.Strings(acct)}},
		})
	}
	for _, s := range a.PolicyStatements {
		if len(s.Resources) == 0 {
			s.Resources = both
		}
		stmts = append(stmts, s)
	}
	return policy.Document{Statements: stmts}, nil
}
