package asl_test

import (
	"fmt"

	"github.com/skeinhq/skein/components/asl"
)

// Decode a definition, then walk it: here, the Lambda functions each state invokes.
func ExampleDecode() {
	m, err := asl.Decode([]byte(`{"StartAt": "Fan", "States": {
	  "Fan": {"Type": "Map", "End": true, "ItemProcessor": {
	    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
	    "StartAt": "Fetch", "States": {"Fetch": {"Type": "Task", "End": true,
	      "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "fetch", "Payload.$": "$"}}}}}}}`))
	if err == nil {
		err = m.Err()
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fan := m.States[m.StartAt]
	fmt.Println(m.StartAt, fan.Type, "distributed:", fan.Distributed())
	for _, name := range fan.Processor().Names() {
		fn, _ := asl.StringMember(fan.Processor().States[name].Parameters, "FunctionName")
		fmt.Println(name, "invokes", fn)
	}
	// Output:
	// Fan Map distributed: true
	// Fetch invokes fetch
}
