package cost

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/skeinhq/skein/components/worker"
)

// tools returns the repository's .tools/node_modules (installed by `make tools`). A missing
// judge fails the test: a test that skips its judge proves nothing.
func tools(t *testing.T) string {
	t.Helper()
	dir, err := worker.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	nm := filepath.Join(dir, ".tools", "node_modules")
	for _, f := range []string{".bin/node", "asl-validator/package.json", "aws-local-stepfunctions/package.json"} {
		if _, err := os.Stat(filepath.Join(nm, f)); err != nil {
			t.Fatalf("the independent tools are not installed in %s (run `make tools`): %v", nm, err)
		}
	}
	return nm
}

type judgeCase struct {
	Name       string          `json:"name"`
	Definition json.RawMessage `json:"definition"`
	Input      any             `json:"input,omitempty"`
}

type judgeVerdicts struct {
	Validate []struct {
		Name    string   `json:"name"`
		IsValid bool     `json:"isValid"`
		Errors  []string `json:"errors"`
	} `json:"validate"`
	Run []struct {
		Name         string `json:"name"`
		StateEntered int    `json:"stateEntered"`
	} `json:"run"`
}

func judge(t *testing.T, validate, run []judgeCase) judgeVerdicts {
	t.Helper()
	nm := tools(t)
	in, err := json.Marshal(map[string][]judgeCase{"validate": validate, "run": run})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(nm, ".bin", "node"), filepath.Join("testdata", "judge.js"),
		filepath.Join(nm, "asl-validator"), filepath.Join(nm, "aws-local-stepfunctions"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("judge.js: %v\n%s", err, stderr.String())
	}
	var v judgeVerdicts
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("judge.js output %q: %v", out, err)
	}
	if len(v.Validate) != len(validate) || len(v.Run) != len(run) {
		t.Fatalf("judge.js answered %d and %d of %d and %d cases", len(v.Validate), len(v.Run), len(validate), len(run))
	}
	return v
}

// inlineOnly exercises every state type the transition count walks, without Distributed Maps
// (which a local engine cannot bill): Choice, Pass, Parallel, nested inline Maps, Wait. The Maps
// run one iteration at a time because aws-local-stepfunctions 3.0.0 loses nested Map events
// when iterations run concurrently (3 x 4 iterations logged 23 of 35 entered states);
// concurrency does not change what is billed.
const inlineOnly = `{
  "StartAt": "Route",
  "States": {
    "Route": {"Type": "Choice", "Choices": [{"Variable": "$.skip", "IsPresent": true, "Next": "Done"}], "Default": "Prepare"},
    "Prepare": {"Type": "Task", "Resource": "` + arnPrepare + `", "Next": "Both"},
    "Both": {
      "Type": "Parallel",
      "Branches": [
        {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "Next": "Pause"}, "Pause": {"Type": "Wait", "Seconds": 1, "End": true}}},
        {"StartAt": "Right", "States": {"Right": {"Type": "Task", "Resource": "` + arnList + `", "End": true}}}
      ],
      "ResultPath": null,
      "Next": "Groups"
    },
    "Groups": {
      "Type": "Map",
      "ItemsPath": "$.groups",
      "MaxConcurrency": 1,
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "Devices",
        "States": {
          "Devices": {
            "Type": "Map",
            "ItemsPath": "$.devices",
            "MaxConcurrency": 1,
            "ItemProcessor": {
              "StartAt": "Fetch",
              "States": {
                "Fetch": {"Type": "Task", "Resource": "` + arnFetch + `", "Next": "Check"},
                "Check": {"Type": "Pass", "End": true}
              }
            },
            "End": true
          }
        }
      },
      "Next": "Done"
    },
    "Done": {"Type": "Succeed"}
  }
}`

// TestTransitionsAgreeWithLocalEngine lets aws-local-stepfunctions run the definition and
// counts the states it enters (what a Standard workflow is billed for), against Estimate's count.
func TestTransitionsAgreeWithLocalEngine(t *testing.T) {
	group := map[string]any{"devices": []int{1, 2, 3, 4}}
	input := map[string]any{"groups": []any{group, group, group}}
	v := judge(t, nil, []judgeCase{{Name: "inline", Definition: json.RawMessage(inlineOnly), Input: input}})
	w := Workload{Items: 12, MapItems: map[string]int{"Groups": 3, "Devices": 4}}
	b, err := Estimate([]byte(inlineOnly), smallFns, w, Prices{})
	if err != nil {
		t.Fatal(err)
	}
	// By hand: Route, Prepare, Both (1 + Left, Pause + Right), Groups (1 + 3 x (Devices 1 +
	// 4 x 2)), Done = 1 + 1 + 4 + 28 + 1 = 35.
	near(t, "our transitions", b.Run.Usage.StateTransitions, 35)
	if got := v.Run[0].StateEntered; float64(got) != b.Run.Usage.StateTransitions {
		t.Errorf("aws-local-stepfunctions entered %d states; Estimate counts %v transitions", got, b.Run.Usage.StateTransitions)
	}
}

// TestFixturesAreValidASL: the definitions the tests cost are valid ASL, and the structurally
// malformed ones are rejected by asl-validator too (so our rejections are not our own taste).
func TestFixturesAreValidASL(t *testing.T) {
	valid := []judgeCase{
		{Name: "small batch 10", Definition: small(10)},
		{Name: "small batch 1", Definition: small(1)},
		{Name: "inline only", Definition: json.RawMessage(inlineOnly)},
	}
	invalid := []judgeCase{
		{Name: "dangling Next", Definition: json.RawMessage(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}`)},
		{Name: "neither Next nor End", Definition: json.RawMessage(`{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`)},
		{Name: "unknown type", Definition: json.RawMessage(`{"StartAt":"A","States":{"A":{"Type":"Loop","End":true}}}`)},
		{Name: "Map without processor", Definition: json.RawMessage(`{"StartAt":"M","States":{"M":{"Type":"Map","End":true}}}`)},
	}
	v := judge(t, append(valid, invalid...), nil)
	for i, c := range valid {
		if !v.Validate[i].IsValid {
			t.Errorf("asl-validator rejects %s: %v", c.Name, v.Validate[i].Errors)
		}
		if _, err := Estimate(c.Definition, smallFns, smallWorkload(), Prices{}); err != nil {
			t.Errorf("Estimate rejects %s: %v", c.Name, err)
		}
	}
	for i, c := range invalid {
		if v.Validate[len(valid)+i].IsValid {
			t.Errorf("asl-validator accepts %s", c.Name)
		}
		if _, err := Estimate(c.Definition, nil, Workload{}, Prices{}); err == nil {
			t.Errorf("Estimate accepts %s", c.Name)
		}
	}
}
