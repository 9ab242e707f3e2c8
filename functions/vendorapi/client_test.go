package vendorapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/functions/internal/lambdatest"
	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

// errorsByName are returned by the helper Lambda handlers below, one per error name.
var errorsByName = map[string]error{
	vendorapi.ErrNameThrottled: &vendorapi.ThrottledError{Method: "GET", URL: "u", RetryAfter: time.Second, Attempts: 3},
	vendorapi.ErrNameServer:    &vendorapi.ServerError{Method: "GET", URL: "u", StatusCode: 503, Attempts: 3},
	vendorapi.ErrNameTransport: &vendorapi.TransportError{Method: "GET", URL: "u", Attempts: 3, Err: errors.New("refused")},
	vendorapi.ErrNameClient:    &vendorapi.ClientError{Method: "GET", URL: "u", StatusCode: 404},
	vendorapi.ErrNameAuth:      &vendorapi.AuthError{Method: "GET", URL: "u", StatusCode: 401},
	vendorapi.ErrNameDecode:    &vendorapi.DecodeError{Method: "GET", URL: "u", Err: errors.New("bad json")},
}

func TestMain(m *testing.M) {
	handlers := map[string]any{}
	for name, err := range errorsByName {
		handlers[name] = func(context.Context, map[string]any) (map[string]any, error) { return nil, err }
	}
	lambdatest.Serve(handlers)
	os.Exit(m.Run())
}

// The constants must be what the real Lambda Go runtime reports as errorType for each type:
// Step Functions matches Retry and Catch on that name.
func TestErrorNamesAsTheLambdaRuntimeReportsThem(t *testing.T) {
	if len(vendorapi.RetryableErrorNames())+len(vendorapi.PermanentErrorNames()) != len(errorsByName) {
		t.Fatalf("every error name must be either retryable or permanent")
	}
	for name, err := range errorsByName {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := lambdatest.Invoke(t, name, []byte(`{}`), 10*time.Second)
			if r.ErrorType != name {
				t.Errorf("runtime reported errorType %q, the constant says %q", r.ErrorType, name)
			}
			if vendorapi.Name(err) != name {
				t.Errorf("vendorapi.Name = %q, want %q", vendorapi.Name(err), name)
			}
			if r.ErrorMessage != err.Error() {
				t.Errorf("errorMessage %q, want %q", r.ErrorMessage, err.Error())
			}
		})
	}
	for _, n := range vendorapi.RetryableErrorNames() {
		if !vendorapi.Retryable(errorsByName[n]) {
			t.Errorf("%s listed retryable but Retryable says no", n)
		}
	}
	for _, n := range vendorapi.PermanentErrorNames() {
		if vendorapi.Retryable(errorsByName[n]) {
			t.Errorf("%s listed permanent but Retryable says yes", n)
		}
	}
}

func TestNewValidatesEverythingAtOnce(t *testing.T) {
	_, err := vendorapi.New(vendorapi.Config{BaseURL: "ftp://x", PageSize: 5000, MaxAttempts: 11, SafetyMargin: 2 * time.Minute,
		MaxRetryWait: time.Hour, BaseBackoff: -1})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"BaseURL", `"ftp://x"`, "Token is required", "PageSize must be 0..1000, got 5000",
		"MaxAttempts must be 0..10, got 11", "SafetyMargin", "2m0s", "MaxRetryWait must be 0s..5m0s, got 1h0m0s", "BaseBackoff"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	var fe *check.FieldError
	if !errors.As(err, &fe) {
		t.Errorf("want *check.FieldError in %v", err)
	}
	_, err = vendorapi.New(vendorapi.Config{BaseURL: "https://x", Token: "secret\nvalue"})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("a bad token must be rejected without echoing it: %v", err)
	}
	c := vendorapi.Config{BaseURL: "https://x", Token: "s3cr3t"}
	for _, s := range []string{c.String(), fmt.Sprintf("%#v", c), fmt.Sprintf("%v", c), c.LogValue().String()} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("token leaked: %s", s)
		}
	}
}

func newClient(t *testing.T, url string, cfg vendorapi.Config) *vendorapi.Client {
	t.Helper()
	cfg.BaseURL, cfg.Token = url, "tok"
	if cfg.BaseBackoff == 0 {
		cfg.BaseBackoff = time.Millisecond
	}
	c, err := vendorapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPagingAgainstTheFake(t *testing.T) {
	fake, err := vendortest.New(vendortest.Options{Groups: 23, DevicesPerGroup: 7, Latency: -1, PageSize: 5, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	c := newClient(t, srv.URL+"/v1", vendorapi.Config{PageSize: 4})
	groups, err := c.Groups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 23 || groups[0].ID != "g0001" || groups[22].ID != "g0023" {
		t.Fatalf("got %d groups: %v", len(groups), groups)
	}
	devs, err := c.Devices(context.Background(), "g0023")
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 7 || devs[6].ID != "g0023-d0007" {
		t.Fatalf("devices: %v", devs)
	}
	st := fake.Stats()
	if st.Calls[vendortest.EndpointGroups] != 6 || st.Calls[vendortest.EndpointDevices] != 2 { // ceil(23/4), ceil(7/4)
		t.Errorf("calls per endpoint: %v", st.Calls)
	}
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	m, err := c.Metrics(context.Background(), "g0023-d0007", "2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	want := vendortest.MetricsFor(0, "g0023-d0007", day)
	if len(m.Series) != 3 || m.Series[2].Points[23] != want.Series[2].Points[23] {
		t.Errorf("metrics differ from the fake's answer")
	}
	if _, err := c.Devices(context.Background(), "g9999"); !isType[*vendorapi.ClientError](err) {
		t.Errorf("unknown group: want ClientError, got %T %v", err, err)
	}
}

func isType[T error](err error) bool {
	var x T
	return errors.As(err, &x)
}

// script answers with the given statuses in order (the last one repeats) and counts requests.
func script(t *testing.T, statuses []int, retryAfter string, body string) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("missing bearer token: %q", r.Header.Get("Authorization"))
		}
		st := statuses[min(i, len(statuses)-1)]
		if retryAfter != "" && st != 200 {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(st)
		if st == 200 {
			_, _ = w.Write([]byte(body))
		} else {
			_, _ = w.Write([]byte(`{"error":"x"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestStatusMapping(t *testing.T) {
	ok := `{"groups":[{"id":"a","name":"A"}],"next_page_token":""}`
	for _, tc := range []struct {
		name     string
		statuses []int
		attempts int
		calls    int64
		check    func(error) bool
	}{
		{"ok", []int{200}, 3, 1, func(e error) bool { return e == nil }},
		{"429 then ok", []int{429, 429, 200}, 3, 3, func(e error) bool { return e == nil }},
		{"503 then ok", []int{503, 200}, 3, 2, func(e error) bool { return e == nil }},
		{"429 persists", []int{429}, 3, 3, isType[*vendorapi.ThrottledError]},
		{"502 persists", []int{502}, 2, 2, isType[*vendorapi.ServerError]},
		{"404 not retried", []int{404, 200}, 3, 1, isType[*vendorapi.ClientError]},
		{"401 not retried", []int{401}, 3, 1, isType[*vendorapi.AuthError]},
		{"403 not retried", []int{403, 200}, 3, 1, isType[*vendorapi.AuthError]},
		{"one attempt", []int{429, 200}, 1, 1, isType[*vendorapi.ThrottledError]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := script(t, tc.statuses, "", ok)
			c := newClient(t, srv.URL, vendorapi.Config{MaxAttempts: tc.attempts})
			_, err := c.Groups(context.Background())
			if !tc.check(err) {
				t.Errorf("unexpected error %T: %v", err, err)
			}
			if n.Load() != tc.calls {
				t.Errorf("%d requests, want %d", n.Load(), tc.calls)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, body := range []string{`not json`, `{"next_page_token":""}`, `{"groups":[],"next_page_token":"0"}`} {
		srv, _ := script(t, []int{200}, "", body)
		c := newClient(t, srv.URL, vendorapi.Config{})
		_, err := c.Groups(context.Background())
		if !isType[*vendorapi.DecodeError](err) {
			t.Errorf("body %s: want DecodeError, got %T %v", body, err, err)
		}
	}
	srv, _ := script(t, []int{200}, "", `{"device":"other","date":"2026-11-23","series":[]}`)
	c := newClient(t, srv.URL, vendorapi.Config{})
	if _, err := c.Metrics(context.Background(), "d1", "2026-11-23"); !isType[*vendorapi.DecodeError](err) {
		t.Errorf("answer for another device: want DecodeError, got %T %v", err, err)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	ok := `{"groups":[],"next_page_token":""}`
	srv, n := script(t, []int{429, 200}, "1", ok)
	c := newClient(t, srv.URL, vendorapi.Config{})
	start := time.Now()
	if _, err := c.Groups(context.Background()); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("retried after %v, before the vendor's Retry-After of 1s", el)
	}
	if n.Load() != 2 {
		t.Errorf("%d requests", n.Load())
	}

	// A Retry-After beyond the remaining deadline is not waited for: the typed error comes back
	// at once, carrying RetryAfter for the workflow.
	srv2, n2 := script(t, []int{429, 200}, "30", ok)
	c2 := newClient(t, srv2.URL, vendorapi.Config{SafetyMargin: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start = time.Now()
	_, err := c2.Groups(ctx)
	var te *vendorapi.ThrottledError
	if !errors.As(err, &te) || te.RetryAfter != 30*time.Second || te.Attempts != 1 {
		t.Fatalf("want ThrottledError with RetryAfter 30s after 1 attempt, got %#v", err)
	}
	if time.Since(start) > 2*time.Second || n2.Load() != 1 {
		t.Errorf("waited %v and made %d requests", time.Since(start), n2.Load())
	}

	// An HTTP-date Retry-After is read too.
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	srv3, _ := script(t, []int{503}, date, ok)
	c3 := newClient(t, srv3.URL, vendorapi.Config{MaxAttempts: 2})
	_, err = c3.Groups(context.Background())
	var se *vendorapi.ServerError
	if !errors.As(err, &se) || se.RetryAfter < 80*time.Second || se.RetryAfter > 91*time.Second || se.Attempts != 1 {
		t.Fatalf("want ServerError with RetryAfter ~90s, got %#v", err)
	}
}

func TestDeadlineMarginBoundsTheCall(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	c := newClient(t, slow.URL, vendorapi.Config{SafetyMargin: 700 * time.Millisecond, MaxAttempts: 1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Groups(ctx)
	el := time.Since(start)
	if !isType[*vendorapi.TransportError](err) {
		t.Fatalf("want TransportError, got %T %v", err, err)
	}
	if el > 600*time.Millisecond {
		t.Errorf("the call ran %v, into the 700ms safety margin of a 1s deadline", el)
	}
	if ctx.Err() != nil {
		t.Errorf("the caller's context expired: the margin was not kept")
	}
}

func TestIDsAreEscapedInPaths(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.URL.EscapedPath())
		w.WriteHeader(404)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL+"/api/v1/", vendorapi.Config{})
	_, _ = c.Devices(context.Background(), "../a b/c")
	if p := got.Load().(string); p != "/api/v1/groups/..%2Fa%20b%2Fc/devices" {
		t.Errorf("path %s", p)
	}
}

func TestTransportErrorIsRetriedThenTyped(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	c := newClient(t, url, vendorapi.Config{MaxAttempts: 2})
	_, err := c.Metrics(context.Background(), "d", "2026-11-23")
	var te *vendorapi.TransportError
	if !errors.As(err, &te) || te.Attempts != 2 {
		t.Fatalf("want TransportError after 2 attempts, got %#v", err)
	}
}

func BenchmarkMetrics(b *testing.B) {
	fake, err := vendortest.New(vendortest.Options{Latency: -1})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	c, err := vendorapi.New(vendorapi.Config{BaseURL: srv.URL, Token: "t"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := c.Metrics(context.Background(), vendortest.DeviceID(i%20, i%50), "2026-11-23"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestObserverSeesEveryRequest(t *testing.T) {
	srv, n := script(t, []int{429, 503, 200}, "", `{"groups":[],"next_page_token":""}`)
	c := newClient(t, srv.URL, vendorapi.Config{MaxAttempts: 3})
	var calls []vendorapi.Call
	ctx := vendorapi.WithObserver(context.Background(), func(c vendorapi.Call) { calls = append(calls, c) })
	if _, err := c.Groups(ctx); err != nil {
		t.Fatal(err)
	}
	if len(calls) != int(n.Load()) || len(calls) != 3 {
		t.Fatalf("observed %d calls, the server got %d", len(calls), n.Load())
	}
	for i, want := range []int{429, 503, 200} {
		if calls[i].Status != want || calls[i].Err != nil || calls[i].Latency <= 0 {
			t.Errorf("call %d: %+v, want status %d", i, calls[i], want)
		}
	}
}
