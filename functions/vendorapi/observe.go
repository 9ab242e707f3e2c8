package vendorapi

import (
	"context"
	"time"
)

// Call is one HTTP request the client sent to the vendor: what an Observer sees.
type Call struct {
	// Status is the answer's HTTP status; zero when no answer came (Err says why).
	Status int
	// Latency is from sending the request to reading the whole answer (or failing).
	Latency time.Duration
	Err     error
}

// Observer sees every HTTP request the client sends (each page, each retry), such as a
// handler's metrics: calls, 429s and latency.
type Observer func(Call)

type observerKey struct{}

// WithObserver returns a context whose vendor requests are reported to o after each answer.
// A nil o, or a context without one, reports nothing.
func WithObserver(ctx context.Context, o Observer) context.Context {
	return context.WithValue(ctx, observerKey{}, o)
}

func observe(ctx context.Context, c Call) {
	if o, ok := ctx.Value(observerKey{}).(Observer); ok && o != nil {
		o(c)
	}
}
