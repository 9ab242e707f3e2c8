package lambdatest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skeinhq/skein/functions/internal/lambdatest"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

// startsPerRun is how many times each handler is started per benchmark iteration; the figures
// are medians over every start.
const startsPerRun = 20

// BenchmarkHandlerStartup starts every handler under functions/ as Lambda would start it: its
// bootstrap binary, built with the worker component's flags (-tags lambda.norpc -trimpath
// -ldflags "-s -w", CGO_ENABLED=0) for linux on this machine's architecture, in an environment
// holding only what Lambda sets and what the function configures, against a local stand-in of
// the Runtime API ([lambdatest.Start]). Each start serves one small real invocation: the vendor
// (no latency), SSM (the token) and S3 (s3local) are local. It reports the medians, over 20
// starts per iteration, of the time from the process's start to its first poll for an
// invocation (ms-to-ready: the init phase) and to its first response (ms-to-first-response), and
// the binary's size. The deployment zip's size is components/worker's BenchmarkHandlerZipSize.
func BenchmarkHandlerStartup(b *testing.B) {
	root := repoRoot(b)
	mains, _ := filepath.Glob(filepath.Join(root, "functions", "*", "main.go"))
	if len(mains) == 0 {
		b.Skip("no handlers under functions/")
	}
	f := startFixture(b)
	dir := b.TempDir()
	for _, m := range mains {
		name := filepath.Base(filepath.Dir(m))
		payload, ok := f.payloads[name]
		if !ok {
			b.Errorf("no start-up invocation for functions/%s: add one to startFixture", name)
			continue
		}
		b.Run(name, func(b *testing.B) {
			bin := buildBootstrap(b, root, name, filepath.Join(dir, name))
			st, err := os.Stat(bin)
			if err != nil {
				b.Fatal(err)
			}
			var ready, served []time.Duration
			b.ResetTimer()
			for range b.N {
				for range startsPerRun {
					r, t, err := lambdatest.Start([]string{bin}, f.env, payload, 20*time.Second)
					if err != nil {
						b.Fatal(err)
					}
					if r.ErrorType != "" {
						b.Fatalf("%s: %s", r.ErrorType, r.ErrorMessage)
					}
					ready, served = append(ready, t.Ready), append(served, t.Served)
				}
			}
			b.ReportMetric(ms(median(ready)), "ms-to-ready")
			b.ReportMetric(ms(median(served)), "ms-to-first-response")
			b.ReportMetric(float64(st.Size()), "bin-bytes")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// fixture is the local world the handlers start in: their environment and one invocation each.
type fixture struct {
	env      []string
	payloads map[string][]byte
}

// startFixture starts the local world (2 groups of 3 devices) and builds one small invocation of
// every handler from it.
func startFixture(b *testing.B) fixture {
	w := startWorld(b, 2, 3)
	fetch := fetchInput(1)
	merge := w.mergeInput(b, 1)
	transform := w.transformInput(b, 1)
	return fixture{
		env: w.env,
		payloads: map[string][]byte{
			"list-groups":     mustJSON(b, pipeline.RunInput{Date: date}),
			"list-devices":    mustJSON(b, pipeline.ListDevicesInput{Group: vendorapi.Group{ID: vendortest.GroupID(0), Name: "Group 1"}, Date: date}),
			"merge-manifests": mustJSON(b, merge),
			"fetch-metrics":   mustJSON(b, fetch),
			"transform":       mustJSON(b, transform),
			// The vendor worker's most frequent operation.
			"vendor": mustJSON(b, pipeline.Request{Op: pipeline.OpFetchMetrics, Input: mustJSON(b, fetch)}),
		},
	}
}

// buildFlags are components/worker's BuildFlags (not imported: that would bring the Pulumi SDK
// into this test).
var buildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid="}

// buildBootstrap builds functions/<name> for linux on this machine's architecture with the
// worker component's flags, to dir/bootstrap.
func buildBootstrap(b *testing.B, root, name, dir string) string {
	bin := filepath.Join(dir, "bootstrap")
	args := append(append([]string{"build"}, buildFlags...), "-o", bin, "./functions/"+name)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building %s: %v\n%s", name, err, out)
	}
	return bin
}

// repoRoot is the directory of the module's go.mod.
func repoRoot(b *testing.B) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		b.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
