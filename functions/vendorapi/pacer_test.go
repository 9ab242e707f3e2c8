package vendorapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

// recordingPacer counts acquisitions and releases; refuse makes it refuse every call.
type recordingPacer struct {
	mu                 sync.Mutex
	acquired, released int
	refuse             error
}

func (p *recordingPacer) Acquire(ctx context.Context) (func(), error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refuse != nil {
		return nil, p.refuse
	}
	p.acquired++
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			p.released++
			p.mu.Unlock()
		})
	}, nil
}

func (p *recordingPacer) outstanding() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.acquired - p.released
}

// Every HTTP request waits for the context's pacer: each page of a listing and each retry after
// a 429 or a 5xx, and no request reaches the vendor without one acquisition outstanding.
func TestEveryRequestWaitsForThePacer(t *testing.T) {
	fake, err := vendortest.New(vendortest.Options{Groups: 23, DevicesPerGroup: 7, Latency: -1, PageSize: 5, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingPacer{}
	var unpaced int
	var mu sync.Mutex
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	c := newClient(t, srv.URL, vendorapi.Config{PageSize: 4})
	ctx := vendorapi.WithPacer(context.Background(), p)
	if _, err := c.Groups(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Devices(ctx, "g0023"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Metrics(ctx, "g0023-d0007", "2026-11-23"); err != nil {
		t.Fatal(err)
	}
	if st := fake.Stats(); int64(p.acquired) != st.Total || p.released != p.acquired || st.Total != 6+2+1 {
		t.Errorf("%d requests, %d acquisitions, %d releases; want ceil(23/4)+ceil(7/4)+1 = 9 of each", st.Total, p.acquired, p.released)
	}

	// Retries: 429 then 503 then 200, with Retry-After 0 (the client's jittered backoff).
	ok := `{"groups":[],"next_page_token":""}`
	scripted, n := script(t, []int{429, 503, 200}, "0", ok)
	p2 := &recordingPacer{}
	checked := httptest.NewServer(wrapCheck(scripted.Config.Handler, func() {
		if p2.outstanding() != 1 {
			mu.Lock()
			unpaced++
			mu.Unlock()
		}
	}))
	defer checked.Close()
	c2 := newClient(t, checked.URL, vendorapi.Config{MaxAttempts: 3})
	if _, err := c2.Groups(vendorapi.WithPacer(context.Background(), p2)); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 3 || p2.acquired != 3 || p2.released != 3 || unpaced != 0 {
		t.Errorf("%d requests, %d acquisitions, %d releases, %d requests without one outstanding", n.Load(), p2.acquired, p2.released, unpaced)
	}

	// A pacer that refuses (no call may start before the deadline) sends nothing and returns a
	// retryable TransportError wrapping the pacer's error.
	refusal := errors.New("no call may start before the deadline")
	before := n.Load()
	_, err = c2.Groups(vendorapi.WithPacer(context.Background(), &recordingPacer{refuse: refusal}))
	var te *vendorapi.TransportError
	if !errors.As(err, &te) || !errors.Is(err, refusal) || !vendorapi.Retryable(err) || n.Load() != before {
		t.Errorf("refused: %v (%d requests sent)", err, n.Load()-before)
	}
}

func wrapCheck(h http.Handler, check func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		check()
		h.ServeHTTP(w, r)
	})
}
