package sfnlocal_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/skeinhq/skein/components/sfnlocal"
	"github.com/skeinhq/skein/components/workflow"
)

// One Task whose resource is a Lambda function ARN, answered by a Go handler registered under the
// function's name.
func ExampleEngine_Execute() {
	def, err := sfnlocal.Parse([]byte(`{
	  "StartAt": "Greet",
	  "States": {
	    "Greet": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:greet", "End": true}
	  }
	}`))
	if err != nil {
		log.Fatal(err)
	}
	fs := &sfnlocal.Functions{}
	_ = fs.RegisterFunc("greet", func(ctx context.Context, in struct{ Name string }) (string, error) {
		return "Hello, " + in.Name, nil
	})
	eng, err := sfnlocal.New(def, &sfnlocal.Options{Functions: fs})
	if err != nil {
		log.Fatal(err)
	}
	out, err := eng.Execute(context.Background(), []byte(`{"Name":"Ada"}`))
	fmt.Println(string(out), err)
	// Output: "Hello, Ada" <nil>
}

// The definition the workflow component deploys, run locally against a Go handler: a fan-out
// over the input's items, results in item order.
func ExampleEngine_Execute_fanOut() {
	double := workflow.ExistingFunction("arn:aws:lambda:us-east-1:123456789012:function:double")
	asl, err := workflow.Definition{
		StartAt: "Each",
		States: workflow.States{
			"Each": &workflow.Map{ItemsPath: "$.items", MaxConcurrency: 2, End: true,
				Processor: workflow.Definition{StartAt: "Double", States: workflow.States{
					"Double": &workflow.Task{Call: workflow.Invoke{Worker: double}, End: true},
				}}},
		},
	}.Render()
	if err != nil {
		log.Fatal(err)
	}
	def, err := sfnlocal.Parse(asl)
	if err != nil {
		log.Fatal(err)
	}
	fns := &sfnlocal.Functions{}
	_ = fns.RegisterFunc("double", func(ctx context.Context, n int) (int, error) { return 2 * n, nil })
	eng, err := sfnlocal.New(def, &sfnlocal.Options{Functions: fns})
	if err != nil {
		log.Fatal(err)
	}
	out, err := eng.Execute(context.Background(), []byte(`{"items":[1,2,3]}`))
	fmt.Println(string(out), err)
	// Output:
	// [2,4,6] <nil>
}

// A failed execution is an *ExecutionError with the error name and cause AWS would report.
func ExampleExecutionError() {
	def, err := sfnlocal.Parse([]byte(`{"StartAt":"Check","States":{"Check":{"Type":"Fail","Error":"Input.Invalid","Cause":"no items"}}}`))
	if err != nil {
		log.Fatal(err)
	}
	eng, _ := sfnlocal.New(def, nil)
	_, err = eng.Execute(context.Background(), nil)
	var ee *sfnlocal.ExecutionError
	if errors.As(err, &ee) {
		fmt.Println(ee.Name, ee.Cause)
	}
	// Output:
	// Input.Invalid no items
}
