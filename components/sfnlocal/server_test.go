package sfnlocal_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/skeinhq/skein/components/sfnlocal"
)

// sfnClient is the AWS SDK's own Step Functions client pointed at srv.
func sfnClient(srv *httptest.Server) *sfn.Client {
	return sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.AnonymousCredentials{},
		HTTPClient:   srv.Client(),
	})
}

// The serve protocol, judged by the AWS SDK's client: a Distributed Map run that exceeds its
// tolerance fails; RedriveExecution continues it under the same ARN and only the failed
// children run again; DescribeExecution reports redriveCount and redriveStatus; a succeeded
// execution and an Express one are refused with ExecutionNotRedrivable, an unknown one with
// ExecutionDoesNotExist.
func TestServeRedriveExecution(t *testing.T) {
	work := &counter{}
	broken := true
	work.fail = func(id, call int) bool { return broken && id%4 == 0 }
	srv := sfnlocal.NewServer(&sfnlocal.Options{Functions: functionsFor(t, map[string]*counter{"work": work})})
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	c := sfnClient(hs)
	ctx := context.Background()

	def := distMap(`"ItemsPath":"$.items","MaxConcurrency":1,"ToleratedFailureCount":1,`, "")
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("night"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("run1"), Input: aws.String(string(itemsInput(12)))})
	if err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != sfnlocal.ErrExceedToleratedFailure ||
		d.RedriveStatus != types.ExecutionRedriveStatusRedrivable || aws.ToInt32(d.RedriveCount) != 0 {
		t.Fatalf("after the first attempt: status %s error %s redrive %s/%d", d.Status, aws.ToString(d.Error), d.RedriveStatus, aws.ToInt32(d.RedriveCount))
	}
	first := work.snapshot()

	broken = false
	rd, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatalf("RedriveExecution: %v", err)
	}
	if rd.RedriveDate == nil || rd.RedriveDate.IsZero() {
		t.Error("RedriveExecution returned no redriveDate")
	}
	srv.Wait()
	d, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != types.ExecutionStatusSucceeded || aws.ToInt32(d.RedriveCount) != 1 || d.RedriveDate == nil ||
		aws.ToString(d.ExecutionArn) != aws.ToString(start.ExecutionArn) || d.RedriveStatus != types.ExecutionRedriveStatusNotRedrivable {
		t.Fatalf("after the redrive: status %s redriveCount %d redriveStatus %s arn %s", d.Status, aws.ToInt32(d.RedriveCount), d.RedriveStatus, aws.ToString(d.ExecutionArn))
	}
	all := work.snapshot()
	for id := 0; id < 12; id++ {
		// MaxConcurrency 1: 0 and 4 failed, 5..11 never started
		ranFirst := id <= 4
		okFirst := ranFirst && id%4 != 0
		if again := all[id] - first[id]; (okFirst && again != 0) || (!okFirst && again != 1) {
			t.Errorf("item %d: %d calls before the redrive, %d during it", id, first[id], again)
		}
	}

	runs, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn})
	if err != nil || len(runs.MapRuns) != 1 {
		t.Fatalf("ListMapRuns: %+v, %v", runs, err)
	}
	mr, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: runs.MapRuns[0].MapRunArn})
	if err != nil {
		t.Fatalf("DescribeMapRun: %v", err)
	}
	if mr.Status != types.MapRunStatusSucceeded || aws.ToInt32(mr.RedriveCount) != 1 || mr.ItemCounts == nil ||
		mr.ItemCounts.Succeeded != 12 || mr.ItemCounts.Total != 12 || mr.ExecutionCounts == nil || mr.ExecutionCounts.Failed != 0 {
		t.Errorf("DescribeMapRun: status %s redriveCount %v itemCounts %+v", mr.Status, mr.RedriveCount, mr.ItemCounts)
	}

	var notRedrivable *types.ExecutionNotRedrivable
	if _, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn}); !errors.As(err, &notRedrivable) {
		t.Errorf("redriving a succeeded execution: %v, want ExecutionNotRedrivable", err)
	}
	var missing *types.ExecutionDoesNotExist
	if _, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(strings.Replace(aws.ToString(start.ExecutionArn), "run1", "run9", 1))}); !errors.As(err, &missing) {
		t.Errorf("redriving an unknown execution: %v, want ExecutionDoesNotExist", err)
	}
	var exists *types.ExecutionAlreadyExists
	if _, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("run1")}); !errors.As(err, &exists) {
		t.Errorf("starting run1 again: %v, want ExecutionAlreadyExists", err)
	}

	ex, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("fast"), Type: types.StateMachineTypeExpress,
		Definition: aws.String(`{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom"}}}`), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	xs, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: ex.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	if _, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: xs.ExecutionArn}); !errors.As(err, &notRedrivable) || !strings.Contains(err.Error(), "Express") {
		t.Errorf("redriving an Express execution: %v, want ExecutionNotRedrivable naming Express", err)
	}

	list, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn})
	if err != nil || len(list.Executions) != 1 || aws.ToInt32(list.Executions[0].RedriveCount) != 1 {
		t.Errorf("ListExecutions: %+v, %v", list, err)
	}

	resp, err := http.Get(hs.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(string(page), "run1") || !strings.Contains(string(page), "NOT_REDRIVABLE") {
		t.Errorf("the console does not list run1 and its redrive status:\n%s", page)
	}
}
