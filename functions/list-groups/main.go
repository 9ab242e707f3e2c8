// Command list-groups is the export workflow's first step: it resolves the run date and lists the
// vendor's groups (pipeline.ListGroups). Env: VENDOR_URL, VENDOR_TOKEN_PARAM, optional
// VENDOR_MAX_ATTEMPTS, VENDOR_PAGE_SIZE, LOG_LEVEL. See functions/README.md.
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
	log := logx.New(os.Stdout, v.Level()).With("function", "list-groups")
	cfg := awsenv.AWS(v)
	client, err := vendorenv.Vendor(ctx, v, cfg)
	if err != nil {
		log.Error("start-up failed", "error", err)
		os.Exit(1)
	}
	h := &pipeline.ListGroups{Vendor: client, Log: log}
	lambda.Start(h.Handle)
}
