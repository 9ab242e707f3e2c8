package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/skeinhq/skein/components/plan/diff"
)

// BenchmarkDiffReferenceStack is make diff's own time, beyond its two plans: reading both
// plans of the reference stack, comparing them and writing diff.md and diff.json. The base is
// the dev stage and the head the prod stage, so every section has something to say (75
// resources changed, 76 IAM statements, the state machine, the schedule, cost and budgets).
func BenchmarkDiffReferenceStack(b *testing.B) {
	dev, prod, out := b.TempDir(), b.TempDir(), b.TempDir()
	for stage, dir := range map[string]string{"dev": dev, "prod": prod} {
		if code := run([]string{"-stack", stage, "-out", dir}, io.Discard, os.Stderr); code != 0 {
			b.Fatalf("plan %s: exit %d", stage, code)
		}
	}
	b.ResetTimer()
	var mdBytes int
	for range b.N {
		base, err := diff.Load(dev)
		if err != nil {
			b.Fatal(err)
		}
		head, err := diff.Load(prod)
		if err != nil {
			b.Fatal(err)
		}
		d := diff.Compare(base, head, diff.Options{Stack: "prod", Base: "dev"})
		md := d.Markdown()
		js, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, "diff.md"), []byte(md), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, "diff.json"), js, 0o644); err != nil {
			b.Fatal(err)
		}
		mdBytes = len(md)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/diff")
	b.ReportMetric(float64(mdBytes), "diff.md-bytes")
}
