package plan

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/testkit"
	"github.com/skeinhq/skein/components/stage"
)

// project writes a Pulumi project named nightly into a temp directory: Pulumi.yaml (with a
// stackConfigDir and a project-wide setting) and a dev stage file.
func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Pulumi.yaml":             "name: nightly\nruntime: go\nstackConfigDir: stages\nconfig:\n  aws:region: eu-west-1\n  reportPrefix:\n    type: string\n    default: reports/\n",
		"stages/Pulumi.dev.yaml":  "config:\n  nightly:timeZone: Europe/Paris\n  nightly:apiToken:\n    secure: v1:abc\n",
		"stages/Pulumi.prod.yaml": "config:\n  aws:region: us-east-1\n",
	}
	testkit.WriteFiles(t, dir, files)
	return dir
}

// logged registers a log group named as the stage names it, so the project shows in the plan.
func logged(ctx *pulumi.Context) error {
	st, err := stage.Load(ctx)
	if err != nil {
		return err
	}
	prefix, _ := ctx.GetConfig("nightly:reportPrefix")
	_, err = cloudwatch.NewLogGroup(ctx, "report-logs", &cloudwatch.LogGroupArgs{
		Name: pulumi.String(st.LogGroupName("report")),
		Tags: pulumi.StringMap{"prefix": pulumi.String(prefix), "tz": pulumi.String(st.TimeZone)},
	})
	return err
}

// The project is the one Pulumi.yaml names, as `pulumi up` would run it, not "skein": it is in
// every name and tag skein derives from it.
func TestProjectFromPulumiYaml(t *testing.T) {
	dir := project(t)
	pr, err := FindProject(filepath.Join(dir, "stages"))
	if err != nil {
		t.Fatal(err)
	}
	if pr.Name != "nightly" || pr.Dir != dir || pr.StackConfigDir != filepath.Join(dir, "stages") {
		t.Fatalf("project %+v", pr)
	}
	p, err := pr.Run(logged, "dev", "nightly:apiToken", "nightly:otherToken")
	if err != nil {
		t.Fatal(err)
	}
	lg := p.Find("aws:cloudwatch/logGroup:LogGroup", "report-logs")
	if lg.String("name") != "/skein/nightly/dev/report" {
		t.Errorf("log group %q, want the project nightly in it", lg.String("name"))
	}
	if lg.String("tags.prefix") != "reports/" || lg.String("tags.tz") != "Europe/Paris" {
		t.Errorf("tags %v: want Pulumi.yaml's default and the stage's setting", lg.Get("tags"))
	}
	if !strings.Contains(lg.Arn(), ":eu-west-1:") {
		t.Errorf("ARN %s: want Pulumi.yaml's region", lg.Arn())
	}
	if o, err := StackConfig(filepath.Join(dir, "stages"), "prod"); err != nil || o.Project != "" {
		t.Errorf("a stage file without a Pulumi.yaml beside it: project %q (%v)", o.Project, err)
	}
	// Read alone, the dev stage has no region (Pulumi.yaml gives it): an error, never us-east-1.
	if _, err := StackConfig(filepath.Join(dir, "stages"), "dev"); err == nil || !strings.Contains(err.Error(), "aws:region is required") {
		t.Errorf("a stage without a region: %v", err)
	}
	if _, err := pr.Run(logged, "nope"); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "stages", "Pulumi.nope.yaml")) {
		t.Errorf("a missing stage: %v", err)
	}
	// Run's zero Project is the project of the working directory.
	t.Chdir(filepath.Join(dir, "stages"))
	p, err = Run(logged, Options{Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Find("aws:cloudwatch/logGroup:LogGroup", "report-logs").String("name"); got != "/skein/nightly/test/report" {
		t.Errorf("log group %q, want the working directory's project", got)
	}
}

// The plan command writes the registered artefacts and those its caller adds; a writer of a
// registered name replaces it; every writer sees the recorded resources.
func TestCommandWritesExtensibleArtifacts(t *testing.T) {
	dir := project(t)
	var seen int
	budgets := Writer{Name: "budgets.json", Write: func(p *Plan, out string) error {
		seen = len(p.OfType("aws:cloudwatch/logGroup:LogGroup"))
		b, err := MarshalArtifact(map[string]int{"logGroups": seen})
		if err != nil {
			return err
		}
		return WriteFile(filepath.Join(out, "budgets.json"), b)
	}}
	cmd := Command{Program: logged, Writers: []Writer{budgets}, PlaceholderSecrets: []string{"nightly:apiToken"}}
	var stdout, stderr bytes.Buffer
	if code := cmd.Run([]string{"-C", dir, "-stack", "dev"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := filepath.Join(dir, "out", "dev")
	var res []Resource
	raw, err := os.ReadFile(filepath.Join(out, "resources.json"))
	if err != nil || json.Unmarshal(raw, &res) != nil || len(res) != 1 || res[0].Name != "report-logs" {
		t.Fatalf("resources.json %s (%v)", raw, err)
	}
	if b, err := os.ReadFile(filepath.Join(out, "budgets.json")); err != nil || seen != 1 || !bytes.Contains(b, []byte(`"logGroups": 1`)) {
		t.Errorf("budgets.json %s (%v), writer saw %d log groups", b, err, seen)
	}
	// cost.json is the plan's own, written with default workloads with no package imported.
	if b, err := os.ReadFile(filepath.Join(out, "cost.json")); err != nil || !bytes.Contains(b, []byte(`"stateMachines": []`)) {
		t.Errorf("cost.json %s (%v)", b, err)
	}
	if !strings.Contains(stdout.String(), "project nightly, stage dev") {
		t.Errorf("stdout %q", stdout.String())
	}
	replaced := Command{Program: logged, Writers: []Writer{{Name: "resources.json", Write: func(*Plan, string) error { return nil }}}}
	other := t.TempDir()
	if code := replaced.Run([]string{"-C", dir, "-stack", "prod", "-out", other}, io.Discard, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(other, "resources.json")); !os.IsNotExist(err) {
		t.Errorf("a writer named resources.json did not replace the registered one (%v)", err)
	}
	stderr.Reset()
	if code := (Command{Program: logged}).Run([]string{"-C", dir, "-stack", "qa"}, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "Pulumi.qa.yaml") {
		t.Errorf("unknown stage: exit %d, %s", code, stderr.String())
	}
}
