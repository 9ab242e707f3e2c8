package report

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Client is the SDK's S3 client with the Lambda environment's credentials and region, and the
// report bucket's name (REPORT_BUCKET). main functions call it once, at start-up.
func Client(ctx context.Context) (*s3.Client, string, error) {
	bucket := os.Getenv("REPORT_BUCKET")
	if bucket == "" {
		return nil, "", fmt.Errorf("REPORT_BUCKET is not set")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, "", err
	}
	return s3.NewFromConfig(cfg), bucket, nil
}

// Main is the whole main function of a nightly report worker: it calls Client once, at
// start-up (a failure is logged and exits 1), and has Lambda call the handler that handler
// builds from the client and the bucket's name (a Handle method).
func Main(handler func(c *s3.Client, bucket string) any) {
	c, bucket, err := Client(context.Background())
	if err != nil {
		slog.Error("start-up failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler(c, bucket))
}
