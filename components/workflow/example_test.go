package workflow_test

import (
	"fmt"
	"log"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/workflow"
)

// A state machine that fans out over a function made elsewhere: its role may invoke exactly
// that function, and the rest (log group, alarms) comes with it.
func ExampleNewWorkflow() {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		fetch := workflow.ExistingFunction("arn:aws:lambda:eu-west-1:123456789012:function:fetch")
		_, err := workflow.NewWorkflow(ctx, "export", &workflow.WorkflowArgs{Definition: workflow.Definition{
			StartAt: "Each",
			States: workflow.States{
				"Each": &workflow.Map{ItemsPath: "$.accounts", MaxConcurrency: 10, End: true,
					Processor: workflow.Definition{StartAt: "Fetch", States: workflow.States{
						"Fetch": &workflow.Task{Call: workflow.Invoke{Worker: fetch}, End: true},
					}}},
			},
		}})
		return err
	}, plan.Options{Stack: "dev", Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		log.Fatal(err)
	}
	sm := p.Find("aws:sfn/stateMachine:StateMachine", "export")
	fmt.Println(sm.String("name"), sm.String("type"))
	var role struct {
		Statement []struct{ Action, Resource any }
	}
	_ = p.Find("aws:iam/rolePolicy:RolePolicy", "export-policy").Json("policy", &role)
	for _, st := range role.Statement {
		fmt.Println(st.Action, st.Resource)
	}
	// Output:
	// skein-dev-export STANDARD
	// lambda:InvokeFunction [arn:aws:lambda:eu-west-1:123456789012:function:fetch arn:aws:lambda:eu-west-1:123456789012:function:fetch:*]
	// [xray:PutTraceSegments xray:PutTelemetryRecords xray:GetSamplingRules xray:GetSamplingTargets] *
	// [logs:CreateLogDelivery logs:GetLogDelivery logs:UpdateLogDelivery logs:DeleteLogDelivery logs:ListLogDeliveries logs:PutResourcePolicy logs:DescribeResourcePolicies logs:DescribeLogGroups] *
}

// A definition whose targets already exist renders without Pulumi: here, an inline fan-out with
// the default worker retry and failed items captured to a queue.
func ExampleDefinition_Render() {
	fetch := workflow.ExistingFunction("arn:aws:lambda:us-east-1:123456789012:function:fetch")
	failed := workflow.ExistingQueue("arn:aws:sqs:us-east-1:123456789012:failed")
	def := workflow.Definition{
		StartAt: "Each",
		States: workflow.States{
			"Each": &workflow.Map{MaxConcurrency: 10, DeadLetter: failed, End: true,
				Processor: workflow.Definition{StartAt: "Fetch", States: workflow.States{
					"Fetch": &workflow.Task{Call: workflow.Invoke{Worker: fetch}, End: true},
				}}},
		},
	}
	b, err := def.Render()
	if err != nil {
		log.Fatal(err)
	}
	graph, _ := plan.Mermaid(b)
	fmt.Print(graph)
	// Output:
	// flowchart TD
	//   s2(("start"))
	//   s3(("end"))
	//   subgraph s1 ["Each (Map, inline, max 10)"]
	//     direction TB
	//     s8(("start"))
	//     s9(("end"))
	//     s4["Each: item (Pass)"]
	//     subgraph s5 ["Each: process (Parallel)"]
	//       direction LR
	//       subgraph s10 ["branch 1"]
	//         direction TB
	//         s12(("start"))
	//         s13(("end"))
	//         s11["Fetch<br/>invoke fetch (retried)"]
	//         s12 --> s11
	//         s11 --> s13
	//       end
	//     end
	//     s6["Each: dead letter<br/>send to failed (retried)"]
	//     s7["Each: captured (Pass)"]
	//     s8 --> s4
	//     s4 --> s5
	//     s5 --> s9
	//     s5 -. "catch States.ALL" .-> s6
	//     s6 --> s7
	//     s7 --> s9
	//   end
	//   s2 --> s1
	//   s1 --> s3
}

// Validation reports every problem at once, each with its field, the allowed range and the value.
func ExampleDefinition_Validate() {
	def := workflow.Definition{
		StartAt: "Each",
		States: workflow.States{
			"Each": &workflow.Map{MaxConcurrency: 100, Next: "Report",
				Processor: workflow.Definition{StartAt: "Work", States: workflow.States{
					"Work": &workflow.Pass{End: true},
				}}},
		},
	}
	fmt.Println(def.Validate())
	// Output:
	// workflow "": Definition.States["Each"].Next must name a state of the same States (a transition cannot leave its Map processor or Parallel branch), got "Report"
	// workflow "": Definition.States["Each"].MaxConcurrency must be 0..40 for an inline Map; set Distributed for up to 10000 concurrent child executions, got 100
}
