package asl_test

import (
	"strings"
	"testing"

	"github.com/skeinhq/skein/components/asl"
)

const definition = `{
  "StartAt": "Pick",
  "States": {
    "Pick": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Fan"}, 7], "Default": "Done"},
    "Fan": {"Type": "Map", "ResultPath": null, "MaxConcurrency": 1.5,
      "ItemProcessor": {"ProcessorConfig": {"Mode": "distributed", "ExecutionType": "EXPRESS"}, "StartAt": "Call",
        "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": {"z": 1, "FunctionName": "fn", "a": 2}, "Next": 5}}},
      "ItemBatcher": {"MaxItemsPerBatch": 10}, "Next": "Done"},
    "Old": {"Type": "Map", "Iterator": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true},
    "Gone": null,
    "Done": {"Type": "Succeed", "OutputPath": "$.x"}
  }
} trailing text is not read`

func TestDecode(t *testing.T) {
	m, err := asl.Decode([]byte(definition))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Names(), ","); got != "Done,Fan,Gone,Old,Pick" {
		t.Errorf("Names = %s", got)
	}
	if m.States["Gone"] != nil {
		t.Errorf("a state written as null must be nil, got %+v", m.States["Gone"])
	}
	pick := m.States["Pick"]
	if len(pick.Choices) != 2 || pick.Choices[0].Next != "Fan" || pick.Choices[1].Next != "" || string(pick.Choices[1].Raw) != "7" {
		t.Errorf("Choices = %+v", pick.Choices)
	}
	fan := m.States["Fan"]
	if !fan.Distributed() || fan.Processor() != fan.ItemProcessor || *fan.MaxConcurrency != 1.5 || *fan.ItemBatcher.MaxItemsPerBatch != 10 {
		t.Errorf("Fan = %+v", fan)
	}
	if !fan.ResultPath.Set || !fan.ResultPath.Null || fan.OutputPath.Set {
		t.Errorf("ResultPath %+v, OutputPath %+v: want null and absent", fan.ResultPath, fan.OutputPath)
	}
	if d := m.States["Done"].OutputPath; !d.Set || d.Null || d.Value != "$.x" {
		t.Errorf("Done.OutputPath = %+v", d)
	}
	old := m.States["Old"]
	if old.Distributed() || old.Processor() != old.Iterator || old.Processor().StartAt != "P" {
		t.Errorf("Old = %+v", old)
	}
	call := fan.ItemProcessor.States["Call"]
	// Free-form JSON stays as written, member order included.
	if string(call.Parameters) != `{"z": 1, "FunctionName": "fn", "a": 2}` {
		t.Errorf("Parameters = %s", call.Parameters)
	}
	if fn, ok := asl.StringMember(call.Parameters, "FunctionName"); !ok || fn != "fn" {
		t.Errorf("StringMember(FunctionName) = %q, %v", fn, ok)
	}
	if _, ok := asl.StringMember(call.Parameters, "z"); ok {
		t.Error("StringMember of a number must report false")
	}
	// A bad state does not fail the definition; Err finds it, nested, by name.
	if call.Err == nil || call.Resource != "arn:aws:states:::lambda:invoke" {
		t.Errorf("Call: Err %v, Resource %q: want an error and the fields that decoded", call.Err, call.Resource)
	}
	if err := m.Err(); err == nil || !strings.Contains(err.Error(), `state "Call"`) {
		t.Errorf("Err = %v, want the nested state Call named", err)
	}
}

func TestDecodeFails(t *testing.T) {
	for _, def := range []string{``, `[]`, `{"States": []}`, `{"StartAt": 1}`} {
		if _, err := asl.Decode([]byte(def)); err == nil {
			t.Errorf("Decode(%q) succeeded", def)
		}
	}
}
