package queue

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/worker"
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

func (d *deps) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{"accountId": resource.NewStringProperty("123456789012")}, nil
}

// Lambda checks the execution role when the event source mapping is created: the mapping must
// wait for the consume policy, which it does by depending on the worker (and so on its children).
func TestMappingWaitsForTheConsumePolicy(t *testing.T) {
	d := &deps{byName: map[string][]string{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		w, err := worker.NewWorker(ctx, "fetch", &worker.WorkerArgs{
			Package: "./functions/sqsbatch/example", Root: judge.Root(t), Timeout: 10 * time.Second,
		})
		if err != nil {
			return err
		}
		_, err = NewQueue(ctx, "jobs", &QueueArgs{Consumer: w})
		return err
	}, pulumi.WithMocks("skein", "test", d), func(info *pulumi.RunInfo) {
		info.Config = map[string]string{"aws:region": "us-east-1", "skein:accountId": "123456789012"}
	})
	if err != nil {
		t.Fatal(err)
	}
	got := d.byName["jobs-subscription"]
	if !slices.ContainsFunc(got, func(u string) bool { return strings.HasSuffix(u, "::fetch-jobs-subscription") }) {
		t.Errorf("the mapping depends on %v, not on the consume policy fetch-jobs-subscription", got)
	}
}
