package diff

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skeinhq/skein/components/cost"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/schedule/cron"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// testdata/base is `make plan STACK=dev` of the reference pipeline. Each case crafts the head
// from it as a change to the program would: the same resources with the inputs the components
// would give them.
func loadBase(t testing.TB) *Plan {
	t.Helper()
	p, err := Load(filepath.Join("testdata", "base"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func find(t testing.TB, p *Plan, typ, name string) *Resource {
	t.Helper()
	for i := range p.Resources {
		if p.Resources[i].Type == typ && p.Resources[i].Name == name {
			return &p.Resources[i]
		}
	}
	t.Fatalf("no %s %s", typ, name)
	return nil
}

func findName(t testing.TB, p *Plan, name string) *Resource {
	t.Helper()
	for i := range p.Resources {
		if p.Resources[i].Name == name {
			return &p.Resources[i]
		}
	}
	t.Fatalf("no resource %s", name)
	return nil
}

// replaceAll replaces old by new in every string of v (a JSON value), keys included.
func replaceAll(v any, old, new string) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, old, new)
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[strings.ReplaceAll(k, old, new)] = replaceAll(e, old, new)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = replaceAll(e, old, new)
		}
		return out
	}
	return v
}

func setDefinition(t testing.TB, p *Plan, def map[string]any) {
	t.Helper()
	pretty, err := json.MarshalIndent(def, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	graph, err := plan.Mermaid(pretty)
	if err != nil {
		t.Fatal(err)
	}
	p.StateMachines["export"] = StateMachine{Definition: append(pretty, '\n'), Graph: graph}
	compactDef, _ := json.Marshal(def)
	find(t, p, "aws:sfn/stateMachine:StateMachine", "export").Inputs["definition"] = string(compactDef)
}

func definition(t testing.TB, p *Plan) map[string]any {
	t.Helper()
	var def map[string]any
	if err := json.Unmarshal(p.StateMachines["export"].Definition, &def); err != nil {
		t.Fatal(err)
	}
	return def
}

var cases = []struct {
	name  string
	opts  Options
	craft func(t testing.TB, p *Plan)
	check func(t *testing.T, d *Diff)
}{
	{name: "no-changes", craft: func(testing.TB, *Plan) {}, check: func(t *testing.T, d *Diff) {
		if d.Changed || !strings.Contains(d.Markdown(), NoChanges) {
			t.Errorf("changed %v:\n%s", d.Changed, d.Markdown())
		}
	}},
	{
		// The vendor's budget doubles: the budget's limit, the worker's share and its reserved
		// concurrency follow.
		name: "budget-raised",
		craft: func(t testing.TB, p *Plan) {
			b := &p.Budgets[0]
			b.Concurrency = 20
			b.Shares[0]["concurrency"] = 20.0
			b.Shares[0]["reservedConcurrency"] = 20.0
			find(t, p, "aws:lambda/function:Function", "vendor").Inputs["reservedConcurrentExecutions"] = 20.0
		},
		check: func(t *testing.T, d *Diff) {
			if len(d.Budgets) != 1 || d.Budgets[0].Before.Concurrency != 10 || d.Budgets[0].After.Concurrency != 20 {
				t.Errorf("budgets %+v", d.Budgets)
			}
			if len(d.Modified) != 1 || d.Modified[0].Inputs[0].Path != "reservedConcurrentExecutions" || len(d.Warnings) != 0 {
				t.Errorf("resources %+v, warnings %v", d.Modified, d.Warnings)
			}
		},
	},
	{
		// FetchAll's batches grow from 5 to 10 items: half the child executions.
		name: "batch-size",
		craft: func(t testing.TB, p *Plan) {
			def := definition(t, p)
			def["States"].(map[string]any)["FetchAll"].(map[string]any)["ItemBatcher"].(map[string]any)["MaxItemsPerBatch"] = 10.0
			setDefinition(t, p, def)
			c := &p.Cost[0]
			// 100 child executions instead of 200: 100 fewer Express requests ($0.0001) and
			// 100 fewer Lambda invocations of vendor ($0.00002) per run.
			c.Run.Total -= 0.00012
			c.Month.Total -= 0.0036
			c.PerMillionItems.Total -= 0.12
			// Per million items: 100,000 fewer of each. The base's cost.json predates the
			// items, so both sides are itemised from their usage and prices.
			u := c.PerMillionItems.Usage
			u["expressRequests"] = u["expressRequests"].(float64) - 100000
			vendor := u["lambda"].([]any)[1].(map[string]any)
			vendor["invocations"] = vendor["invocations"].(float64) - 100000
		},
		check: func(t *testing.T, d *Diff) {
			if len(d.StateMachines) != 1 || strings.Join(d.StateMachines[0].ChangedStates, ",") != "FetchAll" {
				t.Errorf("state machines %+v", d.StateMachines)
			}
			if len(d.Cost) != 1 || d.Cost[0].Delta.PerRun >= 0 {
				t.Fatalf("cost %+v", d.Cost)
			}
			deltas := map[string]float64{}
			for _, it := range d.Cost[0].Items {
				deltas[it.Item] = it.Delta
			}
			// 100,000 x $0.000001 and 100,000 x $0.0000002; nothing else moves.
			if len(deltas) != 10 || !near(deltas["expressRequests"], -0.1) || !near(deltas["lambdaRequests:vendor"], -0.02) ||
				deltas["s3Put"] != 0 || deltas["lambdaGBSeconds:vendor"] != 0 {
				t.Errorf("item deltas %v", deltas)
			}
			if d.Cost[0].LargestBefore != "s3Put" || d.Cost[0].LargestAfter != "s3Put" {
				t.Errorf("largest %q, %q", d.Cost[0].LargestBefore, d.Cost[0].LargestAfter)
			}
		},
	},
	{
		// The fetch writes one raw object per batch of 25 devices and the transform one
		// processed object per raw object: the head's cost.json itemises (as the cost model now
		// writes it), the base's predates the items.
		name: "objects-per-batch",
		craft: func(t testing.TB, p *Plan) {
			c := &p.Cost[0]
			items := itemsOf(c)
			for i := range items {
				it := &items[i]
				switch it.Key() {
				case "s3Put": // 2 per 25 devices, and the ResultWriter's 4, at $0.000005
					it.Count, it.Cost = 80004, 0.40002
				case "s3Get": // at $0.0000004
					it.Count, it.Cost = 40001, 0.016
				case "sqsRequests": // a message per raw object, received and deleted in tens
					it.Count, it.Cost = 48000, 0.0192
				case "s3Events":
					it.Count = 40000
				}
			}
			// The transform, now priced: 40,000 invocations of 150 ms at 128 MB arm64.
			items = append(items,
				cost.Item{Name: "lambdaRequests", Function: "transform", Section: "orchestration", Count: 40000, Cost: 0.008},
				cost.Item{Name: "lambdaGBSeconds", Function: "transform", Section: "compute", Count: 750, Cost: 0.01})
			total := 0.0
			for _, it := range items {
				total += it.Cost
			}
			c.PerMillionItems.Items, c.PerMillionItems.Total = items, round6(total)
		},
		check: func(t *testing.T, d *Diff) {
			if len(d.Cost) != 1 {
				t.Fatalf("cost %+v", d.Cost)
			}
			c := d.Cost[0]
			byItem := map[string]CostItemChange{}
			for _, it := range c.Items {
				byItem[it.Item] = it
			}
			put := byItem["s3Put"]
			if put.Before.Count != 2000004 || put.After.Count != 80004 || !near(put.Delta, 0.40002-10.00002) {
				t.Errorf("s3Put %+v", put)
			}
			if tr := byItem["lambdaRequests:transform"]; tr.Before.Count != 0 || tr.After.Count != 40000 || !near(tr.Delta, 0.008) {
				t.Errorf("transform requests %+v", tr)
			}
			if ev := byItem["s3Events"]; ev.After.Count != 40000 || ev.After.Cost != 0 {
				t.Errorf("s3 events %+v", ev)
			}
			// Sorted by the cost after: state transitions ($5.00) now lead, S3 PUTs ($0.40) follow.
			if c.Items[0].Item != "stateTransitions" || c.LargestBefore != "s3Put" || c.LargestAfter != "stateTransitions" {
				t.Errorf("first %s, largest %q -> %q", c.Items[0].Item, c.LargestBefore, c.LargestAfter)
			}
			if !near(c.Delta.PerMillionItems, c.After.PerMillionItems-c.Before.PerMillionItems) || c.Delta.PerMillionItems > -10 {
				t.Errorf("per million %+v", c)
			}
		},
	},
	{
		// A worker "enrich" like vendor: its function, role, policies, log group, dead-letter
		// queue and alarm.
		name: "worker-added",
		craft: func(t testing.TB, p *Plan) {
			var add []Resource
			for _, r := range p.Resources {
				if (r.Parent != nil && r.Parent.Name == "vendor" && r.Parent.Type == "skein:aws:Worker") || (r.Type == "skein:aws:Worker" && r.Name == "vendor") {
					raw, _ := json.Marshal(r)
					var m any
					_ = json.Unmarshal(raw, &m)
					raw, _ = json.Marshal(replaceAll(replaceAll(m, "vendor-token", "KEEP"), "vendor", "enrich"))
					raw = []byte(strings.ReplaceAll(string(raw), "KEEP", "vendor-token"))
					var c Resource
					_ = json.Unmarshal(raw, &c)
					if c.Name == "enrich-refetch-subscription" {
						continue
					}
					add = append(add, c)
				}
			}
			p.Resources = append(p.Resources, add...)
		},
		check: func(t *testing.T, d *Diff) {
			if len(d.Added) < 8 || len(d.Removed) != 0 || len(d.Modified) != 0 {
				t.Errorf("added %d, removed %d, changed %d", len(d.Added), len(d.Removed), len(d.Modified))
			}
			if len(d.Iam.Added) == 0 || len(d.Iam.Removed) != 0 {
				t.Errorf("iam %+v", d.Iam)
			}
		},
	},
	{
		// transform's read grant widens from raw/* to every object with s3:Get*, and the
		// bucket policy lets another account read.
		name: "grant-widened",
		craft: func(t testing.TB, p *Plan) {
			find(t, p, "aws:iam/rolePolicy:RolePolicy", "transform-data-read-raw").Inputs["policy"] =
				`{"Version":"2012-10-17","Statement":[{"Action":"s3:Get*","Effect":"Allow","Resource":"arn:aws:s3:::data-1334819/*","Sid":"Read"}]}`
			bp := findName(t, p, "data-policy") // the bucket's policy

			pol := bp.Inputs["policy"].(string)
			bp.Inputs["policy"] = strings.Replace(pol, `"Statement":[`,
				`"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222233334444:root"},"Resource":"arn:aws:s3:::data-1334819/processed/*","Sid":"PartnerRead"},`, 1)
		},
		check: func(t *testing.T, d *Diff) {
			if len(d.Iam.Added) != 2 || len(d.Iam.Removed) != 1 {
				t.Fatalf("iam %+v", d.Iam)
			}
			notes := ""
			for _, s := range d.Iam.Added {
				notes += strings.Join(s.Notes, ";") + ";"
			}
			for _, want := range []string{"wildcard action s3:Get*", "cross-account principal (account 222233334444)"} {
				if !strings.Contains(notes, want) {
					t.Errorf("notes %q lack %q", notes, want)
				}
			}
		},
	},
	{
		// The export moves from Paris to New York, and is enabled.
		name: "schedule-timezone",
		craft: func(t testing.TB, p *Plan) {
			s := &p.Schedules[0]
			s.TimeZone, s.State = "America/New_York", "ENABLED"
			times, err := cron.FireTimes(s.Expression, s.TimeZone, "", "", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 5)
			if err != nil {
				t.Fatal(err)
			}
			s.Next = nil
			for _, x := range times {
				s.Next = append(s.Next, x.Format(time.RFC3339))
			}
			r := find(t, p, "aws:scheduler/schedule:Schedule", "export-daily")
			r.Inputs["scheduleExpressionTimezone"], r.Inputs["state"] = s.TimeZone, s.State
		},
		check: func(t *testing.T, d *Diff) {
			if len(d.Schedules) != 1 || d.Schedules[0].After.Next[0] != "2026-01-01T02:00:00-05:00" {
				t.Errorf("schedules %+v", d.Schedules)
			}
		},
	},
	{
		// An Audit Pass state between MergeManifests and FetchAll; MergeManifests now goes to it.
		name: "state-added",
		craft: func(t testing.TB, p *Plan) {
			def := definition(t, p)
			sts := def["States"].(map[string]any)
			sts["MergeManifests"].(map[string]any)["Next"] = "Audit"
			sts["Audit"] = map[string]any{"Type": "Pass", "Comment": "records the manifest", "Next": "FetchAll"}
			setDefinition(t, p, def)
		},
		check: func(t *testing.T, d *Diff) {
			if len(d.StateMachines) != 1 {
				t.Fatalf("state machines %+v", d.StateMachines)
			}
			c := d.StateMachines[0]
			if strings.Join(c.AddedStates, ",") != "Audit" || strings.Join(c.ChangedStates, ",") != "MergeManifests" {
				t.Errorf("added %v, changed %v", c.AddedStates, c.ChangedStates)
			}
			if !strings.Contains(c.Graph, styleAdded) || !strings.Contains(c.Graph, styleChanged) {
				t.Errorf("graph marks nothing:\n%s", c.Graph)
			}
			if !strings.Contains(c.DefinitionDiff, `+    "Audit": {`) {
				t.Errorf("definition diff:\n%s", c.DefinitionDiff)
			}
		},
	},
	{
		// CheckFailures goes: FetchAll ends the execution.
		name: "state-removed",
		craft: func(t testing.TB, p *Plan) {
			def := definition(t, p)
			sts := def["States"].(map[string]any)
			delete(sts, "CheckFailures")
			fetch := sts["FetchAll"].(map[string]any)
			delete(fetch, "Next")
			fetch["End"] = true
			setDefinition(t, p, def)
		},
		check: func(t *testing.T, d *Diff) {
			c := d.StateMachines[0]
			if strings.Join(c.RemovedStates, ",") != "CheckFailures" || strings.Join(c.ChangedStates, ",") != "FetchAll" ||
				!strings.Contains(c.Graph, `r0["CheckFailures"]`) || !strings.Contains(c.Graph, "style r0 "+styleRemoved) {
				t.Errorf("removed %v, changed %v, graph:\n%s", c.RemovedStates, c.ChangedStates, c.Graph)
			}
		},
	},
	{name: "bucket-renamed", craft: renameBucket, check: func(t *testing.T, d *Diff) {
		if !hasWarning(d, "data-loss", "aws:s3/bucketV2:BucketV2", "lake") {
			t.Errorf("no data-loss warning for the bucket: %+v", d.Warnings)
		}
	}},
	{name: "bucket-renamed-aliased", craft: renameBucket, opts: Options{Aliases: []Alias{{From: "data", To: "lake"}}},
		check: func(t *testing.T, d *Diff) {
			if hasWarning(d, "data-loss", "aws:s3/bucketV2:BucketV2", "lake") {
				t.Errorf("an aliased rename is not a replacement: %+v", d.Warnings)
			}
			found := false
			for _, m := range d.Modified {
				found = found || (m.Type == "aws:s3/bucketV2:BucketV2" && m.RenamedFrom == "data")
			}
			if !found {
				t.Errorf("the rename is not reported: %+v", d.Modified)
			}
		}},
	{
		// Someone attaches AdministratorAccess to vendor's role and lets another account invoke
		// transform.
		name: "admin-and-cross-account-invoke",
		craft: func(t testing.TB, p *Plan) {
			p.Resources = append(p.Resources,
				Resource{Type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", Name: "vendor-admin", Parent: &Ref{Type: "skein:aws:Worker", Name: "vendor"},
					Inputs: map[string]any{"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess", "role": "vendor-role-3f606db"}},
				Resource{Type: "aws:lambda/permission:Permission", Name: "transform-partner", Parent: &Ref{Type: "skein:aws:Worker", Name: "transform"},
					Inputs: map[string]any{"action": "lambda:InvokeFunction", "function": "transform-3b4a1c2", "principal": "444455556666"}})
		},
		check: func(t *testing.T, d *Diff) {
			if len(d.Iam.Added) != 2 {
				t.Fatalf("iam %+v", d.Iam)
			}
			got := compact(d.Iam.Added)
			for _, want := range []string{"broad AWS managed policy AdministratorAccess", "cross-account principal (account 444455556666)", `"principal":"role vendor-role"`} {
				if !strings.Contains(got, want) {
					t.Errorf("%s lacks %s", got, want)
				}
			}
		},
	},
	{
		// A queue becomes FIFO: SQS replaces it.
		name: "queue-fifo",
		craft: func(t testing.TB, p *Plan) {
			find(t, p, "aws:sqs/queue:Queue", "refetch").Inputs["fifoQueue"] = true
		},
		check: func(t *testing.T, d *Diff) {
			if !hasWarning(d, "data-loss", "aws:sqs/queue:Queue", "refetch") || !d.Modified[0].Replace {
				t.Errorf("warnings %+v", d.Warnings)
			}
		},
	},
}

// renameBucket renames the bucket "data" to "lake" (physical name lake-5e1f2a0) with its
// children, and everything that names it.
func renameBucket(t testing.TB, p *Plan) {
	for i := range p.Resources {
		r := &p.Resources[i]
		if (r.Parent != nil && r.Parent.Type == "skein:aws:Bucket" && r.Parent.Name == "data") || (r.Name == "data" && strings.HasPrefix(r.Type, "skein:aws:Bucket")) || r.Type == "aws:s3/bucketV2:BucketV2" {
			r.Name = "lake" + strings.TrimPrefix(r.Name, "data")
			if r.Parent != nil {
				r.Parent.Name = "lake"
			}
		}
		raw, _ := json.Marshal(r)
		raw = []byte(strings.ReplaceAll(string(raw), "data-1334819", "lake-5e1f2a0"))
		*r = Resource{}
		_ = json.Unmarshal(raw, r)
	}
	def := definition(t, p)
	setDefinition(t, p, replaceAll(def, "data-1334819", "lake-5e1f2a0").(map[string]any))
}

func hasWarning(d *Diff, kind, typ, name string) bool {
	for _, w := range d.Warnings {
		if w.Kind == kind && w.Type == typ && w.Name == name {
			return true
		}
	}
	return false
}

func TestGolden(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base, head := loadBase(t), loadBase(t)
			c.craft(t, head)
			opts := c.opts
			opts.Stack, opts.Base = "dev", "main"
			d := Compare(base, head, opts)
			c.check(t, d)
			got := d.Markdown()
			path := filepath.Join("testdata", "golden", c.name+".md")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs (go test -update rewrites it); got:\n%s", path, got)
			}
		})
	}
}

// A base planned before an artefact existed reads as empty: everything in it is added.
func TestLoadMissingArtifacts(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile(filepath.Join("testdata", "base", "resources.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "resources.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	base, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := Compare(base, loadBase(t), Options{})
	if len(d.Budgets) != 1 || d.Budgets[0].Before != nil || len(d.Cost) != 1 || len(d.Schedules) != 1 ||
		len(d.StateMachines) != 1 || d.StateMachines[0].Status != "added" || len(d.Modified) != 0 {
		t.Errorf("budgets %+v, cost %d, schedules %d, state machines %+v, changed %d", d.Budgets, len(d.Cost), len(d.Schedules), d.StateMachines, len(d.Modified))
	}
	if _, err := Load(filepath.Join(dir, "absent")); err != nil {
		t.Errorf("a missing plan is empty, got %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cost.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "cost.json") {
		t.Errorf("a broken file must be an error naming it, got %v", err)
	}
}

// Secrets stay "[secret]" in the diff: the plan never had their values.
func TestSecretsStaySecret(t *testing.T) {
	base, head := loadBase(t), loadBase(t)
	r := find(t, head, "aws:ssm/parameter:Parameter", "vendor-token")
	if r.Inputs["value"] != "[secret]" {
		t.Fatalf("the plan shows the token as %v", r.Inputs["value"])
	}
	r.Inputs["description"] = "rotated"
	md := Compare(base, head, Options{}).Markdown()
	if strings.Contains(md, "plan-secret") || !strings.Contains(md, "rotated") {
		t.Errorf("%s", md)
	}
}

// GNU diff judges the definition diff: the same hunks, line for line, on crafted pairs and on
// the reference definition with a state added.
func TestUnifiedAgreesWithGNUDiff(t *testing.T) {
	gnu, err := exec.LookPath("diff")
	if err != nil {
		t.Skip("no diff on this machine")
	}
	head := loadBase(t)
	for _, c := range cases {
		if c.name == "state-added" {
			c.craft(t, head)
		}
	}
	pairs := [][2]string{
		{"a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\n"},
		{"a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nl\n", "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nl\nk\n"},
		{"x\ny\n", "y\nz\n"},
		{string(loadBase(t).StateMachines["export"].Definition), string(head.StateMachines["export"].Definition)},
	}
	dir := t.TempDir()
	for i, p := range pairs {
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		_ = os.WriteFile(a, []byte(p[0]), 0o644)
		_ = os.WriteFile(b, []byte(p[1]), 0o644)
		out, _ := exec.Command(gnu, "-U3", "--label", "before", "--label", "after", a, b).Output()
		if got := unified(p[0], p[1], 3); got != string(out) {
			t.Errorf("pair %d: got\n%s\nGNU diff:\n%s", i, got, out)
		}
	}
}

func BenchmarkCompare(b *testing.B) {
	base, head := loadBase(b), loadBase(b)
	for _, c := range cases {
		c.craft(b, head)
	}
	b.ResetTimer()
	for range b.N {
		d := Compare(base, head, Options{})
		_ = d.Markdown()
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestItemsFromUsageAgreeWithTheCostModel: a cost.json written before the items is itemised from
// its usage and prices; on components/cost's reviewed golden file, which has both, that gives
// the items the cost model wrote, every scope of every state machine.
func TestItemsFromUsageAgreeWithTheCostModel(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "cost", "testdata", "cost.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Prices        map[string]float64 `json:"prices"`
		StateMachines []struct {
			Name            string               `json:"name"`
			Run             costScope            `json:"run"`
			Month           *costScope           `json:"month"`
			PerMillionItems costScope            `json:"perMillionItems"`
			Naive           map[string]costScope `json:"naive"`
		} `json:"stateMachines"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, sm := range f.StateMachines {
		scopes := map[string]costScope{"run": sm.Run, "perMillionItems": sm.PerMillionItems}
		if sm.Month != nil {
			scopes["month"] = *sm.Month
		}
		for name, sc := range scopes {
			want := map[string]cost.Item{}
			for _, it := range sc.Items {
				want[it.Key()] = it
			}
			old := sc
			old.Items = nil
			got := itemsOf(&Cost{PerMillionItems: &old, Prices: f.Prices})
			if len(got) != len(want) || len(want) == 0 {
				t.Errorf("%s %s: %d items from usage, %d in the file", sm.Name, name, len(got), len(want))
			}
			for _, g := range got {
				w, ok := want[g.Key()]
				if !ok || w.Section != g.Section || !near(w.Count, g.Count) || math.Abs(w.Cost-g.Cost) > 1e-6 {
					t.Errorf("%s %s: %s from usage %+v, in the file %+v", sm.Name, name, g.Key(), g, w)
				}
			}
			checked++
		}
	}
	if checked < 3 {
		t.Errorf("checked %d scopes", checked)
	}
}

// TestItemsOfAnEmptyScope: a cost.json scope without items or usage has nothing to itemise but
// its zero counts, and reading it does not fail.
func TestItemsOfAnEmptyScope(t *testing.T) {
	for _, c := range []*Cost{nil, {}, {PerMillionItems: &costScope{}}, {PerMillionItems: &costScope{Usage: map[string]any{"lambda": "not a list"}}}} {
		for _, it := range itemsOf(c) {
			if it.Count != 0 || it.Cost != 0 {
				t.Errorf("%+v: item %+v", c, it)
			}
		}
	}
}
