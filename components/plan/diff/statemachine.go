package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/skeinhq/skein/components/asl"
)

// StateMachineChange is a state machine added, removed, or whose definition changed.
type StateMachineChange struct {
	Name string `json:"name"`
	// Status is "added", "removed" or "changed".
	Status        string   `json:"status"`
	AddedStates   []string `json:"addedStates,omitempty"`
	RemovedStates []string `json:"removedStates,omitempty"`
	ChangedStates []string `json:"changedStates,omitempty"`
	// Graph is the Mermaid graph after the change (before it, for a removed state machine),
	// with added, changed and removed states marked.
	Graph string `json:"graph,omitempty"`
	// DefinitionDiff is the unified diff of the pretty definitions.
	DefinitionDiff string `json:"definitionDiff,omitempty"`
}

func compareStateMachines(base, head *Plan) []StateMachineChange {
	var out []StateMachineChange
	for _, n := range unionKeys(base.StateMachines, head.StateMachines) {
		b, bok := base.StateMachines[n]
		h, hok := head.StateMachines[n]
		if bok && hok && bytes.Equal(b.Definition, h.Definition) && b.Graph == h.Graph {
			continue
		}
		c := StateMachineChange{Name: n, Status: "changed"}
		bs, hs := states(b.Definition), states(h.Definition)
		switch {
		case !bok:
			c.Status = "added"
		case !hok:
			c.Status = "removed"
		}
		for _, s := range slices.Sorted(maps.Keys(hs)) {
			old, ok := bs[s]
			switch {
			case !ok:
				c.AddedStates = append(c.AddedStates, s)
			case old != hs[s]:
				c.ChangedStates = append(c.ChangedStates, s)
			}
		}
		for _, s := range slices.Sorted(maps.Keys(bs)) {
			if _, ok := hs[s]; !ok {
				c.RemovedStates = append(c.RemovedStates, s)
			}
		}
		if hok {
			c.Graph = markGraph(h.Graph, hs, c.AddedStates, c.ChangedStates, c.RemovedStates)
		} else {
			c.Graph = markGraph(b.Graph, bs, nil, nil, nil)
		}
		if c.Status == "added" {
			c.AddedStates = nil // every state is new: the list says nothing
		}
		c.DefinitionDiff = unified(string(b.Definition), string(h.Definition), 3)
		out = append(out, c)
	}
	return out
}

// states maps every state of a definition, nested ones included, to its JSON without the
// states it nests (a Map whose inner states change is not itself changed).
func states(def []byte) map[string]string {
	out := map[string]string{}
	m, err := asl.Decode(def)
	if err != nil {
		return out
	}
	var walk func(m *asl.Machine)
	walk = func(m *asl.Machine) {
		if m == nil {
			return
		}
		for name, st := range m.States {
			var own map[string]any
			if st == nil || json.Unmarshal(st.Raw, &own) != nil {
				continue
			}
			for _, k := range []string{"Iterator", "ItemProcessor"} {
				if sub, ok := own[k].(map[string]any); ok {
					own[k] = withoutStates(sub)
				}
			}
			if bs, ok := own["Branches"].([]any); ok {
				var kept []any
				for _, b := range bs {
					if sub, ok := b.(map[string]any); ok {
						kept = append(kept, withoutStates(sub))
					}
				}
				own["Branches"] = kept
			}
			out[name] = compact(own)
			for _, sub := range append([]*asl.Machine{st.ItemProcessor, st.Iterator}, st.Branches...) {
				walk(sub)
			}
		}
	}
	walk(m)
	return out
}

func withoutStates(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if k != "States" {
			out[k] = v
		}
	}
	return out
}

// A node of the plan's Mermaid graph: `s3["Name<br/>..."]`, `s1{"Name"}`, or a subgraph
// `subgraph s4 ["Name (Map, ...)"]`.
var (
	nodeLine     = regexp.MustCompile(`^\s*(s\d+)(?:\[\[|\[|\{\{|\{|\(\[|\()"([^"]*)"`)
	subgraphLine = regexp.MustCompile(`^\s*subgraph (s\d+) \["([^"]*)"`)
)

const (
	styleAdded   = "fill:#dafbe1,stroke:#1a7f37,stroke-width:3px"
	styleChanged = "fill:#fff8c5,stroke:#9a6700,stroke-width:3px"
	styleRemoved = "fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 3"
)

// markGraph styles the added and changed states of graph, and draws the removed ones apart.
func markGraph(graph string, known map[string]string, added, changed, removed []string) string {
	if graph == "" {
		return ""
	}
	mark := map[string]string{}
	for _, s := range added {
		mark[s] = styleAdded
	}
	for _, s := range changed {
		mark[s] = styleChanged
	}
	var styles []string
	for _, line := range strings.Split(graph, "\n") {
		id, label := "", ""
		if m := subgraphLine.FindStringSubmatch(line); m != nil {
			id, label = m[1], m[2]
		} else if m := nodeLine.FindStringSubmatch(line); m != nil {
			id, label = m[1], m[2]
		}
		if id == "" {
			continue
		}
		name := stateOf(label, known)
		if st, ok := mark[name]; ok {
			styles = append(styles, fmt.Sprintf("  style %s %s", id, st))
		}
	}
	out := strings.TrimRight(graph, "\n")
	if len(removed) > 0 {
		sort.Strings(removed)
		out += "\n  subgraph removed [\"removed states\"]\n    direction TB"
		for i, s := range removed {
			out += fmt.Sprintf("\n    r%d[\"%s\"]", i, strings.ReplaceAll(s, `"`, "#quot;"))
			styles = append(styles, fmt.Sprintf("  style r%d %s", i, styleRemoved))
		}
		out += "\n  end"
	}
	for _, s := range styles {
		out += "\n" + s
	}
	return out + "\n"
}

// stateOf finds the state a node's label names: the label up to its first line break, or up to
// " (" for a subgraph's "Name (Map, ...)".
func stateOf(label string, known map[string]string) string {
	first := strings.SplitN(label, "<br/>", 2)[0]
	if _, ok := known[first]; ok {
		return first
	}
	if i := strings.LastIndex(first, " ("); i > 0 {
		for j := i; j > 0; j = strings.LastIndex(first[:j], " (") {
			if _, ok := known[first[:j]]; ok {
				return first[:j]
			}
		}
	}
	return first
}

// unified is a unified diff of a and b by lines, with context lines around each change.
func unified(a, b string, context int) string {
	if a == b {
		return ""
	}
	x, y := splitLines(a), splitLines(b)
	ops := lineDiff(x, y)
	// Group into hunks.
	var out strings.Builder
	fmt.Fprintf(&out, "--- before\n+++ after\n")
	n := len(ops)
	for i := 0; i < n; {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := i - context
		if start < 0 {
			start = 0
		}
		end := i
		for end < n {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < n && ops[run].kind == ' ' {
				run++
			}
			if run == n || run-end > 2*context {
				end += min(context, run-end)
				break
			}
			end = run
		}
		ai, bi := ops[start].ai, ops[start].bi
		al, bl := 0, 0
		for _, o := range ops[start:end] {
			if o.kind != '+' {
				al++
			}
			if o.kind != '-' {
				bl++
			}
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n", ai+1, al, bi+1, bl)
		for _, o := range ops[start:end] {
			out.WriteByte(o.kind)
			out.WriteString(o.text)
			out.WriteByte('\n')
		}
		i = end
	}
	return out.String()
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

type lineOp struct {
	kind   byte // ' ', '-', '+'
	text   string
	ai, bi int // line index in a and b where the op sits
}

// lineDiff is a longest-common-subsequence diff, on the lines between the common prefix and
// suffix. Definitions are a few hundred lines; past 4 million cells it gives up finding common
// lines in the middle and shows it all as removed then added.
func lineDiff(a, b []string) []lineOp {
	var ops []lineOp
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		ops = append(ops, lineOp{' ', a[p], p, p})
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	ma, mb := a[p:len(a)-s], b[p:len(b)-s]
	n, m := len(ma), len(mb)
	if n*m > 4_000_000 {
		for i, l := range ma {
			ops = append(ops, lineOp{'-', l, p + i, p})
		}
		for j, l := range mb {
			ops = append(ops, lineOp{'+', l, p + n, p + j})
		}
	} else {
		// lcs[i][j] is the LCS length of ma[i:] and mb[j:].
		lcs := make([][]int32, n+1)
		for i := range lcs {
			lcs[i] = make([]int32, m+1)
		}
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < n || j < m {
			switch {
			case i < n && j < m && ma[i] == mb[j]:
				ops = append(ops, lineOp{' ', ma[i], p + i, p + j})
				i++
				j++
			case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
				ops = append(ops, lineOp{'-', ma[i], p + i, p + j})
				i++
			default:
				ops = append(ops, lineOp{'+', mb[j], p + i, p + j})
				j++
			}
		}
	}
	for k := 0; k < s; k++ {
		ops = append(ops, lineOp{' ', a[len(a)-s+k], len(a) - s + k, len(b) - s + k})
	}
	return ops
}
