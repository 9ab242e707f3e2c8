// Package diff compares two plans of the same stage (the artefacts `make plan` writes: a base,
// usually the pull request's merge base, and a head, the working tree) and says what a
// deployment of the head would change, offline: resources added, removed and changed with
// their changed inputs; the changes that replace a resource or lose data; every IAM statement
// added or removed; each changed state machine's graph with its added, removed and changed
// states marked; schedules whose next fire times move; cost per run, per month and per million
// items; budgets' limits and shares.
//
//	base, err := diff.Load("out/.cache/plans/<commit>/dev")
//	head, err := diff.Load("out/dev")
//	d := diff.Compare(base, head, diff.Options{Stack: "dev", Base: "main"})
//	md := d.Markdown() // "No changes" when nothing changed
//
// [Load] treats a missing artefact as empty, so a base planned before an artefact existed
// (budgets.json, say) shows everything in it as added. [Comment] joins the diffs of several
// stages into one pull-request comment within GitHub's 65,536 characters, saying what it cut.
// The command in ./cmd/plan-diff writes out/<stage>/diff.md and diff.json (make diff), and
// ./cmd/plan-comment posts the comment (the pull-request-comment workflow).
//
// # Defaults
//
// Zero Options mean stack "" (the headings name no stage), base "" (not named) and no aliases.
//
// # Renames
//
// Resources are matched by type and logical name. A logical name that disappears while another
// of the same type appears is reported as a rename; for buckets, queues, state machines,
// functions and log groups it is a replacement that loses data, unless the program gives the
// new name a pulumi.Aliases of the old one (the plan files do not record aliases: list them in
// [Options.Aliases], or plan-diff -alias, and the rename is then reported as a rename, not a
// replacement).
package diff
