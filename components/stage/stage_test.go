package stage_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/stage"
)

// load runs stage.Load under the plan harness for a stack with the given config.
func load(t *testing.T, stack string, cfg map[string]string) (*stage.Stage, error) {
	t.Helper()
	var st *stage.Stage
	_, err := plan.Run(func(ctx *pulumi.Context) error {
		var err error
		st, err = stage.Load(ctx)
		return err
	}, plan.Options{Stack: stack, Config: cfg})
	return st, err
}

func TestDefaultsFollowTheStageName(t *testing.T) {
	for _, tc := range []struct {
		stack      string
		production bool
		retention  int
	}{
		{"dev", false, 14}, {"staging", false, 14}, {"prod", true, 365}, {"production", true, 365}, {"PRD", true, 365},
	} {
		st, err := load(t, tc.stack, map[string]string{"aws:region": "eu-west-1"})
		if err != nil {
			t.Fatalf("%s: %v", tc.stack, err)
		}
		if st.Production != tc.production || st.LogRetentionDays != tc.retention || st.TimeZone != "UTC" || st.Region != "eu-west-1" || st.Partition != "aws" {
			t.Errorf("%s: %+v", tc.stack, st)
		}
		if got := len(st.Protect()); (got == 1) != tc.production {
			t.Errorf("%s: Protect() gives %d options, want protection only in production", tc.stack, got)
		}
	}
}

func TestEverySettingIsRead(t *testing.T) {
	st, err := load(t, "prod", map[string]string{
		"aws:region":             "us-gov-west-1",
		"skein:production":       "false",
		"skein:logRetentionDays": "30",
		"skein:timeZone":         "Europe/Paris",
		"skein:alarmTopicArn":    "arn:aws-us-gov:sns:us-gov-west-1:123456789012:alarms",
		"skein:tags":             `{"team":"data"}`,
		"skein:accountId":        "210987654321",
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Production || st.LogRetentionDays != 30 || st.TimeZone != "Europe/Paris" || st.Partition != "aws-us-gov" ||
		st.AlarmTopicArn != "arn:aws-us-gov:sns:us-gov-west-1:123456789012:alarms" || st.Tags["team"] != "data" || st.AccountId != "210987654321" {
		t.Errorf("stage = %+v", st)
	}
	if len(st.Protect()) != 0 {
		t.Error("skein:production false must turn protection off even for a stack named prod")
	}
}

// Every bad value names the key, says what is allowed and shows what was given; all of them
// come back in one error.
func TestBadSettings(t *testing.T) {
	rows := []struct {
		key, value string
		rule       string
	}{
		{"aws:region", "eu-west1", "must be an AWS region code"},
		{"skein:production", "maybe", "must be true or false"},
		{"skein:logRetentionDays", "13", "must be one of the values CloudWatch Logs accepts"},
		{"skein:logRetentionDays", "two weeks", "must be a whole number of days"},
		{"skein:timeZone", "Mars/Olympus", "must be an IANA time zone name"},
		{"skein:timeZone", "Local", "must be an IANA time zone name"},
		{"skein:alarmTopicArn", "alarms", "must be an SNS topic ARN"},
		{"skein:accountId", "12345", "must be 12 digits"},
		{"skein:tags", `["team"]`, "must be an object of strings"},
		{"skein:tags", `{"skein:stage":"x"}`, "must not set reserved keys"},
		{"skein:tags", `{"aws:createdBy":"x"}`, "must not set reserved keys"},
		{"skein:colour", "blue", "is not a stage setting"},
		{"aws:regoin", "eu-west-3", "is not a setting of the AWS provider"},
		{"aws:profil", "prod", "is not a setting of the AWS provider"},
	}
	for _, r := range rows {
		t.Run(r.key+"="+r.value, func(t *testing.T) {
			cfg := map[string]string{"aws:region": "eu-west-1", r.key: r.value}
			_, err := load(t, "dev", cfg)
			if err == nil {
				t.Fatal("want an error")
			}
			var fe *check.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("want a *check.FieldError, got %T %v", err, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, r.key) || !strings.Contains(msg, r.rule) {
				t.Errorf("error %q does not name %s and say %q", msg, r.key, r.rule)
			}
			shown := r.value
			switch r.value {
			case `{"skein:stage":"x"}`:
				shown = `"skein:stage"` // the reserved key itself
			case `{"aws:createdBy":"x"}`:
				shown = `"aws:createdBy"`
			case `["team"]`:
				shown = `team`
			}
			if !strings.Contains(r.rule, "is not a") && !strings.Contains(msg, shown) {
				t.Errorf("error %q does not show the value %q", msg, shown)
			}
			if n := strings.Count(msg, `stage "dev": `); n != 1 {
				t.Errorf("one bad value gave %d errors: %q", n, msg)
			}
		})
	}
	// All at once.
	cfg := map[string]string{"aws:region": "eu-west-1"}
	for _, r := range rows[1:4] {
		cfg[r.key] = r.value
	}
	cfg["skein:colour"], cfg["skein:accountId"] = "blue", "x"
	_, err := load(t, "dev", cfg)
	for _, k := range []string{"skein:production", "skein:logRetentionDays", "skein:colour", "skein:accountId"} {
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("the joined error %v lacks %s", err, k)
		}
	}
}

func TestHandBuiltStage(t *testing.T) {
	st := &stage.Stage{Project: "skein", Name: "dev", Region: "eu-west-1", LogRetentionDays: 13, TimeZone: "UTC",
		Tags: map[string]string{"skein:stage": "prod", "team": "data"}}
	err := st.Validate()
	for _, want := range []string{"logRetentionDays", "got 13", "reserved keys"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %q", err, want)
		}
	}
	// Even unvalidated, the stage's own tags cannot override skein's.
	tags := st.TagsFor("jobs")
	want := map[string]string{"skein:project": "skein", "skein:stage": "dev", "skein:component": "jobs", "team": "data"}
	if len(tags) != len(want) {
		t.Errorf("tags %v, want %v", tags, want)
	}
	for k, v := range want {
		if s, ok := tags[k].(pulumi.String); !ok || string(s) != v {
			t.Errorf("tag %s = %v, want %s", k, tags[k], v)
		}
	}
}

// Physical names (for the few resources AWS makes us name) carry project and stage, so that two
// stages never collide, and fit the limit with a stable hash when too long.
func TestPhysicalName(t *testing.T) {
	dev := &stage.Stage{Project: "skein", Name: "dev"}
	prod := &stage.Stage{Project: "skein", Name: "prod"}
	if dev.PhysicalName("jobs", 80) == prod.PhysicalName("jobs", 80) {
		t.Error("two stages share a physical name")
	}
	long := strings.Repeat("x", 100)
	a, b := dev.PhysicalName(long, 64), dev.PhysicalName(long+"y", 64)
	if len(a) > 64 || len(b) > 64 || a == b || a != dev.PhysicalName(long, 64) {
		t.Errorf("shortened names %q (%d) and %q (%d): want distinct, stable, at most 64", a, len(a), b, len(b))
	}
	if got := dev.PhysicalName("jobs", 80); got != "skein-dev-jobs" {
		t.Errorf("short name = %q", got)
	}
}

func TestPartitionOf(t *testing.T) {
	for region, want := range map[string]string{"eu-west-1": "aws", "cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn", "us-gov-west-1": "aws-us-gov", "us-east-1": "aws"} {
		if got := stage.PartitionOf(region); got != want {
			t.Errorf("PartitionOf(%s) = %s, want %s", region, got, want)
		}
	}
}

// mocks answers every resource with its inputs: the bare minimum of a user's own
// pulumi.WithMocks test, with no skein harness around it.
type mocks struct{}

func (mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	return args.Name + "_id", args.Inputs, nil
}

func (mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// Under plain pulumi.WithMocks, with config given through a RunOption (PULUMI_CONFIG unset), a
// mistyped stage key is still an error, and ConfigKeys lists what was set.
func TestConfigKeysUnderPlainMocks(t *testing.T) {
	t.Setenv(pulumi.EnvConfig, "")
	withConfig := func(cfg map[string]string) pulumi.RunOption {
		return func(info *pulumi.RunInfo) { info.Config = cfg }
	}
	var keys []string
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		keys = stage.ConfigKeys(ctx)
		_, err := stage.Load(ctx)
		return err
	}, pulumi.WithMocks("nightly", "dev", mocks{}), withConfig(map[string]string{"aws:region": "eu-west-1", "skein:colour": "blue"}))
	if err == nil || !strings.Contains(err.Error(), "skein:colour is not a stage setting") {
		t.Errorf("a mistyped stage key under plain mocks: %v", err)
	}
	if strings.Join(keys, ",") != "aws:region,skein:colour" {
		t.Errorf("ConfigKeys = %v", keys)
	}
}

// A team names things its way per stage: a prefix for the physical names AWS makes skein choose,
// one for log groups, and its own tag namespace. Zero keeps skein's.
func TestNamingIsTheTeams(t *testing.T) {
	for _, c := range []struct {
		name               string
		config             map[string]string
		physical, logGroup string
		tags               []string // keys TagsFor("jobs") holds, and no other
		component          string   // TagKey("component")
	}{
		{"skein's", map[string]string{}, "skein-dev-export", "/skein/skein/dev/fetch",
			[]string{"skein:component", "skein:project", "skein:stage"}, "skein:component"},
		{"the team's", map[string]string{
			"skein:namePrefix":     "acme-dev",
			"skein:logGroupPrefix": "/acme/data/dev",
			"skein:tagNamespace":   "acme",
			"skein:tags":           `{"skein:owner":"data"}`,
		}, "acme-dev-export", "/acme/data/dev/fetch",
			[]string{"acme:component", "acme:project", "acme:stage", "skein:owner"}, "acme:component"},
	} {
		c.config["aws:region"] = "eu-west-1"
		st, err := load(t, "dev", c.config)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.PhysicalName("export", 80); got != c.physical {
			t.Errorf("%s physical name %q, want %q", c.name, got, c.physical)
		}
		if got := st.LogGroupName("fetch"); got != c.logGroup {
			t.Errorf("%s log group %q, want %q", c.name, got, c.logGroup)
		}
		tags := st.TagsFor("jobs")
		keys := make([]string, 0, len(tags))
		for k := range tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if !slices.Equal(keys, c.tags) || st.TagKey("component") != c.component {
			t.Errorf("%s tags %v (component key %s), want %v (%s)", c.name, keys, st.TagKey("component"), c.tags, c.component)
		}
	}
	_, err := load(t, "dev", map[string]string{
		"aws:region":           "eu-west-1",
		"skein:namePrefix":     "acme dev",
		"skein:logGroupPrefix": "/acme/",
		"skein:tagNamespace":   "AWS",
	})
	for _, want := range []string{"skein:namePrefix must be 1..40", "skein:logGroupPrefix must be", "skein:tagNamespace must be"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// The stage settings are read under the project's own namespace too; the same setting under
// both namespaces with two values is an error; the project's other keys are not stage keys.
func TestSettingsUnderTheProjectsNamespace(t *testing.T) {
	run := func(cfg map[string]string) (*stage.Stage, []string, error) {
		var st *stage.Stage
		var unknown []string
		_, err := plan.Run(func(ctx *pulumi.Context) error {
			unknown = stage.UnknownKeys(ctx, "nightly", []string{"reportBucket"})
			var err error
			st, err = stage.Load(ctx)
			return err
		}, plan.Options{Project: "nightly", Stack: "dev", Config: cfg})
		return st, unknown, err
	}
	st, unknown, err := run(map[string]string{
		"aws:region":           "eu-west-1",
		"nightly:timeZone":     "Europe/Paris",
		"nightly:tagNamespace": "nightly",
		"nightly:reportBucket": "x",
		"nightly:colour":       "blue",
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.TimeZone != "Europe/Paris" || st.TagKey("stage") != "nightly:stage" {
		t.Errorf("stage = %+v", st)
	}
	if strings.Join(unknown, ",") != "nightly:colour" {
		t.Errorf("unknown keys of the project's namespace = %v, want only nightly:colour", unknown)
	}
	_, _, err = run(map[string]string{"aws:region": "eu-west-1", "nightly:timeZone": "Europe/Paris", "skein:timeZone": "UTC"})
	if err == nil || !strings.Contains(err.Error(), `nightly:timeZone must not differ from skein:timeZone ("UTC")`) {
		t.Errorf("two values of one setting: %v", err)
	}
}

// The AWS provider's keys are what pulumi-aws v6's own config package reads, no more, no less.
func TestAwsProviderKeysAreThePulumiAWSOnes(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pulumi/pulumi-aws/sdk/v6").Output()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "go", "aws", "config", "config.go"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`"aws:([A-Za-z0-9]+)"`).FindAllStringSubmatch(string(src), -1) {
		seen[m[1]] = true
	}
	want := make([]string, 0, len(seen))
	for k := range seen {
		want = append(want, k)
	}
	sort.Strings(want)
	got := stage.AwsProviderKeys()
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("AwsProviderKeys %v\npulumi-aws reads %v", got, want)
	}
}
