package report

import (
	"context"
	"fmt"
	"os"

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
