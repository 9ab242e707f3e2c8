package schedule

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/sfnjudge"
	"github.com/skeinhq/skein/components/workflow"
)

// TestWorkflowReadsScheduledTime runs the input a schedule sends to a workflow through the
// independent interpreter aws-local-stepfunctions, after doing what Scheduler does at an
// invocation: replacing each context attribute's literal text with its value. The workflow's
// Choice accepts $.schedule.scheduledTime only as a timestamp after a fixed instant, and a Pass
// state reads the user's own fields next to it.
func TestWorkflowReadsScheduledTime(t *testing.T) {
	def := workflow.Definition{StartAt: "When", States: workflow.States{
		"When": &workflow.Choice{Choices: []workflow.Rule{{
			Condition: workflow.And{
				workflow.Cmp("$.schedule.scheduledTime", workflow.IsTimestamp, true),
				workflow.Cmp("$.schedule.scheduledTime", workflow.TimestampGreaterThan, "2026-01-01T00:00:00Z"),
			},
			Next: "Stamp",
		}}, Default: "NotATime"},
		"Stamp": &workflow.Pass{Parameters: map[string]any{
			"day.$":     "States.ArrayGetItem(States.StringSplit($.schedule.scheduledTime, 'T'), 0)",
			"mode.$":    "$.mode",
			"attempt.$": "$.schedule.attemptNumber",
			"from.$":    "$.schedule.scheduleArn",
		}, End: true},
		"NotATime": &workflow.Fail{Error: "NotATime"},
	}}
	p := run(t, nil, "", func(ctx *pulumi.Context, tg *targets) error {
		w, err := workflow.NewWorkflow(ctx, "stamped", &workflow.WorkflowArgs{Definition: def})
		if err != nil {
			return err
		}
		_, err = NewSchedule(ctx, "nightly", &ScheduleArgs{Expression: "cron(0 6 * * ? *)", Target: w, Input: map[string]any{"mode": "full"}})
		return err
	})
	definition := find(t, p, machineType, "stamped").String("definition")
	sent := find(t, p, scheduleType, "nightly").String("target.input")
	arn := find(t, p, scheduleType, "nightly").Arn()
	invocation := strings.NewReplacer(
		AttrScheduledTime, "2026-03-09T06:00:00Z",
		AttrScheduleArn, arn,
		AttrExecutionId, "d32c5kddcf5bb8c3",
		AttrAttemptNumber, "1",
	).Replace(sent)
	results := sfnjudge.RunAll(t, []sfnjudge.Case{
		{Definition: []byte(definition), Input: []byte(invocation)},
		{Definition: []byte(definition), Input: []byte(sent)},
	})
	res := results[0]
	if res.Failed() || res.Invalid != "" {
		t.Fatalf("execution: %s\ninput: %s", res, invocation)
	}
	var out map[string]string
	if err := json.Unmarshal(res.Output, &out); err != nil {
		t.Fatalf("output %s: %v", res.Output, err)
	}
	if out["day"] != "2026-03-09" || out["mode"] != "full" || out["attempt"] != "1" || out["from"] != arn {
		t.Errorf("output %v", out)
	}
	// The unreplaced input (what a test would see without Scheduler) is not a timestamp: the
	// judge notices.
	if results[1].Error != "NotATime" {
		t.Errorf("unreplaced input: %s", results[1])
	}
}
