// Command merge-manifests writes the day's single manifest from the group manifests, or a
// redrive manifest from ResultWriter failures, dropping the devices already stored ok when asked
// to skip them (pipeline.MergeManifests). Env: DATA_BUCKET, optional S3_USE_PATH_STYLE,
// LOG_LEVEL (names in functions/pipeline/layout). See functions/README.md.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/skeinhq/skein/functions/internal/awsenv"
	"github.com/skeinhq/skein/functions/pipeline"
)

func main() {
	s := awsenv.Start("merge-manifests")
	if err := s.Vars.Err(); err != nil {
		s.Exit(err)
	}
	h := &pipeline.MergeManifests{Store: s.S3, Bucket: s.Bucket, Log: s.Log}
	lambda.Start(h.Handle)
}
