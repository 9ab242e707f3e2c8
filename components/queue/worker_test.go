package queue_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/budget"
	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/internal/testkit"
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/worker"
)

// TestRealWorker subscribes a real worker (built from functions/sqsbatch/example): the queue
// reads its timeout and reserved concurrency, and the consume policy lands on its role.
func TestRealWorker(t *testing.T) {
	p := queue.MustRun(t, func(ctx *pulumi.Context) error {
		w, err := worker.NewWorker(ctx, "fetch", &worker.WorkerArgs{
			Package: "./functions/sqsbatch/example", Root: judge.Root(t),
			Timeout: 45 * time.Second, ReservedConcurrency: 4,
		})
		if err != nil {
			return err
		}
		_, err = queue.NewQueue(ctx, "jobs", &queue.QueueArgs{Consumer: w, Subscription: &queue.SubscribeArgs{BatchSize: 50, BatchingWindow: 10 * time.Second}})
		return err
	})
	fn := p.Find("aws:lambda/function:Function", "fetch")
	main := p.Find(queue.QueueType, "jobs")
	if got := queue.Num(main, "visibilityTimeoutSeconds"); got != 6*45+10 {
		t.Errorf("visibility %v, want 6 x 45 s + 10 s", got)
	}
	esm := p.Find(queue.EsmType, "jobs-subscription")
	if esm.String("functionName") != fn.Arn() || queue.Num(esm, "scalingConfig.maximumConcurrency") != 4 || queue.Num(esm, "batchSize") != 50 {
		t.Errorf("mapping %v", esm.Inputs)
	}
	rp := p.Find(queue.RpType, "fetch-jobs-subscription")
	if rp == nil || rp.Parent == nil || rp.Parent.Name != "fetch" {
		t.Fatalf("consume policy not on the worker: %+v", rp)
	}
	var roles []string
	for _, r := range p.OfType("aws:iam/role:Role") {
		roles = append(roles, r.Outputs["name"].(string))
	}
	if !slices.Contains(roles, rp.String("role")) {
		t.Errorf("policy on role %q, not one of the worker's %v", rp.String("role"), roles)
	}
	d := queue.Decode(t, rp)
	if len(d.Statement) != 1 || !slices.Equal(testkit.Strings(d.Statement[0].Action), queue.ConsumeActions()) || testkit.Strings(d.Statement[0].Resource)[0] != main.Arn() {
		t.Errorf("consume policy %+v", d.Statement)
	}

	// Above the worker's reserved concurrency is an error, and nothing of the queue is created.
	var qErr error
	p = queue.MustRun(t, func(ctx *pulumi.Context) error {
		w, err := worker.NewWorker(ctx, "fetch", &worker.WorkerArgs{
			Package: "./functions/sqsbatch/example", Root: judge.Root(t), ReservedConcurrency: 4,
		})
		if err != nil {
			return err
		}
		_, qErr = queue.NewQueue(ctx, "jobs", &queue.QueueArgs{Consumer: w, Subscription: &queue.SubscribeArgs{MaxConcurrency: 5}})
		return nil
	})
	queue.AssertFieldError(t, qErr, "Subscription.MaxConcurrency", "5")
	if p.Find(queue.Type, "jobs") != nil || len(p.OfType(queue.QueueType)) != 1 { // the worker's own DLQ only
		t.Errorf("queue resources registered despite the error")
	}
}

// A skein worker is a Consumer.
var _ queue.Consumer = (*worker.Worker)(nil)

// With a real worker, the event source mapping depends on exactly the consume policy on the
// worker's role (Lambda checks the role when the mapping is created), on every run.
func TestRealWorkerMappingWaitsForItsPolicy(t *testing.T) {
	for i := range 5 {
		byName, err := queue.Dependencies(func(ctx *pulumi.Context) error {
			w, err := worker.NewWorker(ctx, "fetch", &worker.WorkerArgs{Package: "./functions/sqsbatch/example", Root: judge.Root(t)})
			if err != nil {
				return err
			}
			_, err = queue.NewQueue(ctx, "jobs", &queue.QueueArgs{Consumer: w})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got := byName["jobs-subscription"]
		if !slices.ContainsFunc(got, func(u string) bool {
			return strings.HasSuffix(u, "$aws:iam/rolePolicy:RolePolicy::fetch-jobs-subscription")
		}) {
			t.Fatalf("run %d: the mapping depends on %v, not on the worker's consume policy", i, got)
		}
	}
}

// A consumer that draws on a budget gets its MaxConcurrency from its reserved concurrency, and
// asking for more names the budget and every share.
func TestBudgetedConsumer(t *testing.T) {
	var qErr error
	p := queue.MustRun(t, func(ctx *pulumi.Context) error {
		b, err := budget.NewBudget(ctx, "vendor", &budget.BudgetArgs{Concurrency: 6, Shares: []budget.Share{{Worker: "fetch", Concurrency: 3}, {Worker: "export"}}})
		if err != nil {
			return err
		}
		w, err := worker.NewWorker(ctx, "fetch", &worker.WorkerArgs{Package: "./functions/sqsbatch/example", Root: judge.Root(t), Budget: b})
		if err != nil {
			return err
		}
		if _, err := queue.NewQueue(ctx, "jobs", &queue.QueueArgs{Consumer: w}); err != nil {
			return err
		}
		_, qErr = queue.NewQueue(ctx, "greedy", &queue.QueueArgs{Consumer: w, Subscription: &queue.SubscribeArgs{MaxConcurrency: 5}})
		return nil
	})
	if got := queue.Num(p.Find(queue.EsmType, "jobs-subscription"), "scalingConfig.maximumConcurrency"); got != 3 {
		t.Errorf("derived maximum concurrency %v, want the share's 3", got)
	}
	want := `Subscription.MaxConcurrency must be at most the consumer's reserved concurrency (3): above it Lambda throttles the function, and throttled batches count as receives toward the dead-letter queue; budget "vendor" (concurrency 6; shares: worker "fetch" 3 calls (3 invocations x 1), worker "export" 3 calls (3 invocations x 1)), got 5`
	if qErr == nil || !strings.Contains(qErr.Error(), want) {
		t.Errorf("error %v, want %q", qErr, want)
	}
	if p.Find(queue.Type, "greedy") != nil {
		t.Error("the greedy queue registered despite the error")
	}
}
