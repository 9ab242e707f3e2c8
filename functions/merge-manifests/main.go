// Command merge-manifests writes the day's single manifest from the group manifests, or a
// redrive manifest from ResultWriter failures (pipeline.MergeManifests). Env: DATA_BUCKET,
// optional S3_USE_PATH_STYLE, LOG_LEVEL. See functions/README.md.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/skeinhq/skein/functions/internal/awsenv"
	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/pipeline"
)

func main() {
	v := awsenv.FromOS()
	log := logx.New(os.Stdout, v.Level()).With("function", "merge-manifests")
	bucket := v.Required("DATA_BUCKET", "the data bucket's name")
	pathStyle := v.Bool("S3_USE_PATH_STYLE")
	cfg := awsenv.AWS(v)
	if err := v.Err(); err != nil {
		log.Error("start-up failed", "error", err)
		os.Exit(1)
	}
	h := &pipeline.MergeManifests{Store: awsenv.NewS3(cfg, pathStyle), Bucket: bucket, Log: log}
	lambda.Start(h.Handle)
}
