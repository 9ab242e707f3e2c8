package plan

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PlaceholderSecret stands in for secrets a plan cannot decrypt, or that the stage file does not
// hold; resources.json shows it as "[secret]".
const PlaceholderSecret = "plan-secret"

// Command is a plan command: the program it plans and what it writes. Main runs the common one;
// build a Command to add writers or placeholder secrets.
type Command struct {
	// Program is the Pulumi program, the function main passes to pulumi.Run. Required.
	Program pulumi.RunFunc
	// Writers add artefacts to the registered ones (see Writer), or replace one of the same
	// Name; zero means only the registered ones.
	Writers []Writer
	// PlaceholderSecrets are config keys ("app:apiToken") that get a placeholder secret when
	// the stage file does not set them: secrets are often set only in the deploying backend,
	// and a plan must not need them. Zero means none.
	PlaceholderSecrets []string
}

// Main is the whole main function of a plan command for program:
//
//	func main() { plan.Main(stack.Program) }
//
// `go run ./cmd/plan -stack dev` then runs the program offline (no CLI, no credentials, no
// network) for the project of the Pulumi.yaml at or above the working directory, with the stage
// file next to it (or in its stackConfigDir), and writes the registered artefacts to
// out/<stack>/ beside Pulumi.yaml: resources.json, and those of the packages the program uses
// (statemachines/, schedules.json, cost.json, budgets.json...). Flags: -stack (zero: dev), -out, -C (the
// project directory). It exits 1 on any error, 2 on bad flags.
func Main(program pulumi.RunFunc, writers ...Writer) {
	os.Exit(Command{Program: program, Writers: writers}.Run(os.Args[1:], os.Stdout, os.Stderr))
}

// Run is Main with its arguments, output and exit code in the caller's hands (for tests).
func (c Command) Run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "dev", "the stage to plan (Pulumi.<stage>.yaml)")
	out := fs.String("out", "", "output directory; zero means out/<stage> beside Pulumi.yaml")
	dir := fs.String("C", "", "the project's directory; zero means the nearest Pulumi.yaml at or above the working directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		_, _ = fmt.Fprintln(stderr, "plan:", err)
		return 1
	}
	if c.Program == nil {
		return fail(errors.New("Command.Program is required"))
	}
	start := *dir
	if start == "" {
		wd, err := os.Getwd()
		if err != nil {
			return fail(err)
		}
		start = wd
	}
	var pr *Project
	var err error
	if *dir != "" {
		pr, err = LoadProject(start)
	} else {
		pr, err = FindProject(start)
	}
	if err != nil {
		return fail(err)
	}
	p, err := pr.Run(c.Program, *stack, c.PlaceholderSecrets...)
	if err != nil {
		return fail(err)
	}
	outDir := *out
	if outDir == "" {
		outDir = filepath.Join(pr.Dir, "out", *stack)
	}
	if err := p.WriteArtifacts(outDir, c.Writers...); err != nil {
		return fail(err)
	}
	_, _ = fmt.Fprintf(stdout, "plan: %d resources of project %s, stage %s written to %s\n", p.Len(), pr.Name, *stack, outDir)
	return 0
}

// Run runs program offline for one stage of the project: its stage file, its project-wide
// config, its name. Keys of placeholderSecrets the stage does not set get a placeholder secret.
// A missing stage file is an error naming it.
func (pr *Project) Run(program pulumi.RunFunc, stack string, placeholderSecrets ...string) (*Plan, error) {
	opts, err := pr.StackOptions(stack)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no stage %q: %s does not exist", stack, filepath.Join(pr.StackConfigDir, "Pulumi."+stack+".yaml"))
		}
		return nil, err
	}
	for _, k := range placeholderSecrets {
		if _, ok := opts.Config[k]; !ok {
			opts.Config[k] = PlaceholderSecret
			opts.SecretKeys = append(opts.SecretKeys, k)
		}
	}
	return Run(program, opts)
}
