// Command list-devices lists one group's devices and writes the group's manifest
// (pipeline.ListDevices). Env: DATA_BUCKET, VENDOR_URL, VENDOR_TOKEN_PARAM, optional
// VENDOR_MAX_ATTEMPTS, VENDOR_PAGE_SIZE, S3_USE_PATH_STYLE, LOG_LEVEL. See functions/README.md.
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
	log := logx.New(os.Stdout, v.Level()).With("function", "list-devices")
	bucket := v.Required("DATA_BUCKET", "the data bucket's name")
	pathStyle := v.Bool("S3_USE_PATH_STYLE")
	cfg := awsenv.AWS(v)
	client, err := vendorenv.Vendor(ctx, v, cfg)
	if err != nil {
		log.Error("start-up failed", "error", err)
		os.Exit(1)
	}
	h := &pipeline.ListDevices{Vendor: client, Store: awsenv.NewS3(cfg, pathStyle), Bucket: bucket, Log: log}
	lambda.Start(h.Handle)
}
