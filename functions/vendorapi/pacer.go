package vendorapi

import "context"

// Pacer paces the client's requests to the vendor: Acquire returns when a request may start
// (or an error when none may before the context ends), and release frees the request's place
// when its answer is in. functions/pace's *Pacer is one: a share of the vendor's budget.
type Pacer interface {
	Acquire(ctx context.Context) (release func(), err error)
}

type pacerKey struct{}

// WithPacer returns a context whose vendor calls wait for p: every HTTP request the client
// sends with it (each page of a listing, each retry after a 429's Retry-After or a backoff)
// first calls p.Acquire, and releases when the answer is in. A handler makes one pacer per
// invocation (a fresh bucket, see package pace) and puts it on the invocation's context, so
// that every call of the invocation, through whatever wrappers of the client, draws on the
// invocation's share. A nil p, or a context without a pacer, means unpaced.
//
// A request the pacer refuses (no call may start before the deadline, or the context ended)
// is a *TransportError wrapping the pacer's error: retryable, like a call that got no answer.
func WithPacer(ctx context.Context, p Pacer) context.Context {
	return context.WithValue(ctx, pacerKey{}, p)
}

type noPacer struct{}

func (noPacer) Acquire(ctx context.Context) (func(), error) { return func() {}, nil }

func pacerFrom(ctx context.Context) Pacer {
	if p, ok := ctx.Value(pacerKey{}).(Pacer); ok && p != nil {
		return p
	}
	return noPacer{}
}
