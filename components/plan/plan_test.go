package plan

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/stage"
)

type comp struct {
	pulumi.ResourceState
}

func program(ctx *pulumi.Context) error {
	c := &comp{}
	if err := ctx.RegisterComponentResource("skein:test:Thing", "thing", c); err != nil {
		return err
	}
	q, err := sqs.NewQueue(ctx, "thing-q", &sqs.QueueArgs{
		Tags: pulumi.StringMap{"secret": pulumi.ToSecret(pulumi.String("hush")).(pulumi.StringOutput)},
	}, pulumi.Parent(c))
	if err != nil {
		return err
	}
	if _, err := sqs.NewQueue(ctx, "a-fifo", &sqs.QueueArgs{FifoQueue: pulumi.Bool(true)}); err != nil {
		return err
	}
	return stage.RegisterOutputs(ctx, c, pulumi.Map{"queueArn": q.Arn})
}

func TestRunRecordsEverything(t *testing.T) {
	p, err := Run(program, Options{Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Len() != 3 {
		t.Fatalf("got %d resources, want 3", p.Len())
	}
	rs := p.Resources()
	if rs[0].Type != "aws:sqs/queue:Queue" || rs[0].Name != "a-fifo" || rs[2].Type != "skein:test:Thing" {
		t.Errorf("not sorted by type then name: %s/%s ... %s", rs[0].Type, rs[0].Name, rs[2].Type)
	}
	q := p.Find("aws:sqs/queue:Queue", "thing-q")
	if q.Parent == nil || q.Parent.Type != "skein:test:Thing" || q.Parent.Name != "thing" {
		t.Errorf("parent = %+v", q.Parent)
	}
	wantArn := "arn:aws:sqs:eu-west-1:123456789012:thing-q-"
	if !strings.HasPrefix(q.Arn(), wantArn) {
		t.Errorf("arn = %q, want prefix %q", q.Arn(), wantArn)
	}
	if got := q.Get("tags.secret"); got != Secret {
		t.Errorf("secret tag rendered as %v", got)
	}
	if !strings.HasSuffix(p.Find("aws:sqs/queue:Queue", "a-fifo").Arn(), ".fifo") {
		t.Error("a FIFO queue's name must end in .fifo")
	}
	c := p.Find("skein:test:Thing", "thing")
	if c.Outputs["queueArn"] != q.Arn() {
		t.Errorf("component outputs = %v, want queueArn %s", c.Outputs, q.Arn())
	}
}

func TestResourcesJSONIsDeterministic(t *testing.T) {
	var prev []byte
	for i := 0; i < 3; i++ {
		p, err := Run(program, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.MarshalResources()
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil && !bytes.Equal(prev, b) {
			t.Fatalf("run %d differs:\n%s\n---\n%s", i, prev, b)
		}
		prev = b
	}
	for _, key := range []string{`"type"`, `"name"`, `"parent"`, `"id"`, `"inputs"`, `"outputs"`} {
		if !bytes.Contains(prev, []byte(key)) {
			t.Errorf("resources.json lacks %s", key)
		}
	}
}

func TestUnknownStageKeyFailsBeforeAnyResource(t *testing.T) {
	p, err := Run(func(ctx *pulumi.Context) error {
		if _, err := stage.Load(ctx); err != nil {
			return err
		}
		return program(ctx)
	}, Options{Config: map[string]string{"skein:logRetentionDays": "13", "skein:colour": "blue"}})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"skein:colour is not a stage setting", "skein:logRetentionDays must be one of", "got 13"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if p.Len() != 0 {
		t.Errorf("%d resources registered despite the error", p.Len())
	}
}

func TestStackConfig(t *testing.T) {
	dir := t.TempDir()
	yml := "config:\n  aws:region: eu-west-1\n  skein:tags:\n    team: data\n  app:token:\n    secure: v1:abc\n"
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := StackConfig(dir, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if o.Config["aws:region"] != "eu-west-1" || o.Config["skein:tags"] != `{"team":"data"}` || o.Config["app:token"] != "plan-secret" {
		t.Errorf("config = %v", o.Config)
	}
	if len(o.SecretKeys) != 1 || o.SecretKeys[0] != "app:token" {
		t.Errorf("secret keys = %v", o.SecretKeys)
	}
}

// A stage that names its account gets ARNs and a caller identity in that account.
func TestConfiguredAccount(t *testing.T) {
	var caller string
	p, err := Run(func(ctx *pulumi.Context) error {
		st, err := stage.Load(ctx)
		if err != nil {
			return err
		}
		if caller, err = st.Account(ctx); err != nil {
			return err
		}
		return program(ctx)
	}, Options{Config: map[string]string{"aws:region": "eu-west-1", "skein:accountId": "210987654321"}})
	if err != nil {
		t.Fatal(err)
	}
	if arn := p.Find("aws:sqs/queue:Queue", "thing-q").Arn(); !strings.HasPrefix(arn, "arn:aws:sqs:eu-west-1:210987654321:") || caller != "210987654321" {
		t.Errorf("queue ARN %s, stage account %s; want both in 210987654321", arn, caller)
	}
}
