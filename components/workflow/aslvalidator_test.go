package workflow

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/skeinhq/skein/components/internal/judge"
)

type aslCase struct {
	Name       string          `json:"name"`
	Definition json.RawMessage `json:"definition"`
}

type aslVerdict struct {
	Name    string `json:"name"`
	IsValid bool   `json:"isValid"`
	Errors  []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// aslValidate runs asl-validator over every case in one Node process.
func aslValidate(t *testing.T, cases []aslCase) []aslVerdict {
	t.Helper()
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	out := judge.RunNode(t, filepath.Join("testdata", "aslvalidator.js"), in, judge.Module(t, "asl-validator"))
	var verdicts []aslVerdict
	if err := json.Unmarshal(out, &verdicts); err != nil {
		t.Fatalf("asl-validator output %q: %v", out, err)
	}
	if len(verdicts) != len(cases) {
		t.Fatalf("asl-validator judged %d of %d definitions", len(verdicts), len(cases))
	}
	return verdicts
}

// TestCorpusPassesASLValidator renders every definition the plain tests use, plus a 1,000-state
// definition, and lets asl-validator judge them all in one Node process. A hand-written
// definition our validation would never let through rides along, to prove the judge is
// listening.
func TestCorpusPassesASLValidator(t *testing.T) {
	cases := []aslCase{{Name: "dangling (must be rejected)", Definition: json.RawMessage(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}`)}}
	for _, c := range corpus() {
		b, err := c.def.Render()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		cases = append(cases, aslCase{Name: c.name, Definition: b})
	}
	big := chain(1000)
	b, err := big.Render()
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, aslCase{Name: "chain-1000", Definition: b})
	verdicts := aslValidate(t, cases)
	if verdicts[0].IsValid {
		t.Error("asl-validator accepted a transition to a state that does not exist")
	}
	for _, v := range verdicts[1:] {
		if !v.IsValid {
			t.Errorf("asl-validator rejects %s: %+v", v.Name, v.Errors)
		}
	}
	t.Logf("asl-validator accepted %d generated definitions", len(verdicts)-1)
}

// Exported for the external tests of the component (package workflow_test).
type ASLCase = aslCase

// ASLValidate runs asl-validator over every case in one Node process.
var ASLValidate = aslValidate
