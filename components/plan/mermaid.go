package plan

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/skeinhq/skein/components/asl"
)

// Resource ARNs of the service integrations the graph names by their target.
const (
	lambdaInvokeResource = "arn:aws:states:::lambda:invoke"
	sqsSendResource      = "arn:aws:states:::sqs:sendMessage"
	startExecResource    = "arn:aws:states:::states:startExecution"
)

// Mermaid draws an ASL definition as a Mermaid flowchart: one node per state (Choice as a
// diamond, Succeed and Fail as stadiums), Map and Parallel states as subgraphs holding their
// processor or branches, Catch transitions as dotted edges labelled with the errors they catch,
// and Choice rules labelled with their condition. The output is deterministic, so that a pull
// request shows the graph's diff next to the definition's.
func Mermaid(definition []byte) (string, error) {
	m, err := asl.Decode(definition)
	if err == nil {
		err = m.Err()
	}
	if err != nil {
		return "", fmt.Errorf("plan: Mermaid: %w", err)
	}
	if len(m.States) == 0 {
		return "", fmt.Errorf("plan: Mermaid: the definition has no States")
	}
	g := &graph{}
	g.line(0, "flowchart TD")
	g.scope(1, "", m)
	return g.b.String(), nil
}

type graph struct {
	b strings.Builder
	n int
}

func (g *graph) id() string {
	g.n++
	return fmt.Sprintf("s%d", g.n)
}

func (g *graph) line(depth int, s string) {
	g.b.WriteString(strings.Repeat("  ", depth))
	g.b.WriteString(s)
	g.b.WriteByte('\n')
}

// label escapes text for a quoted Mermaid label.
func label(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "\n", " ")
	return r.Replace(s)
}

// order is StartAt first, then states in breadth-first order of their transitions, then any
// unreachable state by name.
func order(m *asl.Machine) []string {
	seen := map[string]bool{}
	var out []string
	queue := []string{m.StartAt}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		s, ok := m.States[n]
		if !ok || s == nil || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, n)
		queue = append(queue, s.Next)
		for _, c := range s.Choices {
			queue = append(queue, c.Next)
		}
		queue = append(queue, s.Default)
		for _, c := range s.Catch {
			queue = append(queue, c.Next)
		}
	}
	var rest []string
	for n := range m.States {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// scope draws one state machine scope; prefix names it for its start and end markers.
func (g *graph) scope(depth int, title string, m *asl.Machine) {
	ids := map[string]string{}
	names := order(m)
	for _, n := range names {
		ids[n] = g.id()
	}
	start, end := g.id(), g.id()
	g.line(depth, fmt.Sprintf(`%s(("start%s"))`, start, label(title)))
	g.line(depth, fmt.Sprintf(`%s(("end%s"))`, end, label(title)))
	var edges []string
	if id, ok := ids[m.StartAt]; ok {
		edges = append(edges, start+" --> "+id)
	}
	for _, n := range names {
		s := m.States[n]
		if s == nil {
			s = &asl.State{}
		}
		id := ids[n]
		g.node(depth, id, n, s)
		if s.Next != "" {
			if to, ok := ids[s.Next]; ok {
				edges = append(edges, id+" --> "+to)
			}
		}
		if s.End || s.Type == "Succeed" || s.Type == "Fail" {
			edges = append(edges, id+" --> "+end)
		}
		for i, c := range s.Choices {
			if to, ok := ids[c.Next]; ok {
				var rule map[string]any
				_ = json.Unmarshal(c.Raw, &rule)
				edges = append(edges, fmt.Sprintf(`%s -- "%d: %s" --> %s`, id, i+1, label(describeRule(rule)), to))
			}
		}
		if to, ok := ids[s.Default]; ok && s.Default != "" {
			edges = append(edges, fmt.Sprintf(`%s -- "default" --> %s`, id, to))
		}
		for _, c := range s.Catch {
			if to, ok := ids[c.Next]; ok {
				edges = append(edges, fmt.Sprintf(`%s -. "catch %s" .-> %s`, id, label(strings.Join(c.ErrorEquals, ", ")), to))
			}
		}
	}
	for _, e := range edges {
		g.line(depth, e)
	}
}

func (g *graph) node(depth int, id, name string, s *asl.State) {
	switch s.Type {
	case "Map":
		mode, detail := "inline", ""
		proc := &asl.Machine{}
		if s.ItemProcessor != nil {
			proc = s.ItemProcessor
			if pc := s.ItemProcessor.ProcessorConfig; pc != nil && pc.Mode == "DISTRIBUTED" {
				mode = "distributed, " + strings.ToLower(pc.ExecutionType)
			}
		} else if s.Iterator != nil {
			proc = s.Iterator
		}
		if s.MaxConcurrency != nil {
			detail += fmt.Sprintf(", max %d", int(*s.MaxConcurrency))
		}
		if s.ItemReader != nil {
			detail += ", reads " + shortResource(s.ItemReader.Resource)
		}
		if s.ItemBatcher != nil {
			detail += ", batched"
		}
		if s.ResultWriter != nil {
			detail += ", writes results to S3"
		}
		g.line(depth, fmt.Sprintf(`subgraph %s ["%s (Map, %s%s)"]`, id, label(name), mode, detail))
		g.line(depth+1, "direction TB")
		g.scope(depth+1, "", proc)
		g.line(depth, "end")
	case "Parallel":
		g.line(depth, fmt.Sprintf(`subgraph %s ["%s (Parallel)"]`, id, label(name)))
		g.line(depth+1, "direction LR")
		for i, b := range s.Branches {
			if b == nil {
				b = &asl.Machine{}
			}
			bid := g.id()
			g.line(depth+1, fmt.Sprintf(`subgraph %s ["branch %d"]`, bid, i+1))
			g.line(depth+2, "direction TB")
			g.scope(depth+2, "", b)
			g.line(depth+1, "end")
		}
		g.line(depth, "end")
	case "Choice":
		g.line(depth, fmt.Sprintf(`%s{"%s"}`, id, label(name)))
	case "Succeed":
		g.line(depth, fmt.Sprintf(`%s(["%s (Succeed)"])`, id, label(name)))
	case "Fail":
		text := name + " (Fail"
		if s.Error != "" {
			text += ": " + s.Error
		}
		g.line(depth, fmt.Sprintf(`%s(["%s)"])`, id, label(text)))
	case "Task":
		text := name + "<br/>" + taskDetail(s)
		if len(s.Retry) > 0 {
			text += " (retried)"
		}
		g.line(depth, fmt.Sprintf(`%s["%s"]`, id, strings.ReplaceAll(label(text), "#lt;br/#gt;", "<br/>")))
	default:
		g.line(depth, fmt.Sprintf(`%s["%s (%s)"]`, id, label(name), label(s.Type)))
	}
}

// taskDetail says what a Task calls, briefly.
func taskDetail(s *asl.State) string {
	res := s.Resource
	if res == lambdaInvokeResource {
		if fn, ok := asl.StringMember(s.Parameters, "FunctionName"); ok {
			return "invoke " + shortResource(fn)
		}
	}
	if strings.Contains(res, ":lambda:") && strings.Contains(res, ":function:") {
		return "invoke " + shortResource(res)
	}
	if res == sqsSendResource {
		if u, ok := asl.StringMember(s.Parameters, "QueueUrl"); ok {
			return "send to " + u[strings.LastIndex(u, "/")+1:]
		}
	}
	if strings.HasPrefix(res, startExecResource) {
		if a, ok := asl.StringMember(s.Parameters, "StateMachineArn"); ok {
			return "start " + shortResource(a)
		}
	}
	return shortResource(res)
}

// shortResource keeps the readable end of an ARN: a function's or state machine's name, or an
// integration's service:action.
func shortResource(arn string) string {
	if i := strings.Index(arn, ":function:"); i >= 0 {
		return arn[i+len(":function:"):]
	}
	if i := strings.Index(arn, ":stateMachine:"); i >= 0 {
		return arn[i+len(":stateMachine:"):]
	}
	if strings.HasPrefix(arn, "arn:") && strings.Contains(arn, ":::") {
		return arn[strings.Index(arn, ":::")+3:]
	}
	return arn
}

// describeRule renders a Choice rule compactly: "$.status StringEquals done", And/Or/Not nested.
func describeRule(c map[string]any) string {
	if v, ok := c["And"].([]any); ok {
		return joinRules(v, " and ")
	}
	if v, ok := c["Or"].([]any); ok {
		return joinRules(v, " or ")
	}
	if v, ok := c["Not"].(map[string]any); ok {
		return "not (" + describeRule(v) + ")"
	}
	variable, _ := c["Variable"].(string)
	keys := make([]string, 0, len(c))
	for k := range c {
		if k != "Variable" && k != "Next" && k != "Comment" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		return fmt.Sprintf("%s %s %v", variable, k, c[k])
	}
	return variable
}

func joinRules(v []any, sep string) string {
	parts := make([]string, 0, len(v))
	for _, e := range v {
		if m, ok := e.(map[string]any); ok {
			parts = append(parts, "("+describeRule(m)+")")
		}
	}
	return strings.Join(parts, sep)
}
