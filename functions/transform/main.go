// Command transform consumes S3 "Object Created" events (through EventBridge and SQS), writes
// processed/ summaries and reports partial batch failures (pipeline.Transform). Env:
// DATA_BUCKET (only this bucket's events are accepted), optional TRANSFORM_CONCURRENCY
// (1..1000, default sqsbatch's), S3_USE_PATH_STYLE, LOG_LEVEL, SKEIN_METRICS_NAMESPACE (the namespace of its
// embedded-format metrics; unset means "skein"). See functions/README.md.
package main

import (
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/skeinhq/skein/functions/internal/awsenv"
	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/pipeline"
)

func main() {
	v := awsenv.FromOS()
	log := logx.New(os.Stdout, v.Level()).With("function", "transform")
	bucket := v.Required("DATA_BUCKET", "the data bucket's name")
	conc := v.Int("TRANSFORM_CONCURRENCY", 0, 1, 1000)
	// Lambda sets the function's memory; it bounds the raw objects each record may read.
	memory := v.Int("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 128, 128, 10240)
	pathStyle := v.Bool("S3_USE_PATH_STYLE")
	cfg := awsenv.AWS(v)
	emf, emfErr := metrics.FromEnv(os.LookupEnv, metrics.Dim(pipeline.DimFunction, pipeline.FunctionTransform))
	if err := errors.Join(v.Err(), emfErr); err != nil {
		log.Error("start-up failed", "error", err)
		os.Exit(1)
	}
	h := &pipeline.Transform{Store: awsenv.NewS3(cfg, pathStyle), Bucket: bucket, Concurrency: conc, MemoryMB: memory, Log: log, Metrics: emf}
	lambda.Start(h.Handle)
}
