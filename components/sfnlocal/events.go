package sfnlocal

import (
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"
)

// Event is one entry of an execution's history, named as GetExecutionHistory names it
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html):
// ExecutionStarted, PassStateEntered, TaskStateEntered, LambdaFunctionScheduled,
// LambdaFunctionSucceeded, LambdaFunctionFailed, TaskSucceeded, MapRunStarted,
// MapIterationSucceeded, ExecutionSucceeded...
type Event struct {
	// Id numbers the events of one engine run from 1, in the order they happened.
	Id int64
	// PreviousEventId is the event this one follows in the same (child) execution, 0 for none.
	PreviousEventId int64
	Timestamp       time.Time
	Type            string
	// ExecutionArn is the (child) execution the event belongs to: Parallel branches and inline Map
	// iterations share their parent's; Distributed Map child executions have their own.
	ExecutionArn string
	// Details is the "<type>EventDetails" object, with AWS's field names (name, input, output,
	// error, cause, resource, index, mapRunArn...). Input and output are JSON text, as in AWS.
	Details map[string]any
}

// MarshalJSON writes the event in GetExecutionHistory's shape.
func (e Event) MarshalJSON() ([]byte, error) {
	m := map[string]any{
		"id":        e.Id,
		"timestamp": e.Timestamp.UTC().Format(time.RFC3339Nano),
		"type":      e.Type,
	}
	if e.PreviousEventId != 0 {
		m["previousEventId"] = e.PreviousEventId
	}
	if e.ExecutionArn != "" {
		m["executionArn"] = e.ExecutionArn
	}
	if e.Details != nil {
		m[detailsKey(e.Type)] = e.Details
	}
	return json.Marshal(m)
}

func detailsKey(t string) string {
	switch {
	case strings.HasSuffix(t, "StateEntered"):
		return "stateEnteredEventDetails"
	case strings.HasSuffix(t, "StateExited"):
		return "stateExitedEventDetails"
	}
	return strings.ToLower(t[:1]) + t[1:] + "EventDetails"
}

// eventSink delivers events to the callback and the JSON Lines writer.
type eventSink struct {
	mu      sync.Mutex
	next    int64
	onEvent func(Event)
	w       io.Writer
	enc     *json.Encoder
	err     error
}

func newEventSink(onEvent func(Event), w io.Writer) *eventSink {
	if onEvent == nil && w == nil {
		return nil
	}
	s := &eventSink{onEvent: onEvent, w: w}
	if w != nil {
		s.enc = json.NewEncoder(w)
		s.enc.SetEscapeHTML(false)
	}
	return s
}

// emit records an event and returns its id (0 when nobody listens).
func (s *eventSink) emit(prev int64, typ, execArn string, details map[string]any) int64 {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	ev := Event{Id: s.next, PreviousEventId: prev, Timestamp: time.Now(), Type: typ, ExecutionArn: execArn, Details: details}
	if s.enc != nil && s.err == nil {
		s.err = s.enc.Encode(ev)
	}
	if s.onEvent != nil {
		s.onEvent(ev)
	}
	return ev.Id
}

// jsonText renders a value as the JSON text AWS puts in event details.
func jsonText(v any) string {
	b, err := marshalJSON(v)
	if err != nil {
		return ""
	}
	return string(b)
}
