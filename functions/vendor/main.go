// Command vendor is the vendor worker: every call to the vendor goes through it, so that its
// reserved concurrency and each invocation's share of the vendor's rate bound every caller at
// once (pipeline.Vendor). It answers the workflow's Requests ({"op","input"} with op
// list-groups, list-devices or fetch-metrics) and SQS events whose records are fetch-metrics
// Requests (partial batch responses). Env: DATA_BUCKET, VENDOR_URL, VENDOR_TOKEN_PARAM (read
// once here, never logged), optional BATCH_CONCURRENCY (1..100, default 1), FAILED_PREFIX
// (where permanent failures are captured, such as failed/), SKEIN_BUDGET, SKEIN_BUDGET_RATE,
// SKEIN_BUDGET_BURST, SKEIN_BUDGET_CALLS (the invocation's share of the vendor's budget, see
// components/budget/budgetenv; unset means not limited), SKEIN_METRICS_NAMESPACE (the namespace
// of its embedded-format metrics; unset means "skein"), VENDOR_MAX_ATTEMPTS,
// VENDOR_PAGE_SIZE, S3_USE_PATH_STYLE, LOG_LEVEL. See functions/README.md.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/skeinhq/skein/functions/internal/awsenv"
	"github.com/skeinhq/skein/functions/internal/vendorenv"
	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/pace"
	"github.com/skeinhq/skein/functions/pipeline"
)

func main() {
	ctx := context.Background()
	v := awsenv.FromOS()
	log := logx.New(os.Stdout, v.Level()).With("function", "vendor")
	bucket := v.Required("DATA_BUCKET", "the data bucket's name")
	conc := v.Int("BATCH_CONCURRENCY", 1, 1, pipeline.MaxBatchConcurrency)
	pathStyle := v.Bool("S3_USE_PATH_STYLE")
	budget, budgetErr := pace.FromEnv(os.LookupEnv)
	emf, emfErr := metrics.FromEnv(os.LookupEnv, metrics.Dim(pipeline.DimFunction, pipeline.FunctionVendor))
	cfg := awsenv.AWS(v)
	client, err := vendorenv.Vendor(ctx, v, cfg)
	if err != nil || budgetErr != nil || emfErr != nil {
		log.Error("start-up failed", "error", errors.Join(err, budgetErr, emfErr))
		os.Exit(1)
	}
	store := awsenv.NewS3(cfg, pathStyle)
	h := &pipeline.Vendor{
		ListGroups:  &pipeline.ListGroups{Vendor: client, Log: log},
		ListDevices: &pipeline.ListDevices{Vendor: client, Store: store, Bucket: bucket, Log: log},
		Fetch: &pipeline.FetchMetrics{Vendor: client, Store: store, Bucket: bucket, Concurrency: conc,
			FailedPrefix: os.Getenv("FAILED_PREFIX"), Log: log},
		Budget:  budget,
		Log:     log,
		Metrics: emf,
	}
	if err := h.Validate(); err != nil {
		log.Error("start-up failed", "error", err)
		os.Exit(1)
	}
	log.Info("budget", "budget", budget.String())
	lambda.Start(h.Handle)
}
