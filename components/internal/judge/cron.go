package judge

import (
	"path/filepath"
	"testing"
)

// CronCase is one request to the npm package aws-cron-parser: the next N fire times, in UTC,
// of a cron expression after From.
type CronCase struct {
	// Expr is the six fields, without cron( ).
	Expr string `json:"expr"`
	// From is in milliseconds since the epoch.
	From int64 `json:"from"`
	N    int   `json:"n"`
}

// CronResult is aws-cron-parser's answer to one CronCase.
type CronResult struct {
	// Times are in milliseconds since the epoch; fewer than N when the expression stops firing.
	Times []int64 `json:"times"`
	// Error is the package's error, when it could not parse or evaluate the expression.
	Error string `json:"error"`
}

// AWSCronParser asks aws-cron-parser for the fire times of each case, in one Node process, and
// returns its answers in the same order.
func AWSCronParser(t testing.TB, cases []CronCase) []CronResult {
	t.Helper()
	t.Setenv("TZ", "UTC")
	script := filepath.Join(Root(t), "components", "internal", "judge", "testdata", "awscronparser.js")
	return Batch[CronCase, CronResult](t, "aws-cron-parser", script, cases, Module(t, "aws-cron-parser"))
}
