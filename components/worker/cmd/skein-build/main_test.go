package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/skeinhq/skein/components/worker"
)

// `make build` writes exactly the bytes the worker deploys, under the package's directory name.
func TestBuildWritesTheWorkersBytes(t *testing.T) {
	root, err := worker.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	const echo = "./components/worker/testdata/echo"
	out := t.TempDir()
	for _, arch := range []string{"arm64", "x86_64"} {
		dir := filepath.Join(out, arch)
		if err := run(arch, dir, []string{echo}); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "echo.zip"))
		if err != nil {
			t.Fatal(err)
		}
		art, err := worker.Build(context.Background(), root, echo, worker.Architecture(arch))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(art.Zip)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s: out/functions/echo.zip (%d bytes) differs from the worker's zip (%d bytes)", arch, len(got), len(want))
		}
	}
	if err := run("mips", filepath.Join(out, "mips"), []string{echo}); err == nil {
		t.Error("an unknown architecture was built")
	}
}

// With no arguments it builds every handler: each main package under functions/, and nothing
// that is not a main package.
func TestEveryHandlerIsListed(t *testing.T) {
	root, err := worker.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	got, err := handlers(root)
	if err != nil {
		t.Fatal(err)
	}
	mains, _ := filepath.Glob(filepath.Join(root, "functions", "*", "main.go"))
	if len(mains) == 0 {
		t.Fatal("no handler under functions/")
	}
	for _, m := range mains {
		pkg := "./functions/" + filepath.Base(filepath.Dir(m))
		if !slices.Contains(got, pkg) {
			t.Errorf("%s is not listed (%v)", pkg, got)
		}
	}
	for _, pkg := range got {
		if pkg == "./functions/sqsbatch" || pkg == "./functions/pipeline" {
			t.Errorf("library package %s listed as a handler", pkg)
		}
	}
}
