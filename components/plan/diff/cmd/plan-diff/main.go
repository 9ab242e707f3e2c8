// Command plan-diff compares two plans of a stage (make plan's artefacts) and writes diff.md
// and diff.json: make diff runs it after planning the base in a temporary worktree.
//
//	plan-diff -base out/.cache/plans/<commit>/dev -head out/dev -stack dev -base-ref main
//
// It writes into -out (zero: -head) and prints how long the comparison took. -alias
// type:old=new (repeatable; type may be empty) declares a rename the program aliases.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/skeinhq/skein/components/plan/diff"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type aliases []diff.Alias

func (a *aliases) String() string { return fmt.Sprint(*a) }

func (a *aliases) Set(s string) error {
	typ, rest := "", s
	if i := strings.LastIndex(s, ":"); i >= 0 {
		typ, rest = s[:i], s[i+1:]
	}
	from, to, ok := strings.Cut(rest, "=")
	if !ok || from == "" || to == "" {
		return fmt.Errorf("alias %q: want [type:]old=new", s)
	}
	*a = append(*a, diff.Alias{Type: typ, From: from, To: to})
	return nil
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan-diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "", "the base plan's directory (required; a missing one is an empty plan)")
	head := fs.String("head", "", "the head plan's directory (required)")
	out := fs.String("out", "", "where diff.md and diff.json go; zero means -head")
	stack := fs.String("stack", "", "the stage, named in the heading")
	ref := fs.String("base-ref", "", "the base's git ref or commit, named in the heading")
	var al aliases
	fs.Var(&al, "alias", "a rename the program aliases: [type:]old=new (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *base == "" || *head == "" {
		_, _ = fmt.Fprintln(stderr, "plan-diff: -base and -head are required")
		return 2
	}
	if *out == "" {
		*out = *head
	}
	fail := func(err error) int {
		_, _ = fmt.Fprintln(stderr, "plan-diff:", err)
		return 1
	}
	start := time.Now()
	b, err := diff.Load(*base)
	if err != nil {
		return fail(err)
	}
	h, err := diff.Load(*head)
	if err != nil {
		return fail(err)
	}
	d := diff.Compare(b, h, diff.Options{Stack: *stack, Base: *ref, Aliases: al})
	js, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "diff.md"), []byte(d.Markdown()), 0o644); err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "diff.json"), append(js, '\n'), 0o644); err != nil {
		return fail(err)
	}
	summary := diff.NoChanges
	if d.Changed {
		summary = fmt.Sprintf("%d added, %d removed, %d changed, %d warnings", len(d.Added), len(d.Removed), len(d.Modified), len(d.Warnings))
	}
	_, _ = fmt.Fprintf(stdout, "plan-diff: %s: %s; wrote %s and diff.json in %s\n", *stack, summary,
		filepath.Join(*out, "diff.md"), time.Since(start).Round(time.Millisecond))
	return 0
}
