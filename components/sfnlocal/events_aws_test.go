package sfnlocal_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/skeinhq/skein/components/sfnlocal"
)

// Every event the engine writes is judged by the AWS SDK's own model of GetExecutionHistory
// (github.com/aws/aws-sdk-go-v2/service/sfn/types): its type is a HistoryEventType value and its
// details sit under the HistoryEvent member AWS uses for it (executionStartedEventDetails,
// stateEnteredEventDetails, mapRunStartedEventDetails...).
func TestEventsMatchAWSHistoryModel(t *testing.T) {
	valid := map[string]bool{}
	for _, v := range sfntypes.HistoryEventType("").Values() {
		valid[string(v)] = true
	}
	members := map[string]bool{}
	ht := reflect.TypeOf(sfntypes.HistoryEvent{})
	for i := 0; i < ht.NumField(); i++ {
		if f := ht.Field(i); f.IsExported() && strings.HasSuffix(f.Name, "EventDetails") {
			r := []rune(f.Name)
			r[0] = unicode.ToLower(r[0])
			members[string(r)] = true
		}
	}
	fs := &sfnlocal.Functions{}
	_ = fs.RegisterFunc("f", func(n int) (int, error) {
		if n == 2 {
			return 0, errors.New("two")
		}
		return n, nil
	})
	child, _ := sfnlocal.Parse([]byte(`{"StartAt":"CP","States":{"CP":{"Type":"Pass","End":true}}}`))
	const lambda = "arn:aws:lambda:us-east-1:123456789012:function:f"
	def := `{"StartAt":"Prep","States":{
	"Prep":{"Type":"Pass","Result":[1,2,3],"ResultPath":"$.items","Next":"Pick"},
	"Pick":{"Type":"Choice","Choices":[{"Variable":"$.items[0]","NumericEquals":1,"Next":"Pause"}],"Default":"Pause"},
	"Pause":{"Type":"Wait","Seconds":0,"Next":"Both"},
	"Both":{"Type":"Parallel","ResultPath":null,"Next":"Inline","Branches":[
		{"StartAt":"B1","States":{"B1":{"Type":"Task","Resource":"` + lambda + `","Parameters":1,"End":true}}},
		{"StartAt":"B2","States":{"B2":{"Type":"Succeed"}}}]},
	"Inline":{"Type":"Map","ItemsPath":"$.items","ResultPath":null,"Next":"Fan","ItemProcessor":{"StartAt":"IT","States":{
		"IT":{"Type":"Task","Resource":"` + lambda + `","Catch":[{"ErrorEquals":["States.ALL"],"Next":"IP"}],"End":true},"IP":{"Type":"Pass","End":true}}}},
	"Fan":{"Type":"Map","ItemsPath":"$.items","ToleratedFailureCount":1,"ResultPath":null,"Next":"Send","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
		"StartAt":"DT","States":{"DT":{"Type":"Task","Resource":"` + lambda + `","End":true}}}},
	"Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","MessageBody":"hi"},"ResultPath":null,"Next":"Nested"},
	"Nested":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"child"},"ResultPath":null,"Next":"Invoke"},
	"Invoke":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":2},"Catch":[{"ErrorEquals":["errorString"],"ResultPath":null,"Next":"Slow"}],"Next":"Slow"},
	"Slow":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:ghost","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Boom"}],"End":true},
	"Boom":{"Type":"Fail","Error":"Done.Failing","Cause":"on purpose"}}}`
	var log bytes.Buffer
	e := mustEngine(t, def, &sfnlocal.Options{Functions: fs, EventLog: &log, StateMachines: map[string]*sfnlocal.Definition{"child": child}})
	_, err := e.Execute(context.Background(), []byte(`{}`))
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) || ee.Name != "Done.Failing" {
		t.Fatalf("got %v, want the Fail state's Done.Failing", err)
	}
	// a timed-out execution, for ExecutionTimedOut
	slow := mustEngine(t, `{"StartAt":"W","TimeoutSeconds":1,"States":{"W":{"Type":"Wait","Seconds":3,"End":true}}}`, &sfnlocal.Options{EventLog: &log})
	if _, err := slow.Execute(context.Background(), nil); !errors.As(err, &ee) || ee.Name != sfnlocal.ErrTimeout {
		t.Fatalf("got %v, want States.Timeout", err)
	}
	// Task timeouts: LambdaFunctionTimedOut for a function ARN, TaskTimedOut for an integration
	_ = fs.RegisterFunc("slow", func(ctx context.Context) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	timeouts := mustEngine(t, `{"StartAt":"A","States":{
		"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","TimeoutSeconds":1,"Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":null,"Next":"B"}],"Next":"B"},
		"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"slow"},"TimeoutSeconds":1,"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"C"}],"End":true},
		"C":{"Type":"Succeed"}}}`, &sfnlocal.Options{Functions: fs, EventLog: &log})
	if _, err := timeouts.Execute(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(&log)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("event line %q: %v", sc.Text(), err)
		}
		var typ string
		_ = json.Unmarshal(ev["type"], &typ)
		seen[typ] = true
		if !valid[typ] {
			t.Errorf("event type %q is not a GetExecutionHistory HistoryEventType", typ)
		}
		for k := range ev {
			switch k {
			case "id", "previousEventId", "timestamp", "type", "executionArn":
			default:
				if !members[k] {
					t.Errorf("%s event: details member %q is not a HistoryEvent member", typ, k)
				}
			}
		}
	}
	for _, want := range []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "ChoiceStateEntered", "WaitStateEntered",
		"ParallelStateEntered", "ParallelStateStarted", "ParallelStateSucceeded", "ParallelStateExited", "SucceedStateEntered",
		"TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "LambdaFunctionFailed",
		"LambdaFunctionScheduleFailed", "TaskStateExited", "MapStateEntered", "MapStateStarted", "MapIterationStarted",
		"MapIterationSucceeded", "MapStateSucceeded", "MapRunStarted", "MapRunSucceeded", "TaskScheduled", "TaskSucceeded",
		"FailStateEntered", "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "LambdaFunctionTimedOut", "TaskTimedOut",
		"TaskStarted", "TaskFailed"} {
		if !seen[want] {
			t.Errorf("no %s event", want)
		}
	}
	var types []string
	for k := range seen {
		types = append(types, k)
	}
	sort.Strings(types)
	t.Logf("%d event types, all in the AWS model: %s", len(types), strings.Join(types, " "))
}
