// Command transform consumes S3 "Object Created" events of raw parts (through EventBridge and
// SQS), writes one processed part per raw part and reports partial batch failures
// (pipeline.Transform). Env: DATA_BUCKET (only this bucket's events are accepted), optional
// TRANSFORM_CONCURRENCY (1..1000, default sqsbatch's), S3_USE_PATH_STYLE, LOG_LEVEL,
// SKEIN_METRICS_NAMESPACE (the namespace of its embedded-format metrics; unset means "skein").
// Names in functions/pipeline/layout. See functions/README.md.
package main

import (
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/skeinhq/skein/functions/internal/awsenv"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/pipeline/layout"
)

func main() {
	s := awsenv.Start(pipeline.FunctionTransform)
	conc := s.Vars.Int(layout.EnvTransformConcurrency, 0, 1, 1000)
	// Lambda sets the function's memory; it bounds the raw records each SQS record may read.
	memory := s.Vars.Int(layout.EnvMemorySize, 128, 128, 10240)
	emf, emfErr := metrics.FromEnv(os.LookupEnv, metrics.Dim(pipeline.DimFunction, pipeline.FunctionTransform))
	if err := errors.Join(s.Vars.Err(), emfErr); err != nil {
		s.Exit(err)
	}
	h := &pipeline.Transform{Store: s.S3, Bucket: s.Bucket, Concurrency: conc, MemoryMB: memory, Log: s.Log, Metrics: emf}
	lambda.Start(h.Handle)
}
