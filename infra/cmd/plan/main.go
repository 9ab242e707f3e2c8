// Command plan renders a stage of the reference pipeline offline (make plan STACK=<stage>): it
// runs infra's program under the plan harness and writes out/<stage>/resources.json,
// statemachines/<name>.asl.json and .mmd, schedules.json, cost.json and budgets.json. No credentials, no
// network; the same inputs give byte-identical files.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/skeinhq/skein/components/budget"
	"github.com/skeinhq/skein/components/schedule"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/components/workflow"
	"github.com/skeinhq/skein/infra/cost"
	"github.com/skeinhq/skein/infra/stack"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stackName := fs.String("stack", "dev", "the stage to plan (Pulumi.<stage>.yaml)")
	out := fs.String("out", "", "output directory; zero means out/<stage>")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	root, err := worker.ModuleRoot()
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "plan:", err)
		return 1
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(root, "out", *stackName)
	}
	off, err := stack.Offline(root, *stackName)
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "plan:", err)
		return 1
	}
	p := off.Plan
	for _, write := range []func() error{
		func() error { return p.WriteResources(dir) },
		func() error { return workflow.WritePlanArtifacts(p, dir) },
		func() error { return schedule.WritePlanArtifacts(p, dir) },
		func() error { return cost.Write(p, dir, off.CostOptions()) },
		func() error { return budget.WritePlanArtifacts(p, dir) },
	} {
		if err := write(); err != nil {
			_, _ = fmt.Fprintln(stderr, "plan:", err)
			return 1
		}
	}
	_, _ = fmt.Fprintf(stdout, "plan: %d resources of stage %s written to %s\n", p.Len(), *stackName, dir)
	return 0
}
