package workflow

import (
	"strings"
	"testing"

	"github.com/skeinhq/skein/components/internal/sfnjudge"
	"github.com/skeinhq/skein/components/plan"
)

// choiceRouting routes by kind, number, timestamp and flag, each comparison guarded by IsPresent.
func choiceRouting() Definition {
	route := func(name string) *Pass { return &Pass{Result: name, End: true} }
	return Definition{StartAt: "Route", States: States{
		"Route": &Choice{Choices: []Rule{
			{Condition: And{Cmp("$.kind", IsPresent, true), Cmp("$.kind", StringMatches, "acct-*"), Not{Cmp("$.skip", IsPresent, true)}}, Next: "account"},
			{Condition: And{Cmp("$.n", IsPresent, true), Cmp("$.n", IsNumeric, true), Or{Cmp("$.n", NumericGreaterThan, 100), And{Cmp("$.floor", IsPresent, true), Cmp("$.n", NumericLessThanPath, "$.floor")}}}, Next: "outlier"},
			{Condition: And{Cmp("$.at", IsPresent, true), Cmp("$.at", IsTimestamp, true), Cmp("$.at", TimestampLessThan, "2026-01-01T00:00:00Z")}, Next: "old"},
			{Condition: And{Cmp("$.flag", IsPresent, true), Cmp("$.flag", IsBoolean, true), Cmp("$.flag", BooleanEquals, false)}, Next: "off"},
		}, Default: "other"},
		"account": route("account"), "outlier": route("outlier"), "old": route("old"), "off": route("off"), "other": route("other"),
	}}
}

// TestChoiceRoutesUnderLocalStepFunctions renders Choice rules (comparisons with and without
// paths, And, Or, Not, type tests) and lets aws-local-stepfunctions route inputs through them: the
// engine, not our code, decides which rule matches. As on AWS, comparing a field that is absent
// fails the execution (States.Runtime), so every comparison is guarded by IsPresent first (aws-local-stepfunctions also fails the type
// tests IsNumeric, IsTimestamp... on an absent field; IsPresent is the one test that tolerates it).
func TestChoiceRoutesUnderLocalStepFunctions(t *testing.T) {
	def := choiceRouting()
	b, err := def.Render()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ input, want string }{
		{`{"kind":"acct-7"}`, "account"},
		{`{"kind":"acct-7","skip":1,"n":5,"floor":1}`, "other"},
		{`{"kind":"user","n":101}`, "outlier"},
		{`{"n":3,"floor":10}`, "outlier"},
		{`{"at":"2025-12-31T23:59:59Z"}`, "old"},
		{`{"at":"2026-06-01T00:00:00Z","flag":false}`, "off"},
		{`{"flag":"false"}`, "other"},
	}
	unguarded := Definition{StartAt: "Route", States: States{
		"Route": &Choice{Choices: []Rule{{Condition: Cmp("$.kind", StringEquals, "x"), Next: "x"}}, Default: "x"},
		"x":     &Pass{Result: "x", End: true},
	}}
	ub, err := unguarded.Render()
	if err != nil {
		t.Fatal(err)
	}
	var runs []sfnjudge.Case
	for _, c := range cases {
		runs = append(runs, sfnjudge.Case{Definition: b, Input: []byte(c.input)})
	}
	runs = append(runs, sfnjudge.Case{Definition: ub, Input: []byte(`{}`)})
	results := sfnjudge.RunAll(t, runs)
	if last := results[len(results)-1]; last.Error != "States.Runtime" {
		t.Errorf("an unguarded comparison on a missing field: %s, want States.Runtime", last)
	}
	for i, res := range results[:len(cases)] {
		if got := strings.Trim(string(res.Output), `"`); got != cases[i].want {
			t.Errorf("input %s routed to %s, want %s", cases[i].input, res, cases[i].want)
		}
	}
}

func TestMermaidRejectsWhatIsNotADefinition(t *testing.T) {
	for _, in := range []string{`not json`, `{}`, `{"StartAt":"A"}`} {
		if _, err := plan.Mermaid([]byte(in)); err == nil {
			t.Errorf("plan.Mermaid(%s) succeeded", in)
		}
	}
}

func TestMermaidLabelsChoicesAndCatches(t *testing.T) {
	b, err := everyState().Render()
	if err != nil {
		t.Fatal(err)
	}
	g, err := plan.Mermaid(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`(Parallel)"]`, `subgraph`, `["branch 3"]`, `-. "catch States.ALL" .->`, `(Fail)`, `start child`} {
		if !strings.Contains(g, want) {
			t.Errorf("graph lacks %s:\n%s", want, g)
		}
	}
	b, err = distributedFanOut().Render()
	if err != nil {
		t.Fatal(err)
	}
	g, _ = plan.Mermaid(b)
	for _, want := range []string{`-- "1: $.failed NumericGreaterThan 0" -->`, `-- "default" -->`, `Map, distributed, express, max 100, reads s3:getObject, batched, writes results to S3`} {
		if !strings.Contains(g, want) {
			t.Errorf("graph lacks %s:\n%s", want, g)
		}
	}
}
