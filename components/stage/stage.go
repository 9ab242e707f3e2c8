package stage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/planhook"
	"github.com/skeinhq/skein/components/schedule/cron"
)

// Namespace is the Pulumi config namespace of stage settings.
const Namespace = "skein"

// Config keys, without the namespace.
const (
	KeyProduction       = "production"
	KeyLogRetentionDays = "logRetentionDays"
	KeyTimeZone         = "timeZone"
	KeyAlarmTopicArn    = "alarmTopicArn"
	KeyTags             = "tags"
	KeyAccountId        = "accountId"
	KeyNamePrefix       = "namePrefix"
	KeyLogGroupPrefix   = "logGroupPrefix"
	KeyTagNamespace     = "tagNamespace"
)

// regionRe is the shape of every AWS region code (eu-west-1, ap-southeast-7, us-gov-west-1,
// cn-north-1); it catches typos such as "eu-west1" before they end up in every ARN.
var regionRe = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

var knownKeys = []string{KeyProduction, KeyLogRetentionDays, KeyTimeZone, KeyAlarmTopicArn, KeyTags, KeyAccountId, KeyNamePrefix, KeyLogGroupPrefix, KeyTagNamespace}

// awsProviderKeys are the config keys of the AWS provider (pulumi-aws v6's config package); any
// other aws: key is a typo.
var awsProviderKeys = []string{
	"accessKey", "allowedAccountIds", "assumeRole", "assumeRoleWithWebIdentity", "customCaBundle", "defaultTags",
	"ec2MetadataServiceEndpoint", "ec2MetadataServiceEndpointMode", "endpoints", "forbiddenAccountIds", "httpProxy",
	"httpsProxy", "ignoreTags", "insecure", "maxRetries", "noProxy", "profile", "region", "retryMode",
	"s3UsEast1RegionalEndpoint", "s3UsePathStyle", "secretKey", "sharedConfigFiles", "sharedCredentialsFiles",
	"skipCredentialsValidation", "skipMetadataApiCheck", "skipRegionValidation", "skipRequestingAccountId", "stsRegion",
	"token", "tokenBucketRateLimiterCapacity", "useDualstackEndpoint", "useFipsEndpoint",
}

// AwsProviderKeys returns the AWS provider's config keys, without the aws: namespace: Load
// reports any other aws: key as a typo.
func AwsProviderKeys() []string { return append([]string(nil), awsProviderKeys...) }

// Keys returns the stage settings' keys, without a namespace. They are read under skein: and
// under the project's own namespace.
func Keys() []string { return append([]string(nil), knownKeys...) }

var (
	namePrefixRe     = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,40}$`)
	logGroupPrefixRe = regexp.MustCompile(`^[a-zA-Z0-9_./#-]{1,400}$`)
	tagNamespaceRe   = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,64}$`)
)

// RetentionDays returns the values CloudWatch Logs accepts for a log group's retention (a fresh
// slice).
// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
func RetentionDays() []int {
	return []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
}

// Stage is one deployment of a project: its name, region and the defaults that follow from it.
type Stage struct {
	// Project is the Pulumi project name.
	Project string
	// Name is the stage (the Pulumi stack name): dev, prod...
	Name string
	// Region is the AWS region (aws:region); required.
	Region string
	// Partition is aws, aws-cn or aws-us-gov, derived from Region.
	Partition string
	// AccountId is used in ARNs and confused-deputy conditions; empty means the account of the
	// credentials, which components then read through aws:getCallerIdentity.
	AccountId string
	// Production selects the safer defaults.
	Production bool
	// LogRetentionDays is the retention of every log group skein creates.
	LogRetentionDays int
	// TimeZone is the IANA time zone schedules run in.
	TimeZone string
	// AlarmTopicArn, when set, receives every alarm skein creates.
	AlarmTopicArn string
	// Tags are added to every taggable resource.
	Tags map[string]string
	// NamePrefix starts the physical names skein chooses because AWS makes it (state machines
	// and their log groups): "<NamePrefix>-<name>". Zero means "<Project>-<Name>". Allowed 1..40
	// letters, digits, - and _. Other resources are auto-named by Pulumi from their logical
	// names (see pulumi:autonaming to change that).
	NamePrefix string
	// LogGroupPrefix starts every worker's log group: "<LogGroupPrefix>/<worker>". Zero means
	// "/skein/<Project>/<Name>". Allowed: CloudWatch Logs' characters (letters, digits, _ - . /
	// #), not ending in /.
	LogGroupPrefix string
	// TagNamespace is the namespace of the tags skein puts on every taggable resource
	// ("<TagNamespace>:project", ":stage", ":component") and of the tag keys Tags may not set.
	// Zero means "skein". Allowed 1..64 letters, digits, _ . and -, not aws.
	TagNamespace string
}

// RegisterOutputs registers a component's outputs and tells the offline plan, when one runs the
// program. Every skein component ends its constructor with it.
func RegisterOutputs(ctx *pulumi.Context, res pulumi.ComponentResource, outs pulumi.Map) error {
	if obs := planhook.From(ctx); obs != nil {
		obs.ComponentOutputs(res, outs)
	}
	return ctx.RegisterResourceOutputs(res, outs)
}

// Load reads and validates the stage from the context's config. It reports every problem at once.
func Load(ctx *pulumi.Context) (*Stage, error) {
	s := &Stage{Project: ctx.Project(), Name: ctx.Stack()}
	c := check.New("stage", ctx.Stack())
	// Every setting is read under skein: and under the project's own namespace (nightly:timeZone
	// in a project named nightly); setting both to different values is an error.
	get := func(k string) (string, bool) {
		v, ok := ctx.GetConfig(Namespace + ":" + k)
		if s.Project == "" || s.Project == Namespace {
			return v, ok
		}
		pv, pok := ctx.GetConfig(s.Project + ":" + k)
		switch {
		case pok && ok && pv != v:
			c.Add(s.Project+":"+k, "must not differ from "+Namespace+":"+k+" ("+strconv.Quote(v)+"): they are the same setting", pv)
		case pok && !ok:
			return pv, true
		}
		return v, ok
	}

	s.Region, _ = ctx.GetConfig("aws:region")
	if s.Region == "" {
		c.Add("aws:region", "is required (pulumi config set aws:region eu-west-1)", nil)
	} else if !regionRe.MatchString(s.Region) {
		c.Add("aws:region", "must be an AWS region code such as eu-west-1 or us-gov-west-1", s.Region)
	}
	s.Partition = PartitionOf(s.Region)
	s.Production = isProductionName(s.Name)
	if v, ok := get(KeyProduction); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			c.Add(Namespace+":"+KeyProduction, "must be true or false", v)
		}
		s.Production = b
	}
	s.LogRetentionDays = 14
	if s.Production {
		s.LogRetentionDays = 365
	}
	if v, ok := get(KeyLogRetentionDays); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			// Reported once here; the default stands in so that validate does not repeat it.
			c.Add(Namespace+":"+KeyLogRetentionDays, "must be a whole number of days, one of "+joinInts(RetentionDays()), v)
		} else {
			s.LogRetentionDays = n
		}
	}
	s.TimeZone = "UTC"
	if v, ok := get(KeyTimeZone); ok {
		s.TimeZone = v
	}
	s.AlarmTopicArn, _ = get(KeyAlarmTopicArn)
	s.AccountId, _ = get(KeyAccountId)
	s.NamePrefix, _ = get(KeyNamePrefix)
	s.LogGroupPrefix, _ = get(KeyLogGroupPrefix)
	s.TagNamespace, _ = get(KeyTagNamespace)
	if v, ok := get(KeyTags); ok {
		if err := json.Unmarshal([]byte(v), &s.Tags); err != nil {
			c.Add(Namespace+":"+KeyTags, "must be an object of strings", v)
		}
	}
	for _, k := range UnknownKeys(ctx, Namespace, knownKeys) {
		c.Add(k, UnknownKeyRule("stage setting", Namespace, knownKeys), nil)
	}
	// The AWS provider ignores keys it does not know: aws:regoin would deploy to whatever region
	// the environment gives.
	for _, k := range UnknownKeys(ctx, "aws", awsProviderKeys) {
		c.Add(k, UnknownKeyRule("setting of the AWS provider (pulumi-aws v6)", "aws", awsProviderKeys), nil)
	}
	c.Join(s.validate()...)
	if err := c.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// Validate checks a Stage built by hand.
func (s *Stage) Validate() error {
	c := check.New("stage", s.Name)
	c.Join(s.validate()...)
	return c.Err()
}

func (s *Stage) validate() []error {
	c := check.New("stage", s.Name)
	if s.Name == "" {
		c.Add("Name", "must not be empty", nil)
	}
	ok := false
	for _, d := range RetentionDays() {
		ok = ok || d == s.LogRetentionDays
	}
	if !ok {
		c.Add(Namespace+":"+KeyLogRetentionDays, "must be one of the values CloudWatch Logs accepts ("+joinInts(RetentionDays())+")", s.LogRetentionDays)
	}
	if _, err := cron.LoadLocation(s.TimeZone); err != nil {
		c.Add(Namespace+":"+KeyTimeZone, "must be an IANA time zone name such as Europe/Paris", s.TimeZone)
	}
	if s.AlarmTopicArn != "" && !strings.HasPrefix(s.AlarmTopicArn, "arn:") {
		c.Add(Namespace+":"+KeyAlarmTopicArn, "must be an SNS topic ARN", s.AlarmTopicArn)
	}
	if s.AccountId != "" && (len(s.AccountId) != 12 || strings.Trim(s.AccountId, "0123456789") != "") {
		c.Add(Namespace+":"+KeyAccountId, "must be 12 digits", s.AccountId)
	}
	if s.NamePrefix != "" && !namePrefixRe.MatchString(s.NamePrefix) {
		c.Add(Namespace+":"+KeyNamePrefix, "must be 1..40 letters, digits, - or _ (it starts state machine names)", s.NamePrefix)
	}
	if s.LogGroupPrefix != "" && (!logGroupPrefixRe.MatchString(s.LogGroupPrefix) || strings.HasSuffix(s.LogGroupPrefix, "/")) {
		c.Add(Namespace+":"+KeyLogGroupPrefix, "must be 1..400 of CloudWatch Logs' characters (letters, digits, _ - . / #), not ending in /", s.LogGroupPrefix)
	}
	if s.TagNamespace != "" && (!tagNamespaceRe.MatchString(s.TagNamespace) || strings.EqualFold(s.TagNamespace, "aws")) {
		c.Add(Namespace+":"+KeyTagNamespace, "must be 1..64 letters, digits, _ . or -, and not aws (AWS reserves aws:)", s.TagNamespace)
	}
	ns := s.tagNamespace()
	for k := range s.Tags {
		if strings.HasPrefix(k, ns+":") || strings.HasPrefix(strings.ToLower(k), "aws:") {
			c.Add(Namespace+":"+KeyTags, "must not set reserved keys ("+ns+":*, aws:*)", k)
		}
	}
	if err := c.Err(); err != nil {
		return []error{err}
	}
	return nil
}

// FromContext returns s when it is not nil, or loads the stage from ctx.
func FromContext(ctx *pulumi.Context, s *Stage) (*Stage, error) {
	if s != nil {
		return s, nil
	}
	return Load(ctx)
}

// Account returns the stage's account id: the configured one, or the caller identity's.
func (s *Stage) Account(ctx *pulumi.Context) (string, error) {
	if s.AccountId != "" {
		return s.AccountId, nil
	}
	id, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return "", err
	}
	s.AccountId = id.AccountId
	return s.AccountId, nil
}

// PartitionOf returns the partition a region belongs to.
func PartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

func isProductionName(stack string) bool {
	switch strings.ToLower(stack) {
	case "prod", "production", "prd":
		return true
	}
	return false
}

// TagsFor returns the tags every taggable resource of a component carries: the stage's own
// tags, then <ns>:project, <ns>:stage and <ns>:component, ns being TagNamespace (skein unless
// set; component is the component instance's name, such as "jobs", so that the tag finds every
// resource of that instance). These always win, even over a hand-built Stage's Tags.
func (s *Stage) TagsFor(component string) pulumi.StringMap {
	m := pulumi.StringMap{}
	for k, v := range s.Tags {
		m[k] = pulumi.String(v)
	}
	ns := s.tagNamespace()
	m[ns+":project"] = pulumi.String(s.Project)
	m[ns+":stage"] = pulumi.String(s.Name)
	m[ns+":component"] = pulumi.String(component)
	return m
}

// TagKey is the key of one of skein's own tags ("component" gives "skein:component" unless
// TagNamespace says otherwise).
func (s *Stage) TagKey(name string) string { return s.tagNamespace() + ":" + name }

func (s *Stage) tagNamespace() string {
	if s.TagNamespace != "" {
		return s.TagNamespace
	}
	return Namespace
}

// LogGroupName is the log group of a component that AWS lets skein name: LogGroupPrefix (zero:
// /skein/<project>/<stage>), a slash, and the component's name.
func (s *Stage) LogGroupName(name string) string {
	prefix := s.LogGroupPrefix
	if prefix == "" {
		prefix = "/skein/" + s.Project + "/" + s.Name
	}
	return prefix + "/" + name
}

// Protect returns pulumi.Protect for data stores in production stages, and nothing elsewhere.
func (s *Stage) Protect() []pulumi.ResourceOption {
	if s.Production {
		return []pulumi.ResourceOption{pulumi.Protect(true)}
	}
	return nil
}

// PhysicalName returns NamePrefix-name (zero NamePrefix: project-stage-name), shortened to max
// characters with a stable hash when it is longer, for the few resources AWS makes us name.
func (s *Stage) PhysicalName(name string, max int) string {
	prefix := s.NamePrefix
	if prefix == "" {
		prefix = s.Project + "-" + s.Name
	}
	full := prefix + "-" + name
	if len(full) <= max {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	h := hex.EncodeToString(sum[:])[:8]
	return full[:max-9] + "-" + h
}

// ConsoleRegionHost is the console's host for the stage's partition.
func (s *Stage) ConsoleRegionHost() string {
	switch s.Partition {
	case "aws-cn":
		return "console.amazonaws.cn"
	case "aws-us-gov":
		return "console.amazonaws-us-gov.com"
	}
	return s.Region + ".console.aws.amazon.com"
}

func configKeys(ctx *pulumi.Context) []string {
	if obs := planhook.From(ctx); obs != nil {
		return obs.ConfigKeys()
	}
	if keys, ok := runInfoConfigKeys(ctx); ok {
		return keys
	}
	raw := os.Getenv(pulumi.EnvConfig)
	if raw == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
