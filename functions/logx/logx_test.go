package logx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/skeinhq/skein/functions/logx"
)

func TestEveryLineCarriesTheIDs(t *testing.T) {
	var buf bytes.Buffer
	log := logx.New(&buf, slog.LevelInfo).With("handler", "fetch")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-42"})
	ctx = logx.WithCorrelation(ctx, "exec-7")
	log.InfoContext(ctx, "one", "n", 1)
	log.WithGroup("g").WarnContext(ctx, "two", "k", "v")
	log.DebugContext(ctx, "hidden")
	log.Info("no context ids")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines, got %d:\n%s", len(lines), buf.String())
	}
	for i, l := range lines[:2] {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d is not JSON: %s", i, l)
		}
		if m["requestId"] != "req-42" || m["correlationId"] != "exec-7" || m["handler"] != "fetch" {
			t.Errorf("line %d lacks the ids: %s", i, l)
		}
	}
	if !strings.Contains(lines[1], `"g":{"k":"v"}`) {
		t.Errorf("group lost: %s", lines[1])
	}
	if strings.Contains(lines[2], "requestId") {
		t.Errorf("a line without context got ids: %s", lines[2])
	}
	if logx.Correlation(ctx) != "exec-7" || logx.Correlation(context.Background()) != "" {
		t.Error("Correlation")
	}
}
