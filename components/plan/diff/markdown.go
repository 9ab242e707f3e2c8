package diff

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// NoChanges is what Markdown says, after its heading, when nothing changed.
const NoChanges = "No changes"

// Markdown renders the diff for a pull request: a heading naming the stage and the base, then
// warnings, resources, IAM, state machines, schedules, cost and budgets, each only when it
// changed; "No changes" when nothing did.
func (d *Diff) Markdown() string {
	var b strings.Builder
	b.WriteString("### Stage")
	if d.Stack != "" {
		fmt.Fprintf(&b, " `%s`", d.Stack)
	}
	if d.Base != "" {
		fmt.Fprintf(&b, " against `%s`", d.Base)
	}
	b.WriteString("\n\n")
	if !d.Changed {
		b.WriteString(NoChanges + "\n")
		return b.String()
	}
	b.WriteString(d.summary() + "\n\n")
	if len(d.Warnings) > 0 {
		b.WriteString("> [!WARNING]\n> **Replacements and data loss**\n")
		for _, w := range d.Warnings {
			fmt.Fprintf(&b, "> - %s\n", w.Message)
		}
		b.WriteString("\n")
	}
	d.writeResources(&b)
	d.writeIAM(&b)
	d.writeStateMachines(&b)
	d.writeSchedules(&b)
	d.writeCost(&b)
	d.writeBudgets(&b)
	return b.String()
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + one + "s"
}

func (d *Diff) summary() string {
	var parts []string
	if n := len(d.Added) + len(d.Removed) + len(d.Modified); n > 0 {
		parts = append(parts, fmt.Sprintf("resources: %d added, %d removed, %d changed", len(d.Added), len(d.Removed), len(d.Modified)))
	}
	if n := len(d.Iam.Added) + len(d.Iam.Removed); n > 0 {
		iam := fmt.Sprintf("IAM: %d statements added, %d removed", len(d.Iam.Added), len(d.Iam.Removed))
		flagged := 0
		for _, s := range d.Iam.Added {
			if len(s.Notes) > 0 {
				flagged++
			}
		}
		if flagged > 0 {
			iam += fmt.Sprintf(" (⚠️ %d added to look at)", flagged)
		}
		parts = append(parts, iam)
	}
	if n := len(d.StateMachines); n > 0 {
		parts = append(parts, plural(n, "state machine")+" changed")
	}
	if n := len(d.Schedules); n > 0 {
		parts = append(parts, plural(n, "schedule")+" changed")
	}
	var month float64
	for _, c := range d.Cost {
		month += c.Delta.PerMonth
	}
	if len(d.Cost) > 0 {
		parts = append(parts, "cost per month "+signedUSD(month))
	}
	if n := len(d.Budgets); n > 0 {
		parts = append(parts, plural(n, "budget")+" changed")
	}
	if n := len(d.Warnings); n > 0 {
		parts = append(parts, "⚠️ "+plural(n, "warning"))
	}
	return "**" + strings.Join(parts, " · ") + "**"
}

// cell makes s safe inside a table cell and at most max runes long.
func cell(s string, max int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

// code wraps s in backticks for a table cell.
func code(s string, max int) string {
	s = cell(s, max)
	if s == "" {
		return ""
	}
	if strings.Contains(s, "`") {
		return "<code>" + strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s) + "</code>"
	}
	return "`" + s + "`"
}

func typeLabel(t string) string {
	if strings.HasPrefix(t, "aws:") {
		if i := strings.LastIndex(t, ":"); i > 4 {
			return t[4:i]
		}
	}
	return t
}

func value(v any) string {
	if v == nil {
		return "(none)"
	}
	if raw, ok := v.([]byte); ok {
		return string(raw)
	}
	return compact(v)
}

func (d *Diff) writeResources(b *strings.Builder) {
	if len(d.Added)+len(d.Removed)+len(d.Modified) == 0 {
		return
	}
	b.WriteString("#### Resources\n\n| | type | name | changed inputs |\n|---|---|---|---|\n")
	for _, r := range d.Added {
		fmt.Fprintf(b, "| ➕ added | %s | %s | |\n", code(typeLabel(r.Type), 80), code(r.Name, 80))
	}
	for _, r := range d.Removed {
		fmt.Fprintf(b, "| ➖ removed | %s | %s | |\n", code(typeLabel(r.Type), 80), code(r.Name, 80))
	}
	for _, r := range d.Modified {
		mark := "✏️ changed"
		if r.Replace {
			mark = "♻️ replaced"
		}
		name := code(r.Name, 80)
		if r.RenamedFrom != "" {
			name = code(r.RenamedFrom, 80) + " → " + name + " (aliased)"
		}
		var ins []string
		for i, in := range r.Inputs {
			if i == 12 {
				ins = append(ins, fmt.Sprintf("… and %d more", len(r.Inputs)-i))
				break
			}
			if in.Note != "" {
				ins = append(ins, code(in.Path, 80)+": "+in.Note)
				continue
			}
			ins = append(ins, code(in.Path, 80)+": "+code(value(in.Before), 100)+" → "+code(value(in.After), 100))
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", mark, code(typeLabel(r.Type), 80), name, strings.Join(ins, "<br>"))
	}
	b.WriteString("\n")
}

func (d *Diff) writeIAM(b *strings.Builder) {
	if len(d.Iam.Added)+len(d.Iam.Removed) == 0 {
		return
	}
	b.WriteString("#### IAM\n\n| | principal | effect | actions | resources | conditions | source | look at |\n|---|---|---|---|---|---|---|---|\n")
	row := func(mark string, s Statement) {
		var notes []string
		for _, n := range s.Notes {
			notes = append(notes, "⚠️ "+cell(n, 200))
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", mark, code(s.Principal, 200), s.Effect,
			codes(s.Actions), codes(s.Resources), code(s.Conditions, 300), code(s.Source, 100), strings.Join(notes, "<br>"))
	}
	for _, s := range d.Iam.Added {
		row("➕", s)
	}
	for _, s := range d.Iam.Removed {
		row("➖", s)
	}
	b.WriteString("\n")
}

func codes(ss []string) string {
	var out []string
	for _, s := range ss {
		out = append(out, code(s, 200))
	}
	return strings.Join(out, "<br>")
}

func names(ss []string) string {
	var out []string
	for _, s := range ss {
		out = append(out, "`"+s+"`")
	}
	return strings.Join(out, ", ")
}

func (d *Diff) writeStateMachines(b *strings.Builder) {
	for _, c := range d.StateMachines {
		fmt.Fprintf(b, "#### State machine `%s` (%s)\n\n", c.Name, c.Status)
		var lines []string
		if len(c.AddedStates) > 0 {
			lines = append(lines, "🟩 added: "+names(c.AddedStates))
		}
		if len(c.ChangedStates) > 0 {
			lines = append(lines, "🟨 changed: "+names(c.ChangedStates))
		}
		if len(c.RemovedStates) > 0 && c.Status != "removed" {
			lines = append(lines, "🟥 removed: "+names(c.RemovedStates))
		}
		if len(lines) > 0 {
			b.WriteString(strings.Join(lines, " · ") + "\n\n")
		}
		if c.Graph != "" {
			b.WriteString("```mermaid\n" + c.Graph + "```\n\n")
		}
		if c.DefinitionDiff != "" {
			n := strings.Count(c.DefinitionDiff, "\n")
			fmt.Fprintf(b, "<details><summary>Definition diff (%d lines)</summary>\n\n```diff\n%s```\n\n</details>\n\n", n, c.DefinitionDiff)
		}
	}
}

func scheduleCells(s *Schedule) string {
	if s == nil {
		return "(none) | | |"
	}
	next := s.Next
	if len(next) > 3 {
		next = next[:3]
	}
	return fmt.Sprintf("%s | %s | %s | %s", code(s.Expression, 100), code(s.TimeZone, 60), s.State, codes(next))
}

// writeBeforeAfter writes a section whose rows show one thing before and after the change:
// its heading, its table's header (with the separator row), then for each row its name and the
// cells of each side ("a | b | ...").
func writeBeforeAfter(b *strings.Builder, heading, header string, rows [][3]string) {
	if len(rows) == 0 {
		return
	}
	b.WriteString("#### " + heading + "\n\n" + header)
	for _, r := range rows {
		fmt.Fprintf(b, "| %s | before | %s |\n| | after | %s |\n", code(r[0], 80), r[1], r[2])
	}
	b.WriteString("\n")
}

func (d *Diff) writeSchedules(b *strings.Builder) {
	rows := make([][3]string, len(d.Schedules))
	for i, s := range d.Schedules {
		rows[i] = [3]string{s.Name, scheduleCells(s.Before), scheduleCells(s.After)}
	}
	writeBeforeAfter(b, "Schedules", "| schedule | | expression | time zone | state | next fire times |\n|---|---|---|---|---|---|\n", rows)
}

func usd(v float64) string {
	a := math.Abs(v)
	switch {
	case v == 0:
		return "$0"
	case a >= 1:
		return "$" + strconv.FormatFloat(v, 'f', 2, 64)
	case a >= 0.0001:
		return "$" + strconv.FormatFloat(v, 'f', 4, 64)
	default:
		return "$" + strconv.FormatFloat(v, 'g', 2, 64)
	}
}

func signedUSD(v float64) string {
	if v > 0 {
		return "+" + usd(v)
	}
	if v < 0 {
		return "−" + usd(-v)
	}
	return "±$0"
}

func deltaCell(before, delta float64) string {
	s := signedUSD(delta)
	if before != 0 && delta != 0 {
		s += strings.Replace(fmt.Sprintf(" (%+.1f%%)", 100*delta/before), "-", "−", 1)
	}
	return s
}

func (d *Diff) writeCost(b *strings.Builder) {
	if len(d.Cost) == 0 {
		return
	}
	b.WriteString("#### Cost\n\n| workflow | | per run | per month | per million items |\n|---|---|---|---|---|\n")
	for _, c := range d.Cost {
		fmt.Fprintf(b, "| %s | before | %s | %s | %s |\n", code(c.Name, 80), usd(c.Before.PerRun), usd(c.Before.PerMonth), usd(c.Before.PerMillionItems))
		fmt.Fprintf(b, "| | after | %s | %s | %s |\n", usd(c.After.PerRun), usd(c.After.PerMonth), usd(c.After.PerMillionItems))
		fmt.Fprintf(b, "| | **difference** | **%s** | **%s** | **%s** |\n", deltaCell(c.Before.PerRun, c.Delta.PerRun),
			deltaCell(c.Before.PerMonth, c.Delta.PerMonth), deltaCell(c.Before.PerMillionItems, c.Delta.PerMillionItems))
	}
	b.WriteString("\n")
	for _, c := range d.Cost {
		if len(c.Items) == 0 {
			continue
		}
		fmt.Fprintf(b, "%s per million items, by request type (largest before: %s; after: %s):\n\n", code(c.Name, 80), orNone(c.LargestBefore), orNone(c.LargestAfter))
		b.WriteString("| request type | section | count before | count after | cost before | cost after | difference |\n|---|---|---|---|---|---|---|\n")
		for _, it := range c.Items {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", code(it.Item, 80), it.Section, count(it.Before.Count), count(it.After.Count),
				usd(it.Before.Cost), usd(it.After.Cost), deltaCell(it.Before.Cost, it.Delta))
		}
		b.WriteString("\n")
	}
}

func orNone(key string) string {
	if key == "" {
		return "none"
	}
	return "`" + key + "`"
}

// count writes a usage count with thousands separators, to at most 3 decimals.
func count(v float64) string {
	s := strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	if neg {
		whole = "−" + whole
	}
	if frac != "" {
		return whole + "." + frac
	}
	return whole
}

func budgetCells(x *Budget) string {
	if x == nil {
		return "(none) | | | |"
	}
	var shares, users []string
	for _, s := range x.Shares {
		line := fmt.Sprintf("%v: concurrency %v", s["worker"], s["concurrency"])
		if v, ok := s["reservedConcurrency"]; ok {
			line += fmt.Sprintf(", reserved %v", v)
		}
		if v, ok := s["ratePerSecond"].(float64); ok {
			line += fmt.Sprintf(", %.4g/s", v)
		}
		shares = append(shares, cell(line, 200))
	}
	for _, u := range x.Users {
		line := fmt.Sprintf("%v %v", u["kind"], u["name"])
		if st, ok := u["state"]; ok {
			line += fmt.Sprintf(".%v", st)
		}
		line += fmt.Sprintf(" → %v: %v", u["worker"], u["concurrency"])
		users = append(users, cell(line, 200))
	}
	rate := x.Rate
	if rate == "" {
		rate = "(none)"
	}
	conc := "(none)"
	if x.Concurrency > 0 {
		conc = strconv.Itoa(x.Concurrency)
	}
	return fmt.Sprintf("%s | %s | %s | %s", conc, cell(rate, 40), strings.Join(shares, "<br>"), strings.Join(users, "<br>"))
}

func (d *Diff) writeBudgets(b *strings.Builder) {
	rows := make([][3]string, len(d.Budgets))
	for i, c := range d.Budgets {
		rows[i] = [3]string{c.Name, budgetCells(c.Before), budgetCells(c.After)}
	}
	writeBeforeAfter(b, "Budgets", "| budget | | concurrency | rate | shares | users |\n|---|---|---|---|---|---|\n", rows)
}
