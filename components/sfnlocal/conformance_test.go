package sfnlocal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/skeinhq/skein/components/sfnlocal"
)

// The conformance suite: executions recorded against AWS Step Functions (LocalStack's snapshot
// tests, which record AWS's execution history; each case cites the test and the recorded
// response it comes from), replayed on the engine. testdata/conformance/*.json hold the cases;
// a case gives a definition and an input, or an intrinsic function call in LocalStack's
// intrinsic template (a Pass state State_0 with Parameters {"FunctionResult.$": call}, input
// {"FunctionInput": functionInput}); and the recorded output or error.
//
// Outputs are compared as JSON values (arrays in order, object members in any order: the
// recordings went through a Python dict and a snapshot tool, which do not prove AWS's member
// order); errors by name (AWS's causes are prose that the engine does not copy word for word).

type conformanceFile struct {
	About string            `json:"about"`
	Cases []conformanceCase `json:"cases"`
}

type conformanceCase struct {
	Name     string `json:"name"`
	Source   string `json:"source"`
	Template string `json:"template"`

	Definition json.RawMessage `json:"definition"`
	Input      json.RawMessage `json:"input"`
	Output     json.RawMessage `json:"output"`
	Error      string          `json:"error"`
	// Cause, when set, is compared with the error's cause.
	Cause string `json:"cause"`
	// Replace rewrites the engine's output text before the comparison, each pair a regular
	// expression and its replacement: the recordings mask ARNs, names and times.
	Replace [][2]string `json:"replace"`
	// OutputFields, when set, limits the comparison to these members of the output object (for
	// outputs that hold AWS's prose causes).
	OutputFields []string `json:"outputFields"`
	// Expand replaces each key, in the definition's text, by that many "a" characters (for
	// definitions that are large only by repetition).
	Expand map[string]int `json:"expand"`

	// Choice is a rule of LocalStack's Choice operator template (see testdata/conformance/choice.json).
	Choice *struct {
		Operator string          `json:"operator"`
		Value    json.RawMessage `json:"value"`
	} `json:"choice"`

	Call                string          `json:"call"`
	FunctionInput       json.RawMessage `json:"functionInput"`
	FunctionResult      json.RawMessage `json:"functionResult"`
	FunctionResultRange []float64       `json:"functionResultRange"`
	// FunctionResultRegexp matches a string result whose recording masks generated names.
	FunctionResultRegexp string `json:"functionResultRegexp"`
	// Functions are Lambda functions the definition calls, by name: each answers the output
	// given, or fails with the error given (as a Lambda function's errorType).
	// Echo answers the function's payload; LargeString answers a JSON string of that many "a"
	// characters.
	Functions map[string]struct {
		Output      json.RawMessage `json:"output"`
		Echo        bool            `json:"echo"`
		LargeString int             `json:"largeString"`
		Error       string          `json:"error"`
		Cause       string          `json:"cause"`
		// Calls, when set, is how many times AWS invoked the function (counted from the
		// recorded history's Lambda events).
		Calls int `json:"calls"`
	} `json:"functions"`
}

// knownDivergences lists the cases where the engine still differs from AWS, with the reason.
// The test fails when such a case agrees with AWS, so that it is removed from this list.
var knownDivergences = map[string]string{}

func loadConformance(t *testing.T) []conformanceCase {
	t.Helper()
	files, err := filepath.Glob("testdata/conformance/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance cases: %v", err)
	}
	var all []conformanceCase
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cf conformanceFile
		if err := json.Unmarshal(b, &cf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, c := range cf.Cases {
			if c.Name == "" || !strings.HasPrefix(c.Source, "tests/aws/services/stepfunctions/") {
				t.Fatalf("%s: case %q must have a name and cite its source test in localstack/localstack, got %q", f, c.Name, c.Source)
			}
			if seen[c.Name] {
				t.Fatalf("%s: duplicate case name %q", f, c.Name)
			}
			seen[c.Name] = true
			all = append(all, c)
		}
	}
	return all
}

func (c *conformanceCase) setup() (def, input []byte, err error) {
	if c.Call != "" {
		d, _ := json.Marshal(map[string]any{"StartAt": "State_0", "States": map[string]any{"State_0": map[string]any{
			"Type": "Pass", "Parameters": map[string]any{"FunctionResult.$": c.Call}, "End": true}}})
		fi := c.FunctionInput
		if fi == nil {
			fi = json.RawMessage("null")
		}
		return d, []byte(`{"FunctionInput":` + string(fi) + `}`), nil
	}
	if c.Choice != nil {
		rule := map[string]any{"Variable": "$.Variable", c.Choice.Operator: c.Choice.Value, "Next": "ConditionTrue"}
		result := func(r string) map[string]any {
			return map[string]any{"Type": "Pass", "Result": map[string]any{"TestResult.$": r}, "End": true}
		}
		c.Definition, _ = json.Marshal(map[string]any{"StartAt": "CheckResult", "States": map[string]any{
			"CheckResult":    map[string]any{"Type": "Choice", "Choices": []any{rule}, "Default": "ConditionFalse"},
			"ConditionTrue":  result("ConditionTrue"),
			"ConditionFalse": result("ConditionFalse")}})
	}
	if c.Definition == nil {
		return nil, nil, errors.New("neither definition, choice nor call")
	}
	input = c.Input
	if input == nil {
		input = []byte(`{}`)
	}
	def = c.Definition
	for placeholder, n := range c.Expand {
		def = []byte(strings.ReplaceAll(string(def), placeholder, strings.Repeat("a", n)))
	}
	return def, input, nil
}

// run executes the case and reports how the engine's result differs from AWS's ("" when it
// agrees).
func (c *conformanceCase) run() string {
	def, input, err := c.setup()
	if err != nil {
		return err.Error()
	}
	d, err := sfnlocal.Parse(def)
	if err != nil {
		return fmt.Sprintf("Parse: %v", err)
	}
	fns := &sfnlocal.Functions{}
	calls := map[string]*atomic.Int64{}
	for name, f := range c.Functions {
		var h sfnlocal.Invoker
		switch {
		case f.Error != "":
			h = failing{f.Error, f.Cause}
		case f.Echo:
			h = echo{}
		case f.LargeString > 0:
			h = answering(`"` + strings.Repeat("a", f.LargeString) + `"`)
		default:
			h = answering(f.Output)
		}
		n := &atomic.Int64{}
		calls[name] = n
		fns.Register(name, counting{h, n})
	}
	e, err := sfnlocal.New(d, &sfnlocal.Options{TimeScale: 0.0001, Functions: fns})
	if err != nil {
		return err.Error()
	}
	out, err := e.Execute(context.Background(), input)
	for name, f := range c.Functions {
		if got := calls[name].Load(); f.Calls > 0 && got != int64(f.Calls) {
			return fmt.Sprintf("function %s called %d times, AWS %d", name, got, f.Calls)
		}
	}
	for _, r := range c.Replace {
		out = regexp.MustCompile(r[0]).ReplaceAll(out, []byte(r[1]))
	}
	wantErr := c.Error
	var want json.RawMessage
	switch {
	case c.Call != "" && c.FunctionResultRange == nil && c.FunctionResultRegexp == "":
		r := c.FunctionResult
		if r == nil {
			r = json.RawMessage("null")
		}
		want = json.RawMessage(`{"FunctionResult":` + string(r) + `}`)
	case c.Call == "":
		want = c.Output
	}
	if wantErr != "" {
		var ee *sfnlocal.ExecutionError
		if !errors.As(err, &ee) {
			return fmt.Sprintf("want error %s, got output %s (err %v)", wantErr, out, err)
		}
		if ee.Name != wantErr || (c.Cause != "" && ee.Cause != c.Cause) {
			return fmt.Sprintf("want error %s (cause %q), got %s: %s", wantErr, c.Cause, ee.Name, ee.Cause)
		}
		return ""
	}
	if err != nil {
		return fmt.Sprintf("want output, got error %v", err)
	}
	if c.FunctionResultRange != nil {
		var got struct{ FunctionResult *float64 }
		if json.Unmarshal(out, &got) != nil || got.FunctionResult == nil ||
			*got.FunctionResult < c.FunctionResultRange[0] || *got.FunctionResult > c.FunctionResultRange[1] ||
			*got.FunctionResult != float64(int64(*got.FunctionResult)) {
			return fmt.Sprintf("want an integer in %v, got %s", c.FunctionResultRange, out)
		}
		return ""
	}
	if c.FunctionResultRegexp != "" {
		var got struct{ FunctionResult string }
		if json.Unmarshal(out, &got) != nil || !regexp.MustCompile(c.FunctionResultRegexp).MatchString(got.FunctionResult) {
			return fmt.Sprintf("want a string matching %s, got %s", c.FunctionResultRegexp, out)
		}
		return ""
	}
	var g, w any
	if err := json.Unmarshal(out, &g); err != nil {
		return fmt.Sprintf("output %s is not JSON", out)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		return fmt.Sprintf("recorded output %s is not JSON", want)
	}
	if len(c.OutputFields) > 0 {
		gm, _ := g.(map[string]any)
		wm, _ := w.(map[string]any)
		g2, w2 := map[string]any{}, map[string]any{}
		for _, f := range c.OutputFields {
			g2[f], w2[f] = gm[f], wm[f]
		}
		g, w = g2, w2
	}
	if !reflect.DeepEqual(g, w) {
		return fmt.Sprintf("output %s, AWS %s", out, want)
	}
	return ""
}

type answering json.RawMessage

func (a answering) Invoke(ctx context.Context, payload []byte) ([]byte, error) { return a, nil }

type counting struct {
	h sfnlocal.Invoker
	n *atomic.Int64
}

func (c counting) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	c.n.Add(1)
	return c.h.Invoke(ctx, payload)
}

type echo struct{}

func (echo) Invoke(ctx context.Context, payload []byte) ([]byte, error) { return payload, nil }

type failing struct{ name, cause string }

func (f failing) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return nil, &sfnlocal.ExecutionError{Name: f.name, Cause: f.cause}
}

func TestConformanceWithAWS(t *testing.T) {
	cases := loadConformance(t)
	agree := 0
	names := map[string]bool{}
	for _, c := range cases {
		names[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			diff := c.run()
			reason, known := knownDivergences[c.Name]
			switch {
			case diff == "" && known:
				t.Errorf("agrees with AWS now: remove it from knownDivergences (%s)", reason)
			case diff != "" && !known:
				if len(diff) > 400 {
					diff = diff[:400] + "..."
				}
				t.Errorf("differs from AWS (%s): %s", c.Source, diff)
			case diff == "":
				agree++
			}
		})
	}
	var stale []string
	for n := range knownDivergences {
		if !names[n] {
			stale = append(stale, n)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("knownDivergences names cases that do not exist: %v", stale)
	}
	t.Logf("conformance: %d cases recorded against AWS, %d agree, %d known divergences", len(cases), agree, len(knownDivergences))
}
