// Command skein-build builds Lambda handlers exactly as the worker component does (same flags,
// same reproducible zip, same cache) and copies each zip to <out>/<name>.zip, where name is the
// package's directory name.
//
//	skein-build [-arch arm64|x86_64] [-o out/functions] ./functions/list-groups ./functions/transform
//
// With no package arguments it builds every main package under ./functions.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/skeinhq/skein/components/worker"
)

func main() {
	arch := flag.String("arch", "arm64", "arm64 or x86_64")
	out := flag.String("o", "out/functions", "output directory")
	flag.Parse()
	if err := run(*arch, *out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// handlers lists every main package under ./functions, as ./functions/<path>.
func handlers(root string) ([]string, error) {
	cmd := exec.Command("go", "list", "-f", "{{if eq .Name \"main\"}}{{.Dir}}{{end}}", "./functions/...")
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing ./functions: %w", err)
	}
	var pkgs []string
	for _, dir := range strings.Fields(string(b)) {
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, "./"+filepath.ToSlash(rel))
	}
	return pkgs, nil
}

func run(arch, out string, pkgs []string) error {
	root, err := worker.ModuleRoot()
	if err != nil {
		return err
	}
	if len(pkgs) == 0 {
		if pkgs, err = handlers(root); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, pkg := range pkgs {
		art, err := worker.Build(context.Background(), root, pkg, worker.Architecture(arch))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(art.Zip)
		if err != nil {
			return err
		}
		dst := filepath.Join(out, filepath.Base(pkg)+".zip")
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return err
		}
		fmt.Printf("%s\t%d bytes\tsha256 %s\n", dst, art.Size, art.SHA256)
	}
	return nil
}
