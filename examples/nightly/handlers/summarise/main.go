// Command summarise is the nightly report's summarise worker (internal/report.Summarise).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"example.com/nightly/handlers/internal/report"
)

func main() {
	s3c, bucket, err := report.Client(context.Background())
	if err != nil {
		slog.Error("start-up failed", "error", err)
		os.Exit(1)
	}
	h := &report.Summarise{S3: s3c, Bucket: bucket}
	lambda.Start(h.Handle)
}
