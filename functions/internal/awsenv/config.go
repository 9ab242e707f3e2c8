package awsenv

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// AWS loads the AWS configuration with config.LoadDefaultConfig, from the process's
// environment (whatever v reads: v only collects the problems, so check [Vars.Err] before using
// the result). A configuration the SDK refuses (such as AWS_RETRY_MODE=eager) and a missing
// region are problems; missing credentials are not, since they are only looked for at the first
// call (Lambda sets AWS_ACCESS_KEY_ID and its companions, or the container credentials endpoint).
func AWS(v *Vars) aws.Config {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		v.errs = append(v.errs, fmt.Errorf("loading the AWS configuration: %w", err))
		return cfg
	}
	if cfg.Region == "" {
		v.errs = append(v.errs, fmt.Errorf("env AWS_REGION is required (the function's region; Lambda sets it)"))
	}
	return cfg
}

// NewS3 is service/s3's client from cfg, with path-style addressing (https://host/bucket/key,
// as local S3-compatible servers need) when pathStyle, else virtual-hosted (the default, as S3
// prefers). Build it once per process: its HTTP client keeps connections to S3 open between
// invocations.
func NewS3(cfg aws.Config, pathStyle bool) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle })
}
