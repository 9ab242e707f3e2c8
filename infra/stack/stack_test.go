package stack_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/functions/pipeline/layout"
	"github.com/skeinhq/skein/infra/stack"
)

func root(t *testing.T) string {
	t.Helper()
	r, err := worker.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// planWith runs the program with the dev stage's file plus overrides (an empty value deletes).
func planWith(t *testing.T, overrides map[string]string) (*plan.Plan, error) {
	t.Helper()
	opts, err := plan.StackConfig(root(t), "dev")
	if err != nil {
		t.Fatal(err)
	}
	opts.Config["pipeline:vendorToken"] = "s3cr3t-token-value"
	opts.SecretKeys = append(opts.SecretKeys, "pipeline:vendorToken")
	for k, v := range overrides {
		if v == "" {
			delete(opts.Config, k)
			continue
		}
		opts.Config[k] = v
	}
	return plan.Run(stack.Program, opts)
}

func TestStagesPlan(t *testing.T) {
	for _, stage := range []string{"dev", "prod"} {
		t.Run(stage, func(t *testing.T) {
			off, err := stack.Offline(root(t), stage)
			if err != nil {
				t.Fatal(err)
			}
			p := off.Plan
			for _, typ := range []string{"skein:aws:Bucket", "skein:aws:Workflow", "skein:aws:Schedule", "skein:aws:Queue"} {
				if len(p.OfType(typ)) == 0 {
					t.Errorf("no %s", typ)
				}
			}
			if n := len(p.OfType("skein:aws:Worker")); n != 3 {
				t.Errorf("%d workers, want 3", n)
			}
			// Every taggable resource carries the stage's tags.
			for _, r := range p.Resources() {
				tags, ok := r.Inputs["tags"].(map[string]any)
				if !r.Custom || !ok {
					continue
				}
				for _, k := range []string{"skein:project", "skein:stage", "skein:component"} {
					if tags[k] == nil || tags[k] == "" {
						t.Errorf("%s %s has no %s tag", r.Type, r.Name, k)
					}
				}
				if tags["skein:stage"] != stage {
					t.Errorf("%s %s: skein:stage %v", r.Type, r.Name, tags["skein:stage"])
				}
			}
			sched := p.Find("aws:scheduler/schedule:Schedule", stack.ScheduleName)
			if sched == nil {
				t.Fatal("no schedule")
			}
			want := map[string]string{"dev": "DISABLED", "prod": "ENABLED"}[stage]
			if got := sched.String("state"); got != want {
				t.Errorf("schedule state %s, want %s", got, want)
			}
			if got := sched.String("scheduleExpressionTimezone"); got != "Europe/Paris" {
				t.Errorf("schedule time zone %q", got)
			}
			bucketRes := p.OfType("aws:s3/bucketV2:BucketV2")
			if len(bucketRes) != 1 {
				t.Fatalf("%d buckets", len(bucketRes))
			}
			if stage == "prod" && !bucketRes[0].Protect {
				t.Error("the prod data bucket is not protected")
			}
		})
	}
}

// The token reaches only the SecureString parameter, as a secret: never an environment variable,
// never the plan's text.
func TestVendorTokenStaysSecret(t *testing.T) {
	p, err := planWith(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.MarshalResources()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("s3cr3t-token-value")) {
		t.Fatal("the vendor token appears in the plan")
	}
	param := p.Find("aws:ssm/parameter:Parameter", stack.ParameterName)
	if param == nil || param.String("type") != "SecureString" || param.Get("value") != plan.Secret {
		t.Fatalf("parameter: %+v", param)
	}
	for _, fn := range p.OfType("aws:lambda/function:Function") {
		vars, _ := fn.Get("environment.variables").(map[string]any)
		for k, v := range vars {
			if v == plan.Secret || strings.Contains(strings.ToLower(k), "token") && k != "VENDOR_TOKEN_PARAM" {
				t.Errorf("%s: environment %s=%v", fn.Name, k, v)
			}
		}
	}
}

// Each worker's role reaches exactly its prefixes of the bucket and, for the vendor workers, the
// token parameter.
func TestWorkerGrants(t *testing.T) {
	p, err := planWith(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		// merge-manifests lists and reads the day's raw parts for a skipExisting manifest
		stack.MergeName:     {"manifests/*", "results/*", "raw/*", "s3:ListBucket"},
		stack.VendorName:    {"ssm", "raw/*", "failed/*", "manifests/*"},
		stack.TransformName: {"raw/*", "processed/*"},
	}
	for name, needs := range want {
		var all strings.Builder
		for _, r := range p.OfType("aws:iam/rolePolicy:RolePolicy") {
			if strings.HasPrefix(r.Name, name+"-") && (r.Parent == nil || r.Parent.Name == name || strings.HasPrefix(r.Name, name+"-")) {
				all.WriteString(r.String("policy"))
			}
		}
		text := all.String()
		for _, n := range needs {
			if !strings.Contains(text, n) {
				t.Errorf("%s's policies lack %s:\n%s", name, n, text)
			}
		}
		for _, prefix := range []string{"raw/*", "processed/*", "manifests/*", "results/*", "failed/*"} {
			has := false
			for _, n := range needs {
				has = has || n == prefix
			}
			if !has && strings.Contains(text, prefix) {
				t.Errorf("%s may touch %s, which it does not use", name, prefix)
			}
		}
		if strings.Contains(text, `"s3:*"`) || strings.Contains(text, `"Action":"*"`) {
			t.Errorf("%s has a wildcard action", name)
		}
	}
}

// asl-validator judges the export definition the plan renders.
func TestExportDefinitionValid(t *testing.T) {
	p, err := planWith(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	sm := p.Find("aws:sfn/stateMachine:StateMachine", stack.WorkflowName)
	if sm == nil {
		t.Fatal("no state machine")
	}
	def := sm.String("definition")
	file := filepath.Join(t.TempDir(), "export.asl.json")
	if err := os.WriteFile(file, []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root(t), ".tools", "node_modules", ".bin")
	if _, err := os.Stat(filepath.Join(bin, "asl-validator")); err != nil {
		t.Fatalf("asl-validator is not installed (run make tools): %v", err)
	}
	cmd := exec.Command(filepath.Join(bin, "asl-validator"), "--json-path", file)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("asl-validator rejects the export definition: %v\n%s\n%s", err, out, def)
	}
	var d struct {
		States map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(def), &d); err != nil {
		t.Fatal(err)
	}
	var fetch struct {
		MaxConcurrency int
		ItemBatcher    struct{ MaxItemsPerBatch int }
		ItemReader     struct{ Parameters map[string]any }
	}
	if err := json.Unmarshal(d.States["FetchAll"], &fetch); err != nil {
		t.Fatal(err)
	}
	// Pulumi.dev.yaml: concurrency 10, batch size 25, one call at a time per batch.
	if fetch.MaxConcurrency != 10 || fetch.ItemBatcher.MaxItemsPerBatch != 25 || fetch.ItemReader.Parameters["Key.$"] != "$.manifest.key" {
		t.Errorf("FetchAll: %+v", fetch)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name      string
		overrides map[string]string
		fields    []string
	}{
		{"unknown key", map[string]string{"pipeline:vendorConcurrencyy": "3"}, []string{"pipeline:vendorConcurrencyy"}},
		{"renamed key", map[string]string{"pipeline:vendorBudget": "10"}, []string{"pipeline:vendorBudget"}},
		{"concurrency range", map[string]string{"pipeline:vendorConcurrency": "0"}, []string{"pipeline:vendorConcurrency"}},
		{"concurrency not a number", map[string]string{"pipeline:vendorConcurrency": "ten"}, []string{"pipeline:vendorConcurrency"}},
		{"rate not a rate", map[string]string{"pipeline:vendorRate": "100 per second"}, []string{"pipeline:vendorRate"}},
		{"rate window too short", map[string]string{"pipeline:vendorRate": "100/500ms"}, []string{"pipeline:vendorRate"}},
		{"rate below one call per invocation", map[string]string{"pipeline:vendorRate": "5/s"}, []string{"pipeline:vendorRate"}},
		{"one invocation cannot host the refetch consumer", map[string]string{"pipeline:batchConcurrency": "6"}, []string{"pipeline:batchConcurrency"}},
		{"http url", map[string]string{"pipeline:vendorUrl": "http://api.vendor.example"}, []string{"pipeline:vendorUrl"}},
		{"no url", map[string]string{"pipeline:vendorUrl": ""}, []string{"pipeline:vendorUrl"}},
		{"no token", map[string]string{"pipeline:vendorToken": ""}, []string{"pipeline:vendorToken"}},
		{"bad schedule", map[string]string{"pipeline:schedule": "cron(0 2 * * * *)"}, []string{"pipeline:schedule"}},
		{"batch too long for express", map[string]string{"pipeline:batchSize": "1000", "pipeline:vendorLatencyMs": "500"}, []string{"pipeline:batchSize"}},
		{"batch concurrency above budget", map[string]string{"pipeline:batchConcurrency": "20"}, []string{"pipeline:batchConcurrency"}},
		{"list concurrency above inline limit", map[string]string{"pipeline:vendorConcurrency": "100", "pipeline:listConcurrency": "41"}, []string{"pipeline:listConcurrency"}},
		{"list concurrency above the vendor worker's reserved", map[string]string{"pipeline:vendorConcurrency": "20", "pipeline:batchConcurrency": "5", "pipeline:listConcurrency": "5"}, []string{"pipeline:listConcurrency"}},
		{"latency that would overflow", map[string]string{"pipeline:vendorLatencyMs": "18446744078710"}, []string{"pipeline:vendorLatencyMs"}},
		{"latency above the limit", map[string]string{"pipeline:vendorLatencyMs": "10001"}, []string{"pipeline:vendorLatencyMs"}},
		{"tolerance", map[string]string{"pipeline:toleratedFailurePercent": "101"}, []string{"pipeline:toleratedFailurePercent"}},
		{"transform concurrency", map[string]string{"pipeline:transformConcurrency": "1"}, []string{"pipeline:transformConcurrency"}},
		{"log level", map[string]string{"pipeline:logLevel": "VERBOSE"}, []string{"pipeline:logLevel"}},
		{"every problem at once", map[string]string{"pipeline:vendorConcurrency": "0", "pipeline:vendorRate": "x", "pipeline:transformConcurrency": "1", "skein:logRetentionDays": "13"},
			[]string{"pipeline:vendorConcurrency", "pipeline:vendorRate", "pipeline:transformConcurrency", "skein:logRetentionDays"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := planWith(t, tt.overrides)
			if err == nil {
				t.Fatal("no error")
			}
			if p.Len() != 0 {
				t.Errorf("%d resources registered despite the error", p.Len())
			}
			for _, f := range tt.fields {
				if !hasField(err, f) {
					t.Errorf("no FieldError for %s in: %v", f, err)
				}
			}
		})
	}
}

// pipeline:logLevel DEBUG reaches both filters (the handlers' LOG_LEVEL and Lambda's
// application log level), and the cost model prices the per-device lines it adds; the default
// sets neither and prices no per-device line.
func TestLogLevel(t *testing.T) {
	planned := func(overrides map[string]string) (env, level string, logBytes float64) {
		t.Helper()
		run, err := stack.Offline(root(t), "dev", overrides)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range run.Plan.OfType("aws:lambda/function:Function") {
			if r.Name == stack.VendorName {
				level = r.String("loggingConfig.applicationLogLevel")
			}
		}
		return plannedEnv(t, run.Plan, stack.VendorName)[layout.EnvLogLevel], level,
			stack.CostOptionsFor(run.Config).Workloads[stack.WorkflowName].PerItem.LogBytes
	}
	env, level, info := planned(nil)
	if env != "" || level != "INFO" {
		t.Errorf("default: LOG_LEVEL %q, application log level %q; want none and INFO", env, level)
	}
	env, level, debug := planned(map[string]string{"pipeline:logLevel": "debug"})
	if env != "DEBUG" || level != "DEBUG" {
		t.Errorf("DEBUG: LOG_LEVEL %q, application log level %q; want DEBUG and DEBUG", env, level)
	}
	if debug-info < 500 {
		t.Errorf("DEBUG prices %.1f log bytes a device, INFO %.1f: the per-device lines are missing", debug, info)
	}
}

func hasField(err error, field string) bool {
	var fe *check.FieldError
	if errors.As(err, &fe) && fe.Field == field {
		return true
	}
	var children []error
	switch j := err.(type) {
	case interface{ Unwrap() []error }:
		children = j.Unwrap()
	case interface{ WrappedErrors() []error }: // the SDK's multierror around a program's error
		children = j.WrappedErrors()
	}
	for _, e := range children {
		if hasField(e, field) {
			return true
		}
	}
	return false
}

// The vendor's budget reaches every caller: the vendor worker reserves concurrency / batch
// concurrency invocations and paces each at its share of the rate, the Distributed Map fans out
// no further than the reserved invocations, the refetch consumer takes two, and budgets.json lists
// the budget, its share and every user.
func TestVendorBudget(t *testing.T) {
	for stage, want := range map[string]struct {
		reserved int
		rate     string
	}{"dev": {10, "95.23809523809524"}, "prod": {2, "47.61904761904762"}} {
		t.Run(stage, func(t *testing.T) {
			off, err := stack.Offline(root(t), stage)
			if err != nil {
				t.Fatal(err)
			}
			p := off.Plan
			fn := p.Find("aws:lambda/function:Function", stack.VendorName)
			if got := fn.Get("reservedConcurrentExecutions"); got != float64(want.reserved) {
				t.Errorf("reserved concurrency %v, want %d", got, want.reserved)
			}
			if got := fn.Get("environment.variables.SKEIN_BUDGET_RATE"); got != want.rate {
				t.Errorf("per-invocation rate %v, want %s", got, want.rate)
			}
			for _, other := range []string{stack.MergeName, stack.TransformName} {
				if v := p.Find("aws:lambda/function:Function", other).Get("environment.variables.SKEIN_BUDGET"); v != nil {
					t.Errorf("%s draws on a budget: %v", other, v)
				}
			}
			esm := p.Find("aws:lambda/eventSourceMapping:EventSourceMapping", stack.RefetchName+"-subscription")
			if esm == nil || esm.Get("scalingConfig.maximumConcurrency") != float64(2) || esm.String("functionName") != fn.Arn() {
				t.Errorf("refetch subscription: %+v", esm)
			}
			b, err := p.MarshalBudgets()
			if err != nil {
				t.Fatal(err)
			}
			var f plan.BudgetsFile
			if err := json.Unmarshal(b, &f); err != nil {
				t.Fatal(err)
			}
			if len(f.Budgets) != 1 || f.Budgets[0].Name != stack.BudgetName || len(f.Budgets[0].Shares) != 1 {
				t.Fatalf("budgets.json: %s", b)
			}
			users := map[string]int{}
			for _, u := range f.Budgets[0].Users {
				users[u.Kind+" "+u.Name+" "+u.State] = u.Concurrency
			}
			wantUsers := map[string]int{
				"workflow export ListGroups": 1, "workflow export ListDevicesOfGroup": min(want.reserved, 40),
				"workflow export Fetch": want.reserved, "queue refetch-subscription ": 2,
			}
			if fmt.Sprint(users) != fmt.Sprint(wantUsers) {
				t.Errorf("users %v, want %v", users, wantUsers)
			}
		})
	}
}

// A token written in plain text in a stage file is refused, without echoing it.
func TestPlainTextTokenIsRefused(t *testing.T) {
	opts, err := plan.StackConfig(root(t), "dev")
	if err != nil {
		t.Fatal(err)
	}
	opts.Config["pipeline:vendorToken"] = "pl41n-t0ken"
	p, err := plan.Run(stack.Program, opts)
	if err == nil || !hasField(err, "pipeline:vendorToken") || !strings.Contains(err.Error(), "must be a secret") {
		t.Fatalf("plain-text token: %v", err)
	}
	if strings.Contains(err.Error(), "pl41n-t0ken") {
		t.Errorf("the error echoes the token: %v", err)
	}
	if p.Len() != 0 {
		t.Errorf("%d resources registered", p.Len())
	}
}

// Hostile vendor URLs are refused, and the error never shows credentials or a query.
func TestVendorURLIsCheckedAndRedacted(t *testing.T) {
	for _, u := range []string{
		"http://127.evil.example.com/v1",
		"https://bob:hunter2@api.vendor.example/v1",
		"https://api.vendor.example/v1?key=hunter2",
		"https://api.vendor.example/v1#hunter2",
	} {
		_, err := planWith(t, map[string]string{"pipeline:vendorUrl": u})
		if err == nil || !hasField(err, "pipeline:vendorUrl") {
			t.Errorf("%s: %v", u, err)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error shows the secret: %v", u, err)
		}
	}
	if _, err := planWith(t, map[string]string{"pipeline:vendorUrl": "http://127.0.0.1:8080/v1"}); err != nil {
		t.Errorf("a loopback http URL: %v", err)
	}
}
