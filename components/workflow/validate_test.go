package workflow

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
)

func task(next string) *Task {
	if next == "" {
		return &Task{Call: Invoke{Worker: fetch}, End: true}
	}
	return &Task{Call: Invoke{Worker: fetch}, Next: next}
}

func one(s State) Definition { return Definition{StartAt: "A", States: States{"A": s}} }

func inlineMap(m *Map) Definition {
	if m.Processor.States == nil {
		m.Processor = Definition{StartAt: "Work", States: States{"Work": task("")}}
	}
	if m.Next == "" {
		m.End = true
	}
	return one(m)
}

func distMap(d *Distributed) Definition {
	return inlineMap(&Map{Distributed: d})
}

var long81 = strings.Repeat("x", 81)

type errRow struct {
	name  string
	def   Definition
	field string // must appear in the error
	value string // must appear in the error
}

func validationRows() []errRow {
	return []errRow{
		{"no states", Definition{StartAt: "A"}, "Definition.States", "got 0"},
		{"no StartAt", Definition{States: States{"A": task("")}}, "Definition.StartAt", "must name the first state"},
		{"StartAt unknown", Definition{StartAt: "B", States: States{"A": task("")}}, "Definition.StartAt", `got "B"`},
		{"name too long", Definition{StartAt: long81, States: States{long81: task("")}}, "state name must be 1..80", "got 81"},
		{"duplicate across scopes", Definition{StartAt: "Work", States: States{"Work": &Map{End: true,
			Processor: Definition{StartAt: "Work", States: States{"Work": task("")}}}}}, "unique in the whole state machine", `got "Work"`},
		{"Next missing", one(&Task{Call: Invoke{Worker: fetch}}), `States["A"].Next`, "must be set, or End"},
		{"Next and End", Definition{StartAt: "A", States: States{"A": &Task{Call: Invoke{Worker: fetch}, Next: "B", End: true}, "B": &Succeed{}}}, `States["A"].End`, `got "B"`},
		{"Next unknown", one(task("Nowhere")), `States["A"].Next`, `got "Nowhere"`},
		{"Next leaves a Map", Definition{StartAt: "M", States: States{"M": &Map{Next: "Out",
			Processor: Definition{StartAt: "In", States: States{"In": task("Out")}}}, "Out": &Succeed{}}},
			`Processor.States["In"].Next`, "cannot leave its Map processor"},
		{"Default unknown", Definition{StartAt: "C", States: States{"C": &Choice{Choices: []Rule{{Condition: Cmp("$.x", IsPresent, true), Next: "D"}}, Default: "E"}, "D": &Succeed{}}},
			`States["C"].Default`, `got "E"`},
		{"Catch target unknown", one(&Task{Call: Invoke{Worker: fetch}, End: true, Catch: []Catch{{ErrorEquals: []string{"States.ALL"}, Next: "Gone"}}}),
			`Catch[0].Next`, `got "Gone"`},
		{"unreachable", Definition{StartAt: "A", States: States{"A": task(""), "B": task("")}}, `States["B"]`, "reachable from StartAt"},
		{"no terminal", Definition{StartAt: "A", States: States{"A": &Pass{Next: "B"}, "B": &Pass{Next: "A"}}}, `States["A"]`, "terminal state"},
		{"choice loop without exit", Definition{StartAt: "C", States: States{
			"C": &Choice{Choices: []Rule{{Condition: Cmp("$.x", IsPresent, true), Next: "W"}}, Default: "W"},
			"W": &Wait{Seconds: 1, Next: "C"}}}, `States["W"]`, "loops forever"},
		{"choice without rules", Definition{StartAt: "C", States: States{"C": &Choice{Default: "D"}, "D": &Succeed{}}}, `States["C"].Choices`, "at least one rule"},
		{"choice bad op", Definition{StartAt: "C", States: States{"C": &Choice{Choices: []Rule{{Condition: Cmp("$.x", "StringContains", "a"), Next: "D"}}}, "D": &Succeed{}}},
			"Choices[0].Condition.Op", `got "StringContains"`},
		{"choice wrong value type", Definition{StartAt: "C", States: States{"C": &Choice{Choices: []Rule{{Condition: Cmp("$.x", NumericEquals, "3"), Next: "D"}}}, "D": &Succeed{}}},
			"Condition.Value", "must be a number"},
		{"choice path value", Definition{StartAt: "C", States: States{"C": &Choice{Choices: []Rule{{Condition: Cmp("$.x", StringEqualsPath, "y"), Next: "D"}}}, "D": &Succeed{}}},
			"Condition.Value", `got "y"`},
		{"choice variable", Definition{StartAt: "C", States: States{"C": &Choice{Choices: []Rule{{Condition: Not{Cmp("x", IsNull, true)}, Next: "D"}}}, "D": &Succeed{}}},
			"Condition.Not.Variable", `got "x"`},
		{"empty And", Definition{StartAt: "C", States: States{"C": &Choice{Choices: []Rule{{Condition: And{}, Next: "D"}}}, "D": &Succeed{}}},
			"Condition.And", "at least one condition"},
		{"inline Map above 40", inlineMap(&Map{MaxConcurrency: 41}), `States["A"].MaxConcurrency`, "set Distributed"},
		{"inline Map negative", inlineMap(&Map{MaxConcurrency: -1}), `MaxConcurrency`, "got -1"},
		{"distributed above 10000", inlineMap(&Map{MaxConcurrency: 10001, Distributed: &Distributed{}}), "MaxConcurrency must be 0..10000", "got 10001"},
		{"label too long", distMap(&Distributed{Label: strings.Repeat("l", 41)}), "Distributed.Label must be at most 40", "got 41"},
		{"label characters", distMap(&Distributed{Label: "a b"}), "Distributed.Label", `got "a b"`},
		{"tolerance percentage", distMap(&Distributed{ToleratedFailurePercentage: 100.5}), "ToleratedFailurePercentage must be 0..100", "got 100.5"},
		{"tolerance count", distMap(&Distributed{ToleratedFailureCount: -1}), "ToleratedFailureCount", "got -1"},
		{"execution type", distMap(&Distributed{ExecutionType: "FAST"}), "Distributed.ExecutionType", `got "FAST"`},
		{"batch bytes", distMap(&Distributed{Batcher: &ItemBatcher{MaxInputBytesPerBatch: 262145}}), "MaxInputBytesPerBatch must be 0..262144", "got 262145"},
		{"batch empty", distMap(&Distributed{Batcher: &ItemBatcher{}}), "Distributed.Batcher", "MaxItemsPerBatch or MaxInputBytesPerBatch"},
		{"batch items", distMap(&Distributed{Batcher: &ItemBatcher{MaxItemsPerBatch: -5}}), "MaxItemsPerBatch", "got -5"},
		{"reader source", distMap(&Distributed{Reader: &ItemReader{Source: "XML", Bucket: pulumi.String("b"), Key: "k"}}), "Reader.Source", `got "XML"`},
		{"reader bucket", distMap(&Distributed{Reader: &ItemReader{Source: JsonArray, Key: "k"}}), "Reader.Bucket", "bucket's name"},
		{"reader key", distMap(&Distributed{Reader: &ItemReader{Source: CSV, Bucket: pulumi.String("b")}}), "Reader.Key", "must name the object to read for CSV (or set KeyPath)"},
		{"reader key path on listing", distMap(&Distributed{Reader: &ItemReader{Source: ListObjects, Bucket: pulumi.String("b"), KeyPath: "$.key"}}),
			"Reader.KeyPath must be empty for ListObjects", `got "$.key"`},
		{"reader key and key path", distMap(&Distributed{Reader: &ItemReader{Source: JsonArray, Bucket: pulumi.String("b"), Key: "k", KeyPath: "$.key"}}),
			"Reader.KeyPath must be empty when Key is set", `got "$.key"`},
		{"reader key path for a manifest", distMap(&Distributed{Reader: &ItemReader{Source: Manifest, Bucket: pulumi.String("b"), KeyPath: "$.manifest"}}),
			"Reader.KeyPath is not supported for MANIFEST", `got "$.manifest"`},
		{"reader key path not a path", distMap(&Distributed{Reader: &ItemReader{Source: JsonLines, Bucket: pulumi.String("b"), KeyPath: "manifest.key"}}),
			"Reader.KeyPath must be a path starting with $", `got "manifest.key"`},
		{"reader key path discard", distMap(&Distributed{Reader: &ItemReader{Source: CSV, Bucket: pulumi.String("b"), KeyPath: Discard}}),
			"Reader.KeyPath must be a path starting with $", `got "null"`},
		{"reader prefix with a fixed key", distMap(&Distributed{Reader: &ItemReader{Source: CSV, Bucket: pulumi.String("b"), Key: "k.csv", Prefix: "in/"}}),
			"Reader.Prefix is only for ListObjects, or with KeyPath", `got "in/"`},
		{"reader csv options on json", distMap(&Distributed{Reader: &ItemReader{Source: JsonArray, Bucket: pulumi.String("b"), Key: "k", CSVHeaders: []string{"id"}}}),
			"Reader.CSVHeaders and CSVDelimiter are only for CSV", `got "JSON"`},
		{"items path with a reader", inlineMap(&Map{ItemsPath: "$.items", Distributed: &Distributed{Reader: &ItemReader{Source: JsonArray, Bucket: pulumi.String("b"), Key: "k"}}}),
			`States["A"].ItemsPath must be empty when Distributed.Reader reads the items from S3`, `got "$.items"`},
		{"items path not a path", inlineMap(&Map{ItemsPath: "items"}), `States["A"].ItemsPath must be a path`, `got "items"`},
		{"reader key on listing", distMap(&Distributed{Reader: &ItemReader{Source: ListObjects, Bucket: pulumi.String("b"), Key: "k"}}), "Reader.Key", `got "k"`},
		{"reader max items", distMap(&Distributed{Reader: &ItemReader{Source: JsonArray, Bucket: pulumi.String("b"), Key: "k", MaxItems: 100000001}}), "Reader.MaxItems", "got 100000001"},
		{"csv delimiter", distMap(&Distributed{Reader: &ItemReader{Source: CSV, Bucket: pulumi.String("b"), Key: "k", CSVDelimiter: "COLON"}}), "Reader.CSVDelimiter", `got "COLON"`},
		{"writer bucket", distMap(&Distributed{Writer: &ResultWriter{Prefix: "p"}}), "Writer.Bucket", "bucket's name"},
		{"retry interval", one(&Task{Call: Invoke{Worker: fetch}, End: true, Retry: []Retry{{ErrorEquals: []string{"E"}, Interval: 500 * time.Millisecond}}}),
			"Retry[0].Interval", "got 500ms"},
		{"retry backoff", one(&Task{Call: Invoke{Worker: fetch}, End: true, Retry: []Retry{{ErrorEquals: []string{"E"}, BackoffRate: 0.5}}}),
			"Retry[0].BackoffRate must be at least 1.0", "got 0.5"},
		{"retry attempts", one(&Task{Call: Invoke{Worker: fetch}, End: true, AlsoRetry: []Retry{{ErrorEquals: []string{"E"}, MaxAttempts: pulumi.IntRef(-1)}}}),
			"Retry[0].MaxAttempts", "got -1"},
		{"retry max delay", one(&Task{Call: Invoke{Worker: fetch}, End: true, Retry: []Retry{{ErrorEquals: []string{"E"}, Interval: 10 * time.Second, MaxDelay: 5 * time.Second}}}),
			"Retry[0].MaxDelay", "got 5s"},
		{"retry no errors", one(&Task{Call: Invoke{Worker: fetch}, End: true, Retry: []Retry{{}}}), "Retry[0].ErrorEquals", "got 0"},
		{"States.ALL not last", one(&Task{Call: Invoke{Worker: fetch}, End: true, Retry: []Retry{{ErrorEquals: []string{"States.ALL"}}, {ErrorEquals: []string{"E"}}}}),
			"Retry[0].ErrorEquals", "States.ALL must appear alone"},
		{"empty error name", one(&Task{Call: Invoke{Worker: fetch}, End: true, AlsoRetry: []Retry{{ErrorEquals: []string{""}}}}),
			"Retry[0].ErrorEquals must not contain an empty error name", `got ""`},
		{"catch without next", one(&Task{Call: Invoke{Worker: fetch}, End: true, Catch: []Catch{{ErrorEquals: []string{"States.ALL"}}}}),
			"Catch[0].Next", "must name the state to go to"},
		{"catch result path", Definition{StartAt: "A", States: States{"A": &Task{Call: Invoke{Worker: fetch}, End: true,
			Catch: []Catch{{ErrorEquals: []string{"States.ALL"}, ResultPath: "error", Next: "B"}}}, "B": &Succeed{}}},
			"Catch[0].ResultPath must be a path", `got "error"`},
		{"choice rule without next", Definition{StartAt: "C", States: States{"C": &Choice{Choices: []Rule{{Condition: Cmp("$.x", IsPresent, true)}}, Default: "D"}, "D": &Succeed{}}},
			"Choices[0].Next", "must name the state to go to"},
		{"choice nil condition", Definition{StartAt: "C", States: States{"C": &Choice{Choices: []Rule{{Next: "D"}}}, "D": &Succeed{}}},
			"Choices[0].Condition", "must be a Compare, And, Or or Not"},
		{"empty Or", Definition{StartAt: "C", States: States{"C": &Choice{Choices: []Rule{{Condition: Or{}, Next: "D"}}}, "D": &Succeed{}}},
			"Condition.Or must hold at least one condition", "got 0"},
		{"wait negative", one(&Wait{Seconds: -1, End: true}), `States["A"].Seconds must be 0..99999999`, "got -1"},
		{"wait path discard", one(&Wait{SecondsPath: Discard, End: true}), `States["A"].SecondsPath cannot be Discard`, `got "null"`},
		{"fail cause both", one(&Fail{Cause: "c", CausePath: "$.c"}), "CausePath must not be set together with Cause", `got "$.c"`},
		{"start without workflow", one(&Task{Call: StartWorkflow{}, End: true}), "Call.Workflow", "must be the state machine to start"},
		{"message group too long", one(&Task{Call: SendMessage{Queue: dlq, MessageGroupId: strings.Repeat("g", 129)}, End: true}),
			"Call.MessageGroupId must be at most 128 characters", "got 129"},
		{"task without call", one(&Task{End: true}), `States["A"].Call`, "must be Invoke"},
		{"invoke without worker", one(&Task{Call: Invoke{}, End: true}), "Call.Worker", "worker"},
		{"send without queue", one(&Task{Call: SendMessage{}, End: true}), "Call.Queue", "queue"},
		{"service resource", one(&Task{Call: Service{Resource: "dynamodb:putItem"}, End: true}), "Call.Resource", `got "dynamodb:putItem"`},
		{"task timeout", one(&Task{Call: Invoke{Worker: fetch}, End: true, Timeout: 1500 * time.Millisecond}), "Timeout must be a whole number", "got 1.5s"},
		{"heartbeat above timeout", one(&Task{Call: Invoke{Worker: fetch}, End: true, Timeout: 10 * time.Second, Heartbeat: 10 * time.Second}), "Heartbeat must be below", "got 10s"},
		{"bad path", one(&Task{Call: Invoke{Worker: fetch}, End: true, IO: IO{InputPath: "input"}}), "InputPath", `got "input"`},
		{"template value", one(&Pass{End: true, Parameters: map[string]any{"x.$": 3}}), `Parameters["x.$"]`, "got 3"},
		{"wait two fields", one(&Wait{Seconds: 3, SecondsPath: "$.s", End: true}), `States["A"]`, "only one of Seconds"},
		{"wait timestamp", one(&Wait{Timestamp: "tomorrow", End: true}), "Timestamp", `got "tomorrow"`},
		{"fail both", one(&Fail{Error: "E", ErrorPath: "$.e"}), "ErrorPath", `got "$.e"`},
		{"parallel no branches", one(&Parallel{End: true}), "Branches", "at least one branch"},
		{"nil state", Definition{StartAt: "A", States: States{"A": (*Task)(nil)}}, `States["A"]`, "must be a state"},
		{"dead letter names too long", inlineMap(&Map{DeadLetter: dlq}), "", ""}, // placeholder, replaced below
		{"typed nil worker", one(&Task{Call: Invoke{Worker: (*slowWorker)(nil)}, End: true}), "Call.Worker", "worker"},
		{"typed nil dead letter", inlineMap(&Map{DeadLetter: (*ptrQueue)(nil)}), "DeadLetter", "not a nil pointer"},
		{"timeout below function timeout", one(&Task{Call: Invoke{Worker: &slowWorker{ExistingFunction(fetchArn), time.Minute}}, Timeout: 30 * time.Second, End: true}),
			`States["A"].Timeout must be at least the worker's function timeout (1m0s)`, "got 30s"},
		{"task timeout in express children", inlineMap(&Map{Distributed: &Distributed{}, Processor: Definition{StartAt: "W", States: States{
			"W": &Task{Call: Invoke{Worker: fetch}, Timeout: 10 * time.Minute, End: true}}}}), `Processor.States["W"].Timeout must be 1s..5m0s`, "got 10m0s"},
		{"workflow timeout", Definition{StartAt: "A", States: States{"A": task("")}, Timeout: 500 * time.Millisecond}, "Definition.Timeout", "got 500ms"},
	}
}

// slowWorker is a target that tells its function timeout, as skein workers do.
type slowWorker struct {
	ExistingFunction
	timeout time.Duration
}

func (w *slowWorker) FunctionTimeout() time.Duration { return w.timeout }

// ptrQueue is a queue behind a pointer, so that a typed nil can stand for one never built.
type ptrQueue struct{ ExistingQueue }

func TestExpressLimits(t *testing.T) {
	d := Definition{StartAt: "A", Timeout: 10 * time.Minute, States: States{"A": &Task{Call: StartWorkflow{Workflow: child, Wait: true}, End: true}}}
	err := validateAll("fast", &d, Express, true)
	for _, want := range []string{"Definition.Timeout must be 1s..5m0s, got 10m0s", `States["A"].Call.Wait must be false in Express executions`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if err := validateAll("slow", &d, Standard, true); err != nil {
		t.Errorf("the same definition is valid for a Standard workflow: %v", err)
	}
	wait := Definition{StartAt: "A", States: States{"A": &Wait{Seconds: 301, End: true}}}
	if err := validateAll("fast", &wait, Express, true); err == nil || !strings.Contains(err.Error(), `States["A"].Seconds must be 0..300, got 301`) {
		t.Errorf("a Wait above five minutes in an Express workflow: %v", err)
	}
	if err := validateAll("slow", &wait, Standard, true); err != nil {
		t.Errorf("a Wait of 301 s in a Standard workflow: %v", err)
	}
	// A worker that may run ten minutes, called with no Timeout of the Task's own, outlives the
	// Express execution; with a Timeout of its own the Task gives up in time.
	long := &slowWorker{timeout: 10 * time.Minute}
	noTimeout := Definition{StartAt: "A", States: States{"A": &Task{Call: Invoke{Worker: long}, End: true}}}
	if err := validateAll("fast", &noTimeout, Express, true); err == nil || !strings.Contains(err.Error(), `States["A"].Call.Worker must have a function timeout of at most 5m0s in Express executions`) || !strings.Contains(err.Error(), "got 10m0s") {
		t.Errorf("a ten-minute worker without a Task Timeout in an Express workflow: %v", err)
	}
	if err := validateAll("slow", &noTimeout, Standard, true); err != nil {
		t.Errorf("a ten-minute worker in a Standard workflow: %v", err)
	}
	inMap := Definition{StartAt: "M", States: States{"M": &Map{Distributed: &Distributed{}, Processor: Definition{StartAt: "A", States: States{"A": &Task{Call: Invoke{Worker: long}, End: true}}}, End: true}}}
	if err := validateAll("slow", &inMap, Standard, true); err == nil || !strings.Contains(err.Error(), "must have a function timeout of at most 5m0s in Express executions") {
		t.Errorf("a ten-minute worker in a Distributed Map's Express child executions: %v", err)
	}
	capped := Definition{StartAt: "A", States: States{"A": &Task{Call: Invoke{Worker: &slowWorker{timeout: 5 * time.Minute}}, End: true}}}
	if err := validateAll("fast", &capped, Express, true); err != nil {
		t.Errorf("a five-minute worker in an Express workflow: %v", err)
	}
	sync := Definition{StartAt: "A", States: States{"A": &Task{Call: Service{Resource: "arn:aws:states:::ecs:runTask.sync"}, End: true}}}
	if err := validateAll("fast", &sync, Express, true); err == nil || !strings.Contains(err.Error(), `States["A"].Call.Resource must not use .sync or .waitForTaskToken in Express executions, got "arn:aws:states:::ecs:runTask.sync"`) {
		t.Errorf("a .sync integration in an Express workflow: %v", err)
	}
	if err := validateAll("slow", &sync, Standard, true); err != nil {
		t.Errorf("a .sync integration in a Standard workflow: %v", err)
	}
}

func TestValidationRules(t *testing.T) {
	rows := validationRows()
	// A Map whose name leaves no room for the states DeadLetter adds.
	longMap := strings.Repeat("m", 75)
	for i := range rows {
		if rows[i].name != "dead letter names too long" {
			continue
		}
		rows[i] = errRow{"dead letter names too long",
			Definition{StartAt: longMap, States: States{longMap: &Map{DeadLetter: dlq, End: true,
				Processor: Definition{StartAt: "W", States: States{"W": task("")}}}}},
			"DeadLetter", "shorten the Map's name"}
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			err := row.def.Validate()
			if err == nil {
				t.Fatal("want an error")
			}
			msg := err.Error()
			if !strings.Contains(msg, row.field) || !strings.Contains(msg, row.value) {
				t.Errorf("error %q\nlacks field %q or value %q", msg, row.field, row.value)
			}
			var fe *check.FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error %T is not a *check.FieldError", err)
			}
			if _, rerr := row.def.Render(); rerr == nil {
				t.Error("Render accepted a definition Validate rejects")
			}
		})
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	d := Definition{StartAt: "M", States: States{
		"M": &Map{MaxConcurrency: 50, Next: "Nowhere",
			Processor: Definition{StartAt: "W", States: States{"W": &Task{Call: Invoke{Worker: fetch}, End: true,
				Retry: []Retry{{ErrorEquals: []string{"E"}, BackoffRate: 0.1}}}}}},
	}}
	err := d.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"MaxConcurrency", "Nowhere", "BackoffRate"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s:\n%v", want, err)
		}
	}
}

func TestCorpusIsValid(t *testing.T) {
	for _, c := range corpus() {
		if err := c.def.Validate(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestDefinitionSizeLimit(t *testing.T) {
	// 3,000 states with long comments exceed 1 MiB.
	d := chain(3000)
	for _, s := range d.States {
		if p, ok := s.(*Pass); ok {
			p.Comment = strings.Repeat("c", 1000)
		}
	}
	err := d.Validate()
	if err == nil || !strings.Contains(err.Error(), "at most 1048576 bytes") {
		t.Fatalf("want the size error, got %v", err)
	}
}

// TestItemReaderKeyPath: a reader whose key comes from the state input renders "Key.$" with the
// path (and neither "Key" nor Prefix, which s3:getObject does not take) and still sets the
// InputType; asl-validator judges the same definitions in TestCorpusPassesASLValidator.
func TestItemReaderKeyPath(t *testing.T) {
	seen := 0
	defer func() {
		if seen < 2 {
			t.Errorf("the corpus holds %d readers with KeyPath, want 2", seen)
		}
	}()
	for _, c := range corpus() {
		each, _ := c.def.States["Each"].(*Map)
		if each == nil || each.Distributed == nil || each.Distributed.Reader == nil || each.Distributed.Reader.KeyPath == "" {
			continue
		}
		rd := each.Distributed.Reader
		seen++
		b, err := c.def.Render()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var def struct {
			States map[string]struct {
				ItemReader struct {
					Resource     string
					ReaderConfig map[string]any
					Parameters   map[string]any
				}
			}
		}
		if err := json.Unmarshal(b, &def); err != nil {
			t.Fatal(err)
		}
		got := def.States["Each"].ItemReader
		want := map[string]any{"Bucket": "in", "Key.$": rd.KeyPath}
		if !reflect.DeepEqual(got.Parameters, want) {
			t.Errorf("%s: ItemReader.Parameters = %v, want %v", c.name, got.Parameters, want)
		}
		if got.Resource != s3GetResource || got.ReaderConfig["InputType"] != string(rd.Source) {
			t.Errorf("%s: ItemReader = %+v", c.name, got)
		}
	}
}
