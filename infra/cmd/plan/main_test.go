package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// make plan twice gives byte-identical files, in every file ARCHITECTURE.md names.
func TestPlanIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		var stderr bytes.Buffer
		if code := run([]string{"-stack", "dev", "-out", dir}, io.Discard, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
	// cost.json prices what operating the stage costs beside its runs: its alarms and dashboard.
	var cost struct {
		Alarms     struct{ Count int }
		Dashboards struct {
			Names []string
			Month float64
		}
	}
	if raw, err := os.ReadFile(filepath.Join(a, "cost.json")); err != nil || json.Unmarshal(raw, &cost) != nil {
		t.Fatalf("cost.json: %v", err)
	}
	if cost.Alarms.Count < 10 || len(cost.Dashboards.Names) != 1 || cost.Dashboards.Month != 3 {
		t.Errorf("cost.json operating costs: %+v", cost)
	}
	files := walk(t, a)
	want := []string{"budgets.json", "cost.json", "dashboards/pipeline.json", "resources.json", "schedules.json", "statemachines/export.asl.json", "statemachines/export.mmd"}
	if len(files) != len(want) {
		t.Fatalf("files %v, want %v", files, want)
	}
	for i, f := range files {
		if f != want[i] {
			t.Errorf("file %s, want %s", f, want[i])
		}
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, err := os.ReadFile(filepath.Join(b, f))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs (%v)", f, err)
		}
	}
	var res []struct {
		Type, Name string
		Parent     *struct{ Type, Name string }
		Outputs    map[string]any
	}
	raw, _ := os.ReadFile(filepath.Join(a, "resources.json"))
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if !sort.SliceIsSorted(res, func(i, j int) bool {
		return res[i].Type < res[j].Type || res[i].Type == res[j].Type && res[i].Name < res[j].Name
	}) {
		t.Error("resources.json is not sorted by type then name")
	}
	if bytes.Contains(raw, []byte("plan-secret")) {
		t.Error("the secret placeholder leaks into resources.json")
	}
	for _, r := range res {
		if r.Type == "aws:sfn/stateMachine:StateMachine" && r.Outputs["arn"] == nil {
			t.Errorf("%s has no arn output", r.Name)
		}
	}
}

func TestUnknownStage(t *testing.T) {
	var stderr bytes.Buffer
	if code := run([]string{"-stack", "nope", "-out", t.TempDir()}, io.Discard, &stderr); code != 1 || !bytes.Contains(stderr.Bytes(), []byte("Pulumi.nope.yaml")) {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

func walk(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}
