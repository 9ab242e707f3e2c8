package queue

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/policy"
)

// deps records what each resource was registered as depending on.
type deps struct {
	mu     sync.Mutex
	byName map[string][]string
}

func (d *deps) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if args.RegisterRPC != nil {
		d.mu.Lock()
		d.byName[args.Name] = append([]string(nil), args.RegisterRPC.GetDependencies()...)
		d.mu.Unlock()
	}
	out := args.Inputs.Copy()
	out["arn"] = resource.NewStringProperty("arn:aws:test:us-east-1:123456789012:" + args.Name)
	out["name"] = resource.NewStringProperty(args.Name)
	out["url"] = resource.NewStringProperty("https://sqs.us-east-1.amazonaws.com/123456789012/" + args.Name)
	return args.Name + "-id", out, nil
}

func (d *deps) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{"accountId": resource.NewStringProperty("123456789012")}, nil
}

// dependencies runs program under a mock that records, by resource name, the URNs each
// resource was registered as depending on.
func dependencies(program pulumi.RunFunc) (map[string][]string, error) {
	d := &deps{byName: map[string][]string{}}
	err := pulumi.RunErr(program, pulumi.WithMocks("skein", "test", d), func(info *pulumi.RunInfo) {
		info.Config = map[string]string{"aws:region": "us-east-1", "skein:accountId": "123456789012"}
	})
	return d.byName, err
}

// Lambda checks the execution role when the event source mapping is created: with a consumer
// whose AttachPolicy returns its policy.Grant, the mapping depends on that policy, every time.
func TestMappingWaitsForTheConsumePolicy(t *testing.T) {
	for i := range 20 {
		byName, err := dependencies(func(ctx *pulumi.Context) error {
			role, err := iam.NewRole(ctx, "consumer-role", &iam.RoleArgs{AssumeRolePolicy: pulumi.String(`{}`)})
			if err != nil {
				return err
			}
			c := &consumer{RoleGrantee: policy.NewRoleGrantee(ctx, "consumer", role.Name, nil), arn: fnArn, timeout: 10 * time.Second}
			_, err = NewQueue(ctx, "jobs", &QueueArgs{Consumer: c})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got := byName["jobs-subscription"]
		if !slices.ContainsFunc(got, func(u string) bool { return strings.HasSuffix(u, "::consumer-jobs-subscription") }) {
			t.Fatalf("run %d: the mapping depends on %v, not on the consume policy", i, got)
		}
	}
}
