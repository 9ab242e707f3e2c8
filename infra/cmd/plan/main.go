// Command plan renders a stage of the reference pipeline offline (make plan STACK=<stage>): it
// runs infra's program under the plan harness and writes out/<stage>/resources.json,
// statemachines/<name>.asl.json and .mmd, schedules.json, cost.json and budgets.json. No
// credentials, no network; the same inputs give byte-identical files. See plan.Main for the
// flags.
package main

import (
	"io"
	"os"

	"github.com/skeinhq/skein/infra/stack"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	return stack.PlanCommand().Run(args, stdout, stderr)
}
