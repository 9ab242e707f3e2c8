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
//
// A known divergence of the judge: asl-validator's schema types ToleratedFailurePercentage as an
// integer, while AWS accepts a number (0..100), as [Distributed] does. The corpus therefore uses
// whole percentages.
func aslValidate(t *testing.T, cases []aslCase) []aslVerdict {
	t.Helper()
	return judge.Batch[aslCase, aslVerdict](t, "asl-validator", filepath.Join("testdata", "aslvalidator.js"), cases, judge.Module(t, "asl-validator"))
}

// TestCorpusPassesASLValidator renders every definition the plain tests use, plus a 1,000-state
// definition, and lets asl-validator judge them all in one Node process. Hand-written
// definitions our validation would never let through ride along, to prove the judge is
// listening (also to the ItemReader's "Key.$").
func TestCorpusPassesASLValidator(t *testing.T) {
	// Hand-written definitions our validation would never let through; the judge must reject them.
	rejected := []aslCase{
		{Name: "dangling (must be rejected)", Definition: json.RawMessage(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}`)},
		// ItemReader.KeyPath that is not a path: asl-validator checks "Key.$" in a reader's Parameters.
		{Name: "reader Key.$ not a path (must be rejected)", Definition: json.RawMessage(`{"StartAt":"E","States":{"E":{"Type":"Map","End":true,` +
			`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"in","Key.$":"list.key"}},` +
			`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}`)},
	}
	cases := append([]aslCase(nil), rejected...)
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
	for _, v := range verdicts[:len(rejected)] {
		if v.IsValid {
			t.Errorf("asl-validator accepted %s", v.Name)
		}
	}
	for _, v := range verdicts[len(rejected):] {
		if !v.IsValid {
			t.Errorf("asl-validator rejects %s: %+v", v.Name, v.Errors)
		}
	}
	t.Logf("asl-validator accepted %d generated definitions and rejected %d hand-written ones", len(verdicts)-len(rejected), len(rejected))
}

// Exported for the external tests of the component (package workflow_test).
type ASLCase = aslCase

// ASLValidate runs asl-validator over every case in one Node process.
var ASLValidate = aslValidate
