package vendortest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

func start(t *testing.T, o vendortest.Options) *vendortest.Server {
	t.Helper()
	s, err := vendortest.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func get(t *testing.T, url, token string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func TestOptionsValidatedAtOnce(t *testing.T) {
	_, err := vendortest.New(vendortest.Options{Groups: -1, DevicesPerGroup: 200000, Jitter: -time.Second,
		ConcurrencyLimit: -2, RateLimit: -1, RateWindow: time.Microsecond, RetryAfter: 1500 * time.Millisecond, FailFraction: 1.5, FailStatus: 429,
		Storms: []vendortest.Window{{After: 0, For: 0}}, PageSize: 1001, Addr: "0.0.0.0:80"})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"Groups must be 0..100000, got -1", "DevicesPerGroup must be 0..100000, got 200000", "Jitter",
		"ConcurrencyLimit", "RateLimit must be >= 0 (0 means no limit), got -1", "RateWindow must be 1ms..1h (0 means 1s), got 1µs", "RetryAfter", "FailFraction must be 0..1, got 1.5", "FailStatus", "Storms[0]", "PageSize must be 0..1000, got 1001",
		`Addr must be a loopback host:port such as 127.0.0.1:0, got "0.0.0.0:80"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	var fe *check.FieldError
	if !errors.As(err, &fe) {
		t.Error("want *check.FieldError")
	}
}

func TestServesLoopbackOnlyAndChecksToken(t *testing.T) {
	s := start(t, vendortest.Options{Token: "tok", Latency: -1})
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("URL %s", s.URL)
	}
	if code, _, _ := get(t, s.URL+"/groups", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", code)
	}
	code, _, body := get(t, s.URL+"/groups", "tok")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var p struct {
		Groups []vendorapi.Group `json:"groups"`
		Next   string            `json:"next_page_token"`
	}
	if err := json.Unmarshal(body, &p); err != nil || len(p.Groups) != 20 || p.Next != "" {
		t.Errorf("default 20 groups in one page: %s", body)
	}
	if st := s.Stats(); st.Unauthorized != 1 || st.Total != 2 {
		t.Errorf("stats %+v", st)
	}
}

// Above the concurrency limit the fake answers 429 with Retry-After, and the peak it records is
// exactly what the clients did.
func TestConcurrencyLimit(t *testing.T) {
	s := start(t, vendortest.Options{ConcurrencyLimit: 4, Latency: 300 * time.Millisecond, RetryAfter: 2 * time.Second})
	var wg sync.WaitGroup
	codes := make(chan int, 10)
	retry := make(chan string, 10)
	release := make(chan struct{})
	for range 10 {
		wg.Go(func() {
			<-release
			code, h, _ := get(t, s.URL+"/devices/g0001-d0001/metrics?date=2026-11-23", "")
			codes <- code
			retry <- h.Get("Retry-After")
		})
	}
	close(release)
	wg.Wait()
	close(codes)
	close(retry)
	n := map[int]int{}
	for c := range codes {
		n[c]++
	}
	if n[200] < 1 || n[200] > 4 || n[200]+n[429] != 10 {
		t.Errorf("statuses %v: at most 4 of 10 simultaneous calls may succeed", n)
	}
	tooMany := 0
	for r := range retry {
		if r == "2" {
			tooMany++
		}
	}
	if tooMany != n[429] {
		t.Errorf("%d 429s but %d carried Retry-After: 2", n[429], tooMany)
	}
	st := s.Stats()
	if st.PeakAccepted > 4 || st.OverLimit != int64(n[429]) || st.Throttled != int64(n[429]) || st.PeakInFlight < st.PeakAccepted {
		t.Errorf("stats %+v", st)
	}
	if st.PeakInFlight < 5 {
		t.Errorf("10 simultaneous calls, yet peak in flight %d", st.PeakInFlight)
	}

	// Sequential calls never throttle and the peak stays 1.
	s2 := start(t, vendortest.Options{ConcurrencyLimit: 1, Latency: time.Millisecond})
	for range 5 {
		if code, _, _ := get(t, s2.URL+"/groups", ""); code != 200 {
			t.Fatalf("sequential call got %d", code)
		}
	}
	if st := s2.Stats(); st.PeakInFlight != 1 || st.Throttled != 0 || st.Calls[vendortest.EndpointGroups] != 5 {
		t.Errorf("stats %+v", st)
	}
}

func TestFailingDevicesAreDeterministic(t *testing.T) {
	o := vendortest.Options{Groups: 10, DevicesPerGroup: 100, FailFraction: 0.05, FailStatus: 404, Latency: -1, Seed: 7}
	a := start(t, o)
	b := start(t, o)
	fa, fb := a.FailingDevices(), b.FailingDevices()
	if strings.Join(fa, ",") != strings.Join(fb, ",") {
		t.Fatal("same options, different failing devices")
	}
	if len(fa) < 25 || len(fa) > 80 { // 5% of 1000, with room for the hash's spread
		t.Errorf("%d failing devices of 1000 at 5%%", len(fa))
	}
	failing := map[string]bool{}
	for _, d := range fa {
		failing[d] = true
	}
	ctx := context.Background()
	c, err := vendorapi.New(vendorapi.Config{BaseURL: a.URL, Token: "x", MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range a.Devices()[:200] {
		_, err := c.Metrics(ctx, d, "2026-11-23")
		var ce *vendorapi.ClientError
		switch {
		case failing[d] && (!errors.As(err, &ce) || ce.StatusCode != 404):
			t.Errorf("%s should fail with 404, got %v", d, err)
		case !failing[d] && err != nil:
			t.Errorf("%s should succeed, got %v", d, err)
		}
		if a.IsFailing(d) != failing[d] {
			t.Errorf("IsFailing(%s) disagrees with FailingDevices", d)
		}
	}
	st := a.Stats()
	if st.Failed+st.MetricsServed != 200 {
		t.Errorf("stats %+v", st)
	}
	o.Seed = 8
	if c := start(t, o).FailingDevices(); strings.Join(c, ",") == strings.Join(fa, ",") {
		t.Error("another seed should pick other devices")
	}
	if code, _, _ := get(t, a.URL+"/devices/g0011-d0001/metrics?date=2026-11-23", ""); code != 404 {
		t.Errorf("unknown device: %d", code)
	}
	if code, _, _ := get(t, a.URL+"/devices/g0001-d0001/metrics?date=23-11-2026", ""); code != 400 {
		t.Errorf("bad date: %d", code)
	}
}

func TestStormAnswers429ThenRecovers(t *testing.T) {
	s := start(t, vendortest.Options{Latency: -1, Storms: []vendortest.Window{{After: 0, For: 300 * time.Millisecond}}, RetryAfter: -1})
	code, h, _ := get(t, s.URL+"/groups", "")
	if code != 429 || h.Get("Retry-After") != "0" {
		t.Errorf("in the storm: %d Retry-After %q", code, h.Get("Retry-After"))
	}
	time.Sleep(350 * time.Millisecond)
	if code, _, _ := get(t, s.URL+"/groups", ""); code != 200 {
		t.Errorf("after the storm: %d", code)
	}
	if st := s.Stats(); st.Throttled != 1 || st.Stormed != 1 || st.OverLimit != 0 || st.OverRate != 0 {
		t.Errorf("stats %+v", st)
	}
}

// At most RateLimit calls are accepted in any window of RateWindow; the others get 429 with
// Retry-After, counted as OverRate, and PeakRate counts every call started in a window.
func TestRateLimitSlidingWindow(t *testing.T) {
	s := start(t, vendortest.Options{RateLimit: 5, RateWindow: time.Hour, Latency: -1, RetryAfter: 3 * time.Second})
	n := map[int]int{}
	for range 12 {
		code, h, _ := get(t, s.URL+"/groups", "")
		n[code]++
		if code == 429 && h.Get("Retry-After") != "3" {
			t.Errorf("429 with Retry-After %q", h.Get("Retry-After"))
		}
	}
	st := s.Stats()
	if n[200] != 5 || n[429] != 7 || st.OverRate != 7 || st.Throttled != 7 || st.OverLimit != 0 || st.PeakRate != 12 {
		t.Errorf("statuses %v, stats %+v: want 5 accepted in the window, 7 over the rate, peak rate 12", n, st)
	}

	// The window slides: once the first calls are older than RateWindow, calls are accepted again.
	s2 := start(t, vendortest.Options{RateLimit: 3, RateWindow: 500 * time.Millisecond, Latency: -1})
	var codes []int
	for range 4 {
		code, _, _ := get(t, s2.URL+"/groups", "")
		codes = append(codes, code)
	}
	time.Sleep(550 * time.Millisecond)
	code, _, _ := get(t, s2.URL+"/groups", "")
	codes = append(codes, code)
	if want := []int{200, 200, 200, 429, 200}; fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("statuses %v, want %v", codes, want)
	}
	if st := s2.Stats(); st.PeakRate < 4 || st.OverRate != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestLatencyAndJitter(t *testing.T) {
	s := start(t, vendortest.Options{Latency: 50 * time.Millisecond, Jitter: 50 * time.Millisecond})
	for range 3 {
		t0 := time.Now()
		get(t, s.URL+"/groups", "")
		if el := time.Since(t0); el < 50*time.Millisecond || el > 2*time.Second {
			t.Errorf("call took %v, want 50..100ms plus overhead", el)
		}
	}
}

func TestPagingTokens(t *testing.T) {
	s := start(t, vendortest.Options{Groups: 1, DevicesPerGroup: 250, Latency: -1})
	code, _, body := get(t, s.URL+"/groups/g0001/devices?limit=1000", "")
	var p struct {
		Devices []vendorapi.Device `json:"devices"`
		Next    string             `json:"next_page_token"`
	}
	if err := json.Unmarshal(body, &p); err != nil || code != 200 || len(p.Devices) != 100 || p.Next != "100" {
		t.Fatalf("a limit above the page size is capped at 100: %d %d %q", code, len(p.Devices), p.Next)
	}
	for _, q := range []string{"limit=0", "limit=x", "page_token=-1", "page_token=999"} {
		if code, _, _ := get(t, s.URL+"/groups/g0001/devices?"+q, ""); code != 400 {
			t.Errorf("%s: %d", q, code)
		}
	}
	if code, _, _ := get(t, s.URL+"/groups/g0002/devices", ""); code != 404 {
		t.Errorf("unknown group: %d", code)
	}
}

func BenchmarkServerMetrics(b *testing.B) {
	s, err := vendortest.Start(vendortest.Options{Latency: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	c, _ := vendorapi.New(vendorapi.Config{BaseURL: s.URL, Token: "x"})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.Metrics(context.Background(), vendortest.DeviceID(i%20, i%50), "2026-11-23"); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// Failing devices spread over groups: about FailFraction of every group's devices, not whole
// groups failing or none.
func TestFailingDevicesSpreadEvenly(t *testing.T) {
	for seed := range uint64(5) {
		s, err := vendortest.New(vendortest.Options{FailFraction: 0.25, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		for g := range 20 {
			n := 0
			for d := range 50 {
				if s.IsFailing(vendortest.DeviceID(g, d)) {
					n++
				}
			}
			if n < 3 || n > 25 { // 12.5 expected; the binomial tail beyond these bounds is < 1e-4
				t.Errorf("seed %d group %d: %d of 50 devices failing at 25%%", seed, g, n)
			}
		}
	}
}
