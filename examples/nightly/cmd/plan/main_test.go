package main

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/skeinhq/skein/components/plan"

	"example.com/nightly/app"
)

// The few lines of main give every artefact of make plan, for this project and both stages.
func TestPlanWritesEveryArtifact(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		out := t.TempDir()
		var stdout, stderr bytes.Buffer
		if code := (plan.Command{Program: app.Program}).Run([]string{"-stack", stack, "-out", out}, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", stack, code, stderr.String())
		}
		var files []string // fs.WalkDir walks in lexical order
		_ = fs.WalkDir(os.DirFS(out), ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, p)
			}
			return err
		})
		want := "budgets.json cost.json resources.json schedules.json statemachines/report.asl.json statemachines/report.mmd"
		if strings.Join(files, " ") != want {
			t.Errorf("%s: files %v, want %s", stack, files, want)
		}
		if !strings.Contains(stdout.String(), "project nightly, stage "+stack) {
			t.Errorf("%s: %s", stack, stdout.String())
		}
		if b, _ := fs.ReadFile(os.DirFS(out), "resources.json"); bytes.Contains(b, []byte("skein-"+stack)) || bytes.Contains(b, []byte("/skein/skein/")) {
			t.Errorf("%s: resources.json names the project skein", stack)
		}
	}
	if code := (plan.Command{Program: app.Program}).Run([]string{"-stack", "qa", "-out", t.TempDir()}, io.Discard, io.Discard); code != 1 {
		t.Errorf("an unknown stage: exit %d", code)
	}
}
