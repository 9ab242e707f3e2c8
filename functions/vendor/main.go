// Command vendor is the one function that calls the vendor API: the export workflow's listing
// and fetching steps and the refetch queue's consumer all invoke it with a pipeline.Request, so
// that its reserved concurrency and each invocation's pace (its share of the vendor's budget)
// bound every caller at once. Env: DATA_BUCKET, VENDOR_URL, VENDOR_TOKEN_PARAM, optional
// BATCH_CONCURRENCY, FAILED_PREFIX, SKEIN_BUDGET_*, VENDOR_MAX_ATTEMPTS, VENDOR_PAGE_SIZE,
// S3_USE_PATH_STYLE, LOG_LEVEL. See functions/README.md.
//
// (A minimal router; the pacing and the queue path land with functions/pace.)
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/skeinhq/skein/functions/internal/awsenv"
	"github.com/skeinhq/skein/functions/internal/vendorenv"
	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/pipeline"
)

func main() {
	ctx := context.Background()
	v := awsenv.FromOS()
	log := logx.New(os.Stdout, v.Level()).With("function", "vendor")
	bucket := v.Required("DATA_BUCKET", "the data bucket's name")
	conc := v.Int("BATCH_CONCURRENCY", 1, 1, pipeline.MaxBatchConcurrency)
	pathStyle := v.Bool("S3_USE_PATH_STYLE")
	cfg := awsenv.AWS(v)
	client, err := vendorenv.Vendor(ctx, v, cfg)
	if err != nil {
		log.Error("start-up failed", "error", err)
		os.Exit(1)
	}
	store := awsenv.NewS3(cfg, pathStyle)
	h := &pipeline.Vendor{
		ListGroups:   &pipeline.ListGroups{Vendor: client, Log: log},
		ListDevices:  &pipeline.ListDevices{Vendor: client, Store: store, Bucket: bucket, Log: log},
		FetchMetrics: &pipeline.FetchMetrics{Vendor: client, Store: store, Bucket: bucket, Concurrency: conc, FailedPrefix: os.Getenv("FAILED_PREFIX"), Log: log},
	}
	if err := h.FetchMetrics.Validate(); err != nil {
		log.Error("start-up failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
