package worker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/testkit"
	"github.com/skeinhq/skein/components/plan"
)

// echoModule writes a copy of this module (go.mod, go.sum) under dir with the echo handler's
// source as the main package pkg ("handlers/fn"), and returns that source.
func echoModule(t *testing.T, dir, pkg string) string {
	t.Helper()
	r := root(t)
	files := map[string]string{}
	for name, from := range map[string]string{"go.mod": "go.mod", "go.sum": "go.sum", pkg + "/main.go": "components/worker/testdata/echo/main.go"} {
		b, err := os.ReadFile(filepath.Join(r, from))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	testkit.WriteFiles(t, dir, files)
	return files[pkg+"/main.go"]
}

// A handler module that develops against shared code through a replace to a local directory,
// as teams develop against skein or their own shared packages.
func replacedModule(t *testing.T) (app string, shared string) {
	t.Helper()
	r := root(t)
	gomod, err := os.ReadFile(filepath.Join(r, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gosum, err := os.ReadFile(filepath.Join(r, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	app = filepath.Join(dir, "app")
	shared = filepath.Join(dir, "shared")
	testkit.WriteFiles(t, app, map[string]string{
		"go.mod": string(gomod) + "\nrequire example.com/shared v0.0.0\n\nreplace example.com/shared => ../shared\n",
		"go.sum": string(gosum),
		"fn/main.go": `package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"example.com/shared/greet"
)

func main() { lambda.Start(func(context.Context) (string, error) { return greet.Hello(), nil }) }
`,
		"lib/lib.go": "package lib\n\nfunc X() int { return 1 }\n",
	})
	testkit.WriteFiles(t, shared, map[string]string{
		"go.mod":         "module example.com/shared\n\ngo 1.22\n",
		"greet/greet.go": "package greet\n\nfunc Hello() string { return \"hello\" }\n",
	})
	return app, shared
}

// A change in a module replaced by a local directory changes the source hash, hence the zip's
// cache entry: the handler is rebuilt and a preview shows the change. (The placeholder version
// v0.0.0 stays the same, so hashing module versions alone would keep the stale zip.)
func TestReplacedModuleChangesTheHash(t *testing.T) {
	app, shared := replacedModule(t)
	ctx := context.Background()
	before, err := sourceHash(ctx, app, "./fn", Arm64)
	if err != nil {
		t.Fatal(err)
	}
	testkit.WriteFiles(t, shared, map[string]string{"greet/greet.go": "package greet\n\nfunc Hello() string { return \"bonjour\" }\n"})
	after, err := sourceHash(ctx, app, "./fn", Arm64)
	if err != nil {
		t.Fatal(err)
	}
	if before == after {
		t.Error("changing the replaced module's handler code kept the source hash: the zip would be stale")
	}
	again, err := sourceHash(ctx, app, "./fn", Arm64)
	if err != nil || again != after {
		t.Errorf("the same sources hashed differently (%v)", err)
	}
}

// A package that is not main is refused before anything is built or registered, naming the
// package; a path written without ./ is read relative to the module root, and one that does
// not exist is an error that says so.
func TestPackageMustBeMainAndFound(t *testing.T) {
	app, _ := replacedModule(t)
	for _, tc := range []struct {
		pkg, want string
	}{
		{"./lib", "must be a main package"},
		{"lib", "must be a main package"},
		{"nope/fn", "./nope/fn does not exist"},
	} {
		p, err := plan.Run(func(ctx *pulumi.Context) error {
			_, err := NewWorker(ctx, "w", &WorkerArgs{Package: tc.pkg, Root: app})
			return err
		}, plan.Options{})
		var fe *check.FieldError
		if !errors.As(err, &fe) || fe.Field != "Package" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Package %q: want a Package field error with %q, got %v", tc.pkg, tc.want, err)
		}
		if p.Len() != 0 {
			t.Errorf("Package %q: %d resources registered", tc.pkg, p.Len())
		}
	}
	art, err := Build(context.Background(), app, "fn", Arm64)
	if err != nil || art.Size == 0 {
		t.Fatalf("a package path without ./: %v", err)
	}
}
