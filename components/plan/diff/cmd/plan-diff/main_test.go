package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The command writes diff.md and diff.json beside the head plan; an absent base is an empty
// plan, so everything is added.
func TestWritesDiffFiles(t *testing.T) {
	head := filepath.Join("..", "..", "testdata", "base")
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{"-base", filepath.Join(out, "absent"), "-head", head, "-out", out, "-stack", "dev", "-base-ref", "main"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	md, err := os.ReadFile(filepath.Join(out, "diff.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(md), "### Stage `dev` against `main`") || !strings.Contains(string(md), "➕ added") {
		t.Errorf("diff.md:\n%.400s", md)
	}
	var d struct {
		HasChanges bool              `json:"hasChanges"`
		Added      []json.RawMessage `json:"added"`
	}
	raw, err := os.ReadFile(filepath.Join(out, "diff.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &d); err != nil || !d.HasChanges || len(d.Added) < 80 {
		t.Errorf("diff.json: %v, %+v", err, d)
	}
	if !strings.Contains(stdout.String(), "plan-diff: dev:") {
		t.Errorf("stdout %q", stdout.String())
	}
}

func TestFlags(t *testing.T) {
	var a aliases
	if err := a.Set("aws:s3/bucketV2:BucketV2:data=lake"); err != nil || a[0].Type != "aws:s3/bucketV2:BucketV2" || a[0].From != "data" || a[0].To != "lake" {
		t.Errorf("%v %+v", err, a)
	}
	if err := a.Set("data=lake"); err != nil || a[1].Type != "" {
		t.Errorf("%v %+v", err, a)
	}
	if err := a.Set("data"); err == nil {
		t.Error("an alias without = is accepted")
	}
	var stderr bytes.Buffer
	if code := run([]string{"-head", "x"}, &stderr, &stderr); code != 2 {
		t.Errorf("exit %d without -base", code)
	}
}
