package sfnlocal

import (
	"testing"
	"time"
)

// The hand-written record encoder writes exactly what appendJSON writes for the record object.
func TestAppendRecordMatchesRecord(t *testing.T) {
	rn := recordNames{runID: "0123abcd-0000-4000-8000-000000000000", childSMArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm/Map",
		execPrefix: "arn:aws:states:us-east-1:123456789012:express:sm/Map"}
	start := time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC)
	recs := []childRecord{
		{ran: true, status: "SUCCEEDED", input: map[string]any{"a": "x\"y", "b": []any{int64(1), 2.5}}, out: "é\u2028\n", start: start, stop: start.Add(time.Second)},
		{ran: true, status: "FAILED", input: "in", err: &ExecutionError{Name: "Custom.Error", Cause: `{"errorMessage":"bad <input>","errorType":"Custom.Error"}`}, start: start, stop: start},
		{status: "PENDING", input: nil},
	}
	for i := range recs {
		want, err := appendJSON(nil, rn.record(&recs[i], i))
		if err != nil {
			t.Fatal(err)
		}
		if got := rn.appendRecord(nil, &recs[i], i); string(got) != string(want) {
			t.Errorf("record %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
