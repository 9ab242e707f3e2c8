// Command example is a minimal SQS consumer built on sqsbatch. It shows the intended shape of a
// queue handler, and the queue component's tests deploy it as a real worker.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/skeinhq/skein/functions/sqsbatch"
)

type job struct {
	ID string `json:"id"`
}

type handler struct {
	log *slog.Logger
}

// Handle processes one batch and reports only the failed records.
func (h *handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	return sqsbatch.Process(ctx, ev, h.process, &sqsbatch.Options{Logger: h.log})
}

func (h *handler) process(ctx context.Context, m *events.SQSMessage, j job) error {
	if j.ID == "" {
		return errors.New("job has no id")
	}
	h.log.InfoContext(ctx, "job done", "messageId", m.MessageId, "jobId", j.ID)
	return nil
}

func main() {
	h := &handler{log: slog.New(slog.NewJSONHandler(os.Stdout, nil))}
	lambda.Start(h.Handle)
}
