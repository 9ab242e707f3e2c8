package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestHandleReportsJobsWithoutID(t *testing.T) {
	b, err := os.ReadFile("../testdata/panic_decode.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := &handler{log: slog.New(slog.NewJSONHandler(&logs, nil))}
	resp, err := h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	// Records 0, 1 and 3 carry an id; record 2 is not JSON.
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != ev.Records[2].MessageId {
		t.Errorf("failures %+v", resp.BatchItemFailures)
	}
	if !bytes.Contains(logs.Bytes(), []byte(`"messageId":"`+ev.Records[0].MessageId+`"`)) {
		t.Errorf("logs lack the message id:\n%s", logs.String())
	}
}
