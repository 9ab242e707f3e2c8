package logx

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

type correlationKey struct{}

// WithCorrelation returns a context whose log lines carry id as "correlationId".
func WithCorrelation(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// Correlation returns the correlation id set on ctx, or "".
func Correlation(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey{}).(string)
	return id
}

// New returns a JSON logger writing to w (nil: os.Stdout) at level.
func New(w io.Writer, level slog.Level) *slog.Logger {
	if w == nil {
		w = os.Stdout
	}
	return slog.New(Wrap(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}

// Wrap returns a handler that adds requestId and correlationId from the record's context, at
// the top level of the line even under WithGroup.
func Wrap(h slog.Handler) slog.Handler { return &ctxHandler{base: h, cur: h} }

// op is a WithAttrs (group == "") or WithGroup call, replayed after the ids are added.
type op struct {
	group string
	attrs []slog.Attr
}

type ctxHandler struct {
	base slog.Handler // without the ops
	cur  slog.Handler // base with the ops applied
	ops  []op
}

func (h *ctxHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.cur.Enabled(ctx, l) }

func (h *ctxHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		return h.cur.Handle(ctx, r)
	}
	var ids []slog.Attr
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		ids = append(ids, slog.String("requestId", lc.AwsRequestID))
	}
	if id := Correlation(ctx); id != "" {
		ids = append(ids, slog.String("correlationId", id))
	}
	if len(ids) == 0 {
		return h.cur.Handle(ctx, r)
	}
	next := h.base.WithAttrs(ids)
	for _, o := range h.ops {
		if o.group != "" {
			next = next.WithGroup(o.group)
		} else {
			next = next.WithAttrs(o.attrs)
		}
	}
	return next.Handle(ctx, r)
}

func (h *ctxHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	return &ctxHandler{base: h.base, cur: h.cur.WithAttrs(as), ops: append(append([]op(nil), h.ops...), op{attrs: as})}
}

func (h *ctxHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &ctxHandler{base: h.base, cur: h.cur.WithGroup(name), ops: append(append([]op(nil), h.ops...), op{group: name})}
}

// Discard is a logger that writes nothing, for callers that pass none.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
