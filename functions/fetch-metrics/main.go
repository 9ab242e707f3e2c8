// Command fetch-metrics is the Distributed Map's worker: it fetches each device's metrics of a
// batch and writes them under raw/ (pipeline.FetchMetrics). Env: DATA_BUCKET, VENDOR_URL,
// VENDOR_TOKEN_PARAM (read once here, never logged), optional BATCH_CONCURRENCY (1..100, default
// 1), FAILED_PREFIX (where permanent failures are captured, such as failed/),
// VENDOR_MAX_ATTEMPTS, S3_USE_PATH_STYLE, LOG_LEVEL. See functions/README.md.
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
	log := logx.New(os.Stdout, v.Level()).With("function", "fetch-metrics")
	bucket := v.Required("DATA_BUCKET", "the data bucket's name")
	conc := v.Int("BATCH_CONCURRENCY", 1, 1, pipeline.MaxBatchConcurrency)
	pathStyle := v.Bool("S3_USE_PATH_STYLE")
	cfg := awsenv.AWS(v)
	client, err := vendorenv.Vendor(ctx, v, cfg)
	if err != nil {
		log.Error("start-up failed", "error", err)
		os.Exit(1)
	}
	h := &pipeline.FetchMetrics{Vendor: client, Store: awsenv.NewS3(cfg, pathStyle), Bucket: bucket, Concurrency: conc,
		FailedPrefix: os.Getenv("FAILED_PREFIX"), Log: log}
	if err := h.Validate(); err != nil {
		log.Error("start-up failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
