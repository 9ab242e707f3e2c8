package workflow

import (
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ARNs of resources made elsewhere, as the plan harness would name them.
const (
	fetchArn   = "arn:aws:lambda:us-east-1:123456789012:function:fetch-metrics"
	listArn    = "arn:aws:lambda:us-east-1:123456789012:function:list-accounts"
	reportArn  = "arn:aws:lambda:us-east-1:123456789012:function:report"
	dlqArn     = "arn:aws:sqs:us-east-1:123456789012:failed-items"
	childSMArn = "arn:aws:states:us-east-1:123456789012:stateMachine:child"
)

var (
	fetch  = ExistingFunction(fetchArn)
	lister = ExistingFunction(listArn)
	report = ExistingFunction(reportArn)
	dlq    = ExistingQueue(dlqArn)
	child  = ExistingStateMachine(childSMArn)
)

type corpusCase struct {
	name   string
	def    Definition
	golden bool
}

// inlineFanOut lists items, processes each with a bounded inline Map whose failures go to a
// dead-letter queue, then reports.
func inlineFanOut(worker ExistingFunction, max int) Definition {
	return Definition{
		Comment: "List accounts, fetch each account's metrics, report.",
		StartAt: "List",
		States: States{
			"List": &Task{Call: Invoke{Worker: lister}, ResultPath: "$.accounts", Next: "Fetch each"},
			"Fetch each": &Map{
				ItemsPath:      "$.accounts",
				MaxConcurrency: max,
				DeadLetter:     dlq,
				Processor: Definition{StartAt: "Fetch", States: States{
					"Fetch": &Task{Call: Invoke{Worker: worker}, End: true},
				}},
				ResultPath: "$.results",
				Next:       "Report",
			},
			"Report": &Task{Call: Invoke{Worker: report, Integration: true},
				Parameters: map[string]any{"results.$": "$.results"}, End: true},
		},
	}
}

func nestedFanOut() Definition {
	return Definition{
		StartAt: "Regions",
		States: States{
			"Regions": &Map{
				ItemsPath:      "$.regions",
				MaxConcurrency: 4,
				ItemSelector:   map[string]any{"region.$": "$$.Map.Item.Value", "accounts.$": "$.accounts"},
				Processor: Definition{StartAt: "Accounts", States: States{
					"Accounts": &Map{
						ItemsPath:      "$.accounts",
						MaxConcurrency: 10,
						ItemSelector:   map[string]any{"region.$": "$.region", "account.$": "$$.Map.Item.Value"},
						Processor: Definition{StartAt: "Fetch account", States: States{
							"Fetch account": &Task{Call: Invoke{Worker: fetch}, Timeout: 60 * time.Second,
								Catch: []Catch{{ErrorEquals: []string{"States.ALL"}, ResultPath: "$.error", Next: "Skip account"}}, End: true},
							"Skip account": &Pass{Parameters: map[string]any{"skipped": true, "error.$": "$.error.Error"}, End: true},
						}},
						End: true,
					},
				}},
				Next: "Done",
			},
			"Done": &Succeed{},
		},
	}
}

func distributedFanOut() Definition {
	return Definition{
		Comment: "Fetch metrics for every account listed in a CSV file, 100 at a time.",
		StartAt: "Accounts",
		Timeout: 6 * time.Hour,
		States: States{
			"Accounts": &Map{
				MaxConcurrency: 100,
				Distributed: &Distributed{
					Reader:                     &ItemReader{Source: CSV, Bucket: pulumi.String("skein-input"), Key: "accounts/today.csv", MaxItems: 50000},
					Batcher:                    &ItemBatcher{MaxItemsPerBatch: 25, MaxInputBytesPerBatch: 65536, BatchInput: map[string]any{"runId.$": "$$.Execution.Name"}},
					Writer:                     &ResultWriter{Bucket: pulumi.String("skein-results"), Prefix: "runs/"},
					ToleratedFailurePercentage: 5,
					ToleratedFailureCount:      100,
					Label:                      "accounts",
				},
				Processor: Definition{StartAt: "Fetch batch", States: States{
					"Fetch batch": &Task{Call: Invoke{Worker: fetch}, Timeout: 5 * time.Minute, End: true},
				}},
				Next: "Summarise",
			},
			"Summarise": &Task{Call: Invoke{Worker: report}, Next: "Check"},
			"Check": &Choice{
				Choices: []Rule{
					{Condition: Cmp("$.failed", NumericGreaterThan, 0), Next: "Partial"},
				},
				Default: "Done",
			},
			"Partial": &Fail{Error: "PartialFailure", Cause: "some accounts failed; see the ResultWriter FAILED files"},
			"Done":    &Succeed{},
		},
	}
}

func everyChoice() Definition {
	var rules []Rule
	for i, op := range Ops() {
		var v any
		switch {
		case len(op) > 4 && op[len(op)-4:] == "Path":
			v = "$.other"
		case op == BooleanEquals || op[:2] == "Is":
			v = true
		case op[:7] == "Numeric":
			v = i
		case op[:9] == "Timestamp":
			v = "2026-01-02T15:04:05Z"
		default:
			v = "x*"
		}
		rules = append(rules, Rule{Condition: Cmp("$.value", op, v), Next: "Matched"})
	}
	rules = append(rules,
		Rule{Condition: And{Cmp("$.a", IsPresent, true), Not{Cmp("$.a", IsNull, true)}}, Next: "Matched"},
		Rule{Condition: Or{Cmp("$.n", NumericLessThan, 1), Cmp("$.n", NumericGreaterThanEquals, 99.5)}, Next: "Matched"},
	)
	return Definition{StartAt: "Decide", States: States{
		"Decide":  &Choice{Choices: rules, Default: "Wait"},
		"Wait":    &Wait{Seconds: 0, Next: "Matched"},
		"Matched": &Pass{Result: map[string]any{"ok": true}, ResultPath: "$.matched", Next: "Stop"},
		"Stop":    &Succeed{},
	}}
}

func everyState() Definition {
	return Definition{StartAt: "Shape", States: States{
		"Shape": &Pass{IO: IO{InputPath: "$.in"}, Parameters: map[string]any{"id.$": "$.id", "n": 1}, Next: "Both"},
		"Both": &Parallel{
			Branches: []Definition{
				{StartAt: "Notify", States: States{"Notify": &Task{Call: SendMessage{Queue: dlq}, Parameters: map[string]any{"id.$": "$.id"}, End: true}}},
				{StartAt: "Child", States: States{"Child": &Task{Call: StartWorkflow{Workflow: child, Wait: true}, End: true}}},
				{StartAt: "Later", States: States{
					"Later":  &Wait{SecondsPath: "$.n", Next: "Record"},
					"Record": &Task{Call: Service{Resource: "arn:aws:states:::dynamodb:putItem"}, Parameters: map[string]any{"TableName": "t", "Item": map[string]any{"id": map[string]any{"S.$": "$.id"}}}, End: true},
				}},
			},
			ResultSelector: map[string]any{"child.$": "$[1]"},
			ResultPath:     "$.both",
			Retry:          []Retry{{ErrorEquals: []string{"States.ALL"}, MaxAttempts: pulumi.IntRef(2)}},
			Catch:          []Catch{{ErrorEquals: []string{"States.ALL"}, Next: "Broken"}},
			Next:           "Fire and forget",
		},
		"Fire and forget": &Task{Call: StartWorkflow{Workflow: child}, IO: IO{OutputPath: "$.both"}, ResultPath: Discard, Next: "Wait until"},
		"Wait until":      &Wait{Timestamp: "2026-01-02T15:04:05Z", End: true},
		"Broken":          &Fail{ErrorPath: "$.Error", CausePath: "$.Cause"},
	}}
}

func readers() []corpusCase {
	var out []corpusCase
	for _, r := range []ItemReader{
		{Source: ListObjects, Bucket: pulumi.String("in"), Prefix: "raw/"},
		{Source: JsonArray, Bucket: pulumi.String("in"), KeyPath: "$.list.key", Prefix: "lists/"},
		{Source: CSV, Bucket: pulumi.String("in"), KeyPath: "$$.Execution.Input.csv"},
		{Source: JsonArray, Bucket: pulumi.String("in"), Key: "items.json"},
		{Source: JsonLines, Bucket: pulumi.String("in"), Key: "items.jsonl", MaxItems: 10},
		{Source: CSV, Bucket: pulumi.String("in"), Key: "items.csv", CSVHeaders: []string{"id", "name"}, CSVDelimiter: "SEMICOLON"},
		{Source: Manifest, Bucket: pulumi.String("inventory"), Key: "in/cfg/2026-11-22T01-00Z/manifest.json"},
	} {
		r := r
		name := "reader-" + string(r.Source)
		if r.KeyPath != "" {
			name += "-key-path"
		}
		out = append(out, corpusCase{name: name, def: Definition{StartAt: "Each", States: States{
			"Each": &Map{Distributed: &Distributed{Reader: &r, ExecutionType: Standard}, DeadLetter: dlq,
				Processor: Definition{StartAt: "Work", States: States{"Work": &Task{Call: Invoke{Worker: fetch}, End: true}}},
				End:       true},
		}}})
	}
	return out
}

// noRetryMap is an inline Map whose task retries nothing (Retry replaced by an empty list).
func noRetryMap() Definition {
	return Definition{StartAt: "Each", States: States{"Each": &Map{MaxConcurrency: 2, DeadLetter: dlq, End: true,
		Processor: Definition{StartAt: "Fetch", States: States{"Fetch": &Task{Call: Invoke{Worker: fetch}, Retry: []Retry{}, End: true}}}}}}
}

// corpus is every definition the plain tests generate; all of them go through asl-validator.
func corpus() []corpusCase {
	out := []corpusCase{
		{name: "inline-fan-out", def: inlineFanOut(fetch, 10), golden: true},
		{name: "nested-fan-out", def: nestedFanOut(), golden: true},
		{name: "distributed-fan-out", def: distributedFanOut(), golden: true},
		{name: "every-choice", def: everyChoice()},
		{name: "choice-routing", def: choiceRouting()},
		{name: "every-state", def: everyState(), golden: true},
		{name: "map-without-retry", def: noRetryMap()},
		{name: "chain-30", def: chain(30)},
	}
	return append(out, readers()...)
}
