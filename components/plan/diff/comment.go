package diff

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Marker is the hidden line that identifies the plan diff comment of a pull request, so the
// poster updates it instead of adding another.
const Marker = "<!-- skein-plan-diff -->"

// MaxComment is GitHub's limit on a comment's body, in characters.
const MaxComment = 65536

// Stage is one stage's diff.md.
type Stage struct {
	Name     string
	Markdown string
}

var (
	detailsBlock = regexp.MustCompile("(?s)<details><summary>Definition diff.*?</details>\n")
	mermaidBlock = regexp.MustCompile("(?s)```mermaid\n.*?```\n")
	stateHeading = regexp.MustCompile("(?m)^#### State machine `([^`]*)`")
)

// Comment joins the stages' diffs into one pull-request comment that starts with Marker and
// stays within limit characters (zero means MaxComment). When they do not fit it cuts, in this
// order and only as far as needed: the state machines' definition diffs, their graphs, then the
// end of each stage's diff; a note at the end says what was cut and where the full diffs are
// (moreAt, a URL or a phrase; zero says "the workflow run's artifacts").
func Comment(stages []Stage, limit int, moreAt string) string {
	if limit <= 0 {
		limit = MaxComment
	}
	if moreAt == "" {
		moreAt = "the workflow run's artifacts"
	}
	head := Marker + "\n## Plan diff\n\n"
	if len(stages) == 0 {
		return head + "No stage was planned.\n"
	}
	mds := make([]string, len(stages))
	for i, s := range stages {
		// A stage's text cannot carry the marker: the poster finds its comment by it.
		mds[i] = strings.ReplaceAll(s.Markdown, Marker, "")
	}
	var cut []string
	build := func() string {
		body := head + strings.Join(mds, "\n")
		if len(cut) > 0 {
			body += "\n> [!NOTE]\n> Cut to stay within GitHub's 65,536 characters: " + strings.Join(cut, "; ") +
				". The full diffs (diff.md, diff.json) are in " + moreAt + ".\n"
		}
		return body
	}
	fits := func() bool { return utf8.RuneCountInString(build()) <= limit }
	if fits() {
		return build()
	}
	for _, step := range []struct {
		re   *regexp.Regexp
		what string
		with string
	}{
		{detailsBlock, "definition diffs", "_(definition diff cut, see the note below)_\n"},
		{mermaidBlock, "graphs", "_(graph cut, see the note below)_\n"},
	} {
		for i, s := range stages {
			var names []string
			for _, m := range stateHeading.FindAllStringSubmatch(mds[i], -1) {
				names = append(names, m[1])
			}
			if !step.re.MatchString(mds[i]) {
				continue
			}
			mds[i] = step.re.ReplaceAllLiteralString(mds[i], step.with)
			cut = append(cut, fmt.Sprintf("the %s of stage %s (%s)", step.what, s.Name, strings.Join(names, ", ")))
			if fits() {
				return build()
			}
		}
	}
	// Still too long: cut the end of the longest stage, line by line, until it fits.
	for !fits() {
		longest := 0
		for i := range mds {
			if len(mds[i]) > len(mds[longest]) {
				longest = i
			}
		}
		over := utf8.RuneCountInString(build()) - limit
		md := mds[longest]
		const tail = "\n_(the rest of this stage's diff is cut)_\n"
		keep := len(md) - over - len(tail) - 200
		if keep < 0 {
			keep = 0
		}
		for keep > 0 && !utf8.RuneStart(md[keep]) {
			keep--
		}
		if i := strings.LastIndex(md[:keep], "\n"); i >= 0 {
			keep = i + 1
		}
		note := fmt.Sprintf("the last %d characters of stage %s", utf8.RuneCountInString(md[keep:]), stages[longest].Name)
		mds[longest] = md[:keep] + tail
		cut = append(cut, note)
		if keep == 0 {
			break
		}
	}
	out := build()
	if r := []rune(out); len(r) > limit { // only when the note itself cannot fit
		out = string(r[:limit])
	}
	return out
}
