// Package vendortest is a fake of the monitoring vendor's API (see package vendorapi for the
// endpoints) for tests and for `make local`: deterministic groups, devices and metrics, fixed
// latency with optional jitter, a concurrency limit and a rate limit (a sliding window: at most
// RateLimit calls started in any RateWindow) above which it answers 429 with Retry-After,
// throttle storms, and a deterministic set of devices whose metrics call always fails.
//
// It counts everything it sees ([Server.Stats]): total calls, calls per endpoint, 429s by cause
// (concurrency, rate, storm), injected failures, the peak number of calls in flight at once and
// the peak number started in any window of RateWindow, rejected ones included (what "the vendor
// never sees more calls than its budget" is measured against). Counters are safe to read while
// calls are running.
//
//	s, err := vendortest.Start(vendortest.Options{ConcurrencyLimit: 10, FailFraction: 0.01})
//	defer s.Close()
//	client, _ := vendorapi.New(vendorapi.Config{BaseURL: s.URL, Token: "t"})
//
// # Defaults
//
// 20 groups x 50 devices, 20 ms latency, no jitter, no concurrency or rate limit (the rate's
// window 1 s), Retry-After 1 s,
// no failing devices (FailStatus 500 when FailFraction is set), pages of at most 100, no token
// check, seed 0, listening on 127.0.0.1 on a free port. [Start] refuses non-loopback addresses.
//
// Ids: group i (0-based) is [GroupID](i) = "g0001"; its device j is [DeviceID](i, j) =
// "g0001-d0001". Page tokens are decimal offsets.
//
// # Escape hatches
//
// [New] returns the server without listening; mount [Server.Handler] anywhere (httptest, a
// custom listener). [MetricsFor] computes the exact answer for a device and day, so tests can
// compare what the pipeline stored with what the vendor sent.
package vendortest
