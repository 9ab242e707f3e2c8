package worker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/plan"
)

// BenchmarkPlanWorkers plans 1, 10 and 100 workers of one handler whose build is cached by
// source hash under out/.build, as it is for a second `pulumi preview` or `make plan`: every
// iteration starts with the process caches empty, like a new process, so it pays for hashing
// the sources (go list) and reading the cached zip once, then for the components themselves.
// The "warm" rows keep the process cache, which isolates the components' own cost.
func BenchmarkPlanWorkers(b *testing.B) {
	r := root(b)
	if _, err := Build(context.Background(), r, echo, Arm64); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		n    int
		warm bool
	}{{1, false}, {10, false}, {100, false}, {1, true}, {10, true}, {100, true}} {
		n := tc.n
		name := fmt.Sprintf("workers=%d", n)
		if tc.warm {
			name += "/warm"
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if !tc.warm {
					builds.Clear()
					toolchains.Clear()
				}
				p, err := plan.Run(func(ctx *pulumi.Context) error {
					for j := 0; j < n; j++ {
						if _, err := NewWorker(ctx, fmt.Sprintf("w%d", j), &WorkerArgs{Package: echo, Root: r}); err != nil {
							return err
						}
					}
					return nil
				}, plan.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if p.Len() != n*9 {
					b.Fatalf("%d resources for %d workers", p.Len(), n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/float64(n), "ms/worker")
		})
	}
}

// BenchmarkHandlerZipSize reports the deployment package size of every real handler under
// functions/ (target: under 5 MB). `make bench-handlers` prints it beside each handler's
// start-up (BenchmarkHandlerStartup in functions/internal/lambdatest).
func BenchmarkHandlerZipSize(b *testing.B) {
	r := root(b)
	dirs, _ := filepath.Glob(filepath.Join(r, "functions", "*", "main.go"))
	if len(dirs) == 0 {
		b.Skip("no handlers under functions/")
	}
	for _, m := range dirs {
		pkg := "./functions/" + filepath.Base(filepath.Dir(m))
		b.Run(filepath.Base(filepath.Dir(m)), func(b *testing.B) {
			var art *Artifact
			var err error
			for i := 0; i < b.N; i++ {
				if art, err = Build(context.Background(), r, pkg, Arm64); err != nil {
					b.Fatal(err)
				}
			}
			st, err := os.Stat(art.Zip)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(st.Size()), "zip-bytes")
		})
	}
}
