// Command vendor is the vendor worker: every call to the vendor goes through it, so that its
// reserved concurrency and each invocation's share of the vendor's rate bound every caller at
// once (pipeline.Vendor). It answers the workflow's Requests ({"op","input"} with op
// list-groups, list-devices or fetch-metrics) and SQS events whose records are fetch-metrics
// Requests (partial batch responses). Env: DATA_BUCKET, VENDOR_URL, VENDOR_TOKEN_PARAM (read
// once here, never logged), optional BATCH_CONCURRENCY (1..100, default 1), FAILED_PREFIX
// (where each part's failed records are copied, such as failed/), SKEIN_BUDGET,
// SKEIN_BUDGET_RATE, SKEIN_BUDGET_BURST, SKEIN_BUDGET_CALLS (the invocation's share of the
// vendor's budget, see components/budget/budgetenv; unset means not limited),
// SKEIN_METRICS_NAMESPACE (the namespace of its embedded-format metrics; unset means "skein"),
// VENDOR_MAX_ATTEMPTS, VENDOR_PAGE_SIZE, S3_USE_PATH_STYLE, LOG_LEVEL (the pipeline's names in
// functions/pipeline/layout). See functions/README.md.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/skeinhq/skein/functions/internal/awsenv"
	"github.com/skeinhq/skein/functions/internal/vendorenv"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/pace"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/pipeline/layout"
)

func main() {
	s := awsenv.Start(pipeline.FunctionVendor)
	conc := s.Vars.Int(layout.EnvBatchConcurrency, 1, 1, pipeline.MaxBatchConcurrency)
	budget, budgetErr := pace.FromEnv(os.LookupEnv)
	emf, emfErr := metrics.FromEnv(os.LookupEnv, metrics.Dim(pipeline.DimFunction, pipeline.FunctionVendor))
	client, err := vendorenv.Vendor(context.Background(), s.Vars, s.AWS)
	if err := errors.Join(err, budgetErr, emfErr); err != nil {
		s.Exit(err)
	}
	h := &pipeline.Vendor{
		ListGroups:  &pipeline.ListGroups{Vendor: client, Log: s.Log},
		ListDevices: &pipeline.ListDevices{Vendor: client, Store: s.S3, Bucket: s.Bucket, Log: s.Log},
		Fetch: &pipeline.FetchMetrics{Vendor: client, Store: s.S3, Bucket: s.Bucket, Concurrency: conc,
			FailedPrefix: os.Getenv(layout.EnvFailedPrefix), Log: s.Log},
		Budget:  budget,
		Log:     s.Log,
		Metrics: emf,
	}
	if err := h.Validate(); err != nil {
		s.Exit(err)
	}
	s.Log.Info("budget", "budget", budget.String())
	lambda.Start(h.Handle)
}
