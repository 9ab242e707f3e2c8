package awsenv

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/pipeline/layout"
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

// Handler is what every handler's main reads first, with every problem collected in Vars.
type Handler struct {
	Vars *Vars
	// Log writes JSON lines to standard output at LOG_LEVEL, with "function" on every line.
	Log *slog.Logger
	// Bucket is DATA_BUCKET, the data bucket's name (required).
	Bucket string
	// AWS is the SDK's configuration (AWS) and S3 its S3 client (NewS3, path-style with
	// S3_USE_PATH_STYLE=true).
	AWS aws.Config
	S3  *s3.Client
}

// Start reads the settings every handler shares from the process environment (the Lambda
// functions' mains): check Vars.Err once the handler's own variables are read too.
func Start(function string) *Handler {
	v := FromOS()
	h := &Handler{Vars: v, Log: logx.New(os.Stdout, v.Level()).With("function", function)}
	h.Bucket = v.Required(layout.EnvDataBucket, "the data bucket's name")
	pathStyle := v.Bool(layout.EnvS3UsePathStyle)
	h.AWS = AWS(v)
	h.S3 = NewS3(h.AWS, pathStyle)
	return h
}

// Exit logs a start-up failure and exits with status 1.
func (h *Handler) Exit(err error) {
	h.Log.Error("start-up failed", "error", err)
	os.Exit(1)
}
