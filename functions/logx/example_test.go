package logx_test

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/skeinhq/skein/functions/logx"
)

// Every line logged with the invocation's context carries its request id and correlation id.
// (logx.New writes the same lines with their time; this example leaves the time out so that
// its output can be checked.)
func ExampleWrap() {
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	log := slog.New(logx.Wrap(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})))

	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "8f5c-req"})
	ctx = logx.WithCorrelation(ctx, "device-g0001-d0042")
	log.InfoContext(ctx, "fetched", "points", 96)
	// Output:
	// {"level":"INFO","msg":"fetched","requestId":"8f5c-req","correlationId":"device-g0001-d0042","points":96}
}
