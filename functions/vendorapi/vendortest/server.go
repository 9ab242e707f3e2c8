package vendortest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/functions/vendorapi"
)

// Limits the options are validated against.
const (
	MaxGroups          = 100000
	MaxDevicesPerGroup = 100000
	MaxLatency         = time.Minute
	MaxPageSize        = 1000
)

// Window is a period, relative to the server's start, during which every call is answered 429.
type Window struct {
	After time.Duration // start, from the server's start
	For   time.Duration // length
}

// Options configures the fake vendorapi. The zero value of each field is a default.
type Options struct {
	// Groups is the number of groups, 1..100000. Zero means 20.
	Groups int
	// DevicesPerGroup is the number of devices in each group, 1..100000. Zero means 50.
	DevicesPerGroup int
	// Latency is every accepted call's response time, 0..1m: the answer is prepared at once and
	// sent when Latency has passed since the request arrived. Zero means 20ms; a negative value
	// means none.
	Latency time.Duration
	// Jitter adds a deterministic pseudo-random 0..Jitter to each call's latency, 0..1m.
	// Zero means none.
	Jitter time.Duration
	// ConcurrencyLimit is how many calls may be in flight at once; a call arriving above it is
	// answered 429 with Retry-After at once. Zero means no limit.
	ConcurrencyLimit int
	// RateLimit is how many calls may start in any window of RateWindow (a sliding window: at
	// most RateLimit accepted calls in any (t-RateWindow, t]); a call above it is answered 429
	// with Retry-After at once. Zero means no limit.
	RateLimit int
	// RateWindow is the rate's period, 1ms..1h ("3000 per minute" is RateLimit 3000 and
	// RateWindow 1m). Zero means 1s. Stats.PeakRate is measured over it with or without a
	// RateLimit.
	RateWindow time.Duration
	// RetryAfter is the Retry-After sent with every 429, in whole seconds, 0..1h. Zero means
	// 1s; a negative value sends "Retry-After: 0".
	RetryAfter time.Duration
	// FailFraction is the fraction of devices, 0..1, whose metrics call always fails with
	// FailStatus. Which devices is deterministic (a hash of the device id and Seed); see
	// [Server.FailingDevices]. Zero means none.
	FailFraction float64
	// FailStatus is the status those devices get: 400..599 except 429. Zero means 500.
	FailStatus int
	// Storms are windows during which every call is answered 429 (a throttle storm).
	Storms []Window
	// PageSize is the largest page the server returns, 1..1000 (a smaller limit query is
	// honoured). Zero means 100.
	PageSize int
	// Token, when set, is the bearer token every call must carry (401 otherwise).
	Token string
	// Seed varies the failing devices, the jitter and the metric values. Zero is a valid seed.
	Seed uint64
	// Addr is the listen address for [Start]; it must be a loopback address. Empty means
	// "127.0.0.1:0" (a free port).
	Addr string
}

func (o Options) validate() error {
	c := check.New("vendortest", "server")
	c.Int("Groups", o.Groups, 0, MaxGroups)
	c.Int("DevicesPerGroup", o.DevicesPerGroup, 0, MaxDevicesPerGroup)
	if o.Latency > MaxLatency {
		c.Add("Latency", fmt.Sprintf("must be at most %v (negative means none)", MaxLatency), o.Latency)
	}
	c.Duration("Jitter", o.Jitter, 0, MaxLatency, 0)
	if o.ConcurrencyLimit < 0 {
		c.Add("ConcurrencyLimit", "must be >= 0 (0 means no limit)", o.ConcurrencyLimit)
	}
	if o.RateLimit < 0 {
		c.Add("RateLimit", "must be >= 0 (0 means no limit)", o.RateLimit)
	}
	if o.RateWindow != 0 && (o.RateWindow < time.Millisecond || o.RateWindow > time.Hour) {
		c.Add("RateWindow", "must be 1ms..1h (0 means 1s)", o.RateWindow)
	}
	if o.RetryAfter > time.Hour || (o.RetryAfter > 0 && o.RetryAfter%time.Second != 0) {
		c.Add("RetryAfter", "must be a whole number of seconds up to 1h (negative means 0)", o.RetryAfter)
	}
	if !(o.FailFraction >= 0 && o.FailFraction <= 1) {
		c.Add("FailFraction", "must be 0..1", o.FailFraction)
	}
	if o.FailStatus != 0 && (o.FailStatus < 400 || o.FailStatus > 599 || o.FailStatus == http.StatusTooManyRequests) {
		c.Add("FailStatus", "must be 400..599 except 429 (0 means 500)", o.FailStatus)
	}
	for i, w := range o.Storms {
		if w.After < 0 || w.For <= 0 {
			c.Add(fmt.Sprintf("Storms[%d]", i), "must have After >= 0 and For > 0", fmt.Sprintf("{After:%v For:%v}", w.After, w.For))
		}
	}
	c.Int("PageSize", o.PageSize, 0, MaxPageSize)
	if o.Addr != "" {
		host, _, err := net.SplitHostPort(o.Addr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			c.Add("Addr", "must be a loopback host:port such as 127.0.0.1:0", o.Addr)
		}
	}
	return c.Err()
}

func (o Options) withDefaults() Options {
	if o.Groups == 0 {
		o.Groups = 20
	}
	if o.DevicesPerGroup == 0 {
		o.DevicesPerGroup = 50
	}
	switch {
	case o.Latency == 0:
		o.Latency = 20 * time.Millisecond
	case o.Latency < 0:
		o.Latency = 0
	}
	switch {
	case o.RetryAfter == 0:
		o.RetryAfter = time.Second
	case o.RetryAfter < 0:
		o.RetryAfter = 0
	}
	if o.FailStatus == 0 {
		o.FailStatus = http.StatusInternalServerError
	}
	if o.RateWindow == 0 {
		o.RateWindow = time.Second
	}
	if o.PageSize == 0 {
		o.PageSize = 100
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	return o
}

// Endpoint names used in [Stats.Calls].
const (
	EndpointGroups  = "groups"
	EndpointDevices = "devices"
	EndpointMetrics = "metrics"
	EndpointOther   = "other"
)

// Stats are the server's counters. All calls count, including rejected ones.
type Stats struct {
	Total         int64            // every request received
	Calls         map[string]int64 // by endpoint (EndpointGroups, ...)
	Throttled     int64            // answered 429 (over a limit or in a storm): OverLimit + OverRate + Stormed
	OverLimit     int64            // answered 429 because the concurrency limit was exceeded
	OverRate      int64            // answered 429 because the rate limit was exceeded
	Stormed       int64            // answered 429 because a storm was on
	Failed        int64            // answered FailStatus for a failing device
	Unauthorized  int64            // answered 401
	PeakInFlight  int64            // most requests in flight at once, rejected ones included
	PeakAccepted  int64            // most accepted (not rejected) requests in flight at once
	PeakRate      int64            // most requests started in any window of RateWindow, rejected ones included
	MetricsServed int64            // metrics answers with status 200
}

// Server is a fake vendor API. Safe for concurrent use.
type Server struct {
	opts    Options
	start   time.Time
	handler http.Handler

	inFlight, accepted       atomic.Int64
	peakInFlight, peakAccept atomic.Int64
	total, throttled, over   atomic.Int64
	failed, unauth, served   atomic.Int64
	overRate, stormed        atomic.Int64
	// healed makes the failing devices answer again (Heal): the outage is over.
	healed atomic.Bool
	mu     sync.Mutex
	calls  map[string]int64

	rateMu   sync.Mutex
	arrivals window // every request's arrival, for PeakRate
	admitted window // accepted requests' arrivals, for RateLimit
	peakRate int64

	srv      *http.Server
	ln       net.Listener
	serveErr chan error
	// URL is the API base URL (with Start); empty for New.
	URL string
}

// New validates opts and returns a server to mount with [Server.Handler] (for example in
// httptest.NewServer). The storm clock starts now.
func New(opts Options) (*Server, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	s := &Server{opts: opts.withDefaults(), start: time.Now(), calls: map[string]int64{}}
	s.handler = http.HandlerFunc(s.serve)
	return s, nil
}

// Start validates opts, listens on a loopback address and serves until Close.
func Start(opts Options) (*Server, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("vendortest: listening on %s: %w", s.opts.Addr, err)
	}
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	s.serveErr = make(chan error, 1)
	go func() { s.serveErr <- s.srv.Serve(ln) }()
	return s, nil
}

// Close stops a server made by Start.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	// A connection the client opened but never used stays "new", and Shutdown waits up to
	// 5 s for it: give in-flight calls a moment, then close whatever is left.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	if serr := <-s.serveErr; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// Handler is the API as an http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Options returns the options with defaults applied.
func (s *Server) Options() Options { return s.opts }

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	calls := make(map[string]int64, len(s.calls))
	for k, v := range s.calls {
		calls[k] = v
	}
	s.mu.Unlock()
	return Stats{
		Total: s.total.Load(), Calls: calls, Throttled: s.throttled.Load(), OverLimit: s.over.Load(),
		OverRate: s.overRate.Load(), Stormed: s.stormed.Load(), PeakRate: s.peakRateNow(),
		Failed: s.failed.Load(), Unauthorized: s.unauth.Load(), PeakInFlight: s.peakInFlight.Load(),
		PeakAccepted: s.peakAccept.Load(), MetricsServed: s.served.Load(),
	}
}

// GroupID is the id of group i (0-based): "g0001".
func GroupID(i int) string { return fmt.Sprintf("g%04d", i+1) }

// DeviceID is the id of device j (0-based) of group i: "g0001-d0001".
func DeviceID(i, j int) string { return fmt.Sprintf("%s-d%04d", GroupID(i), j+1) }

// Groups lists every group the server serves, in order.
func (s *Server) Groups() []vendorapi.Group {
	out := make([]vendorapi.Group, s.opts.Groups)
	for i := range out {
		out[i] = vendorapi.Group{ID: GroupID(i), Name: fmt.Sprintf("Group %d", i+1)}
	}
	return out
}

// Devices lists every device id the server serves, group by group.
func (s *Server) Devices() []string {
	out := make([]string, 0, s.opts.Groups*s.opts.DevicesPerGroup)
	for i := range s.opts.Groups {
		for j := range s.opts.DevicesPerGroup {
			out = append(out, DeviceID(i, j))
		}
	}
	return out
}

// FailingDevices lists the devices whose metrics call always fails, sorted.
func (s *Server) FailingDevices() []string {
	var out []string
	for _, d := range s.Devices() {
		if s.fails(d) {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// IsFailing reports whether device's metrics call always fails.
func (s *Server) IsFailing(device string) bool { return s.known(device) && s.fails(device) }

// Heal ends the failing devices' failures: from now on every device answers (an outage that is
// over, before a redrive). FailingDevices still lists the devices that failed.
func (s *Server) Heal() { s.healed.Store(true) }

func (s *Server) fails(device string) bool {
	if s.opts.FailFraction <= 0 {
		return false
	}
	return unit(hash64(s.opts.Seed, "fail", device)) < s.opts.FailFraction
}

// known reports whether id names a device the server serves.
func (s *Server) known(device string) bool {
	g, d, ok := parseDevice(device)
	return ok && g < s.opts.Groups && d < s.opts.DevicesPerGroup
}

func parseDevice(id string) (g, d int, ok bool) {
	gs, ds, found := strings.Cut(id, "-d")
	if !found || len(gs) < 2 || gs[0] != 'g' {
		return 0, 0, false
	}
	gi, err1 := strconv.Atoi(gs[1:])
	di, err2 := strconv.Atoi(ds)
	if err1 != nil || err2 != nil || gi < 1 || di < 1 || GroupID(gi-1) != gs || DeviceID(gi-1, di-1) != id {
		return 0, 0, false
	}
	return gi - 1, di - 1, true
}

func parseGroup(id string) (int, bool) {
	if len(id) < 2 || id[0] != 'g' {
		return 0, false
	}
	n, err := strconv.Atoi(id[1:])
	if err != nil || n < 1 || GroupID(n-1) != id {
		return 0, false
	}
	return n - 1, true
}

func (s *Server) count(endpoint string) {
	s.mu.Lock()
	s.calls[endpoint]++
	s.mu.Unlock()
}

func storeMax(a *atomic.Int64, v int64) {
	for {
		cur := a.Load()
		if v <= cur || a.CompareAndSwap(cur, v) {
			return
		}
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	s.total.Add(1)
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	storeMax(&s.peakInFlight, n)
	s.arrive(arrived)

	endpoint, route := s.route(r)
	s.count(endpoint)

	if s.opts.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.opts.Token {
		s.unauth.Add(1)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
		return
	}
	if s.inStorm(time.Now()) {
		s.stormed.Add(1)
		s.throttle(w, "throttle storm")
		return
	}
	a := s.accepted.Add(1)
	defer s.accepted.Add(-1)
	if lim := int64(s.opts.ConcurrencyLimit); lim > 0 && a > lim {
		s.over.Add(1)
		s.throttle(w, fmt.Sprintf("more than %d concurrent calls", lim))
		return
	}
	if !s.admit(arrived) {
		s.overRate.Add(1)
		s.throttle(w, fmt.Sprintf("more than %d calls in %v", s.opts.RateLimit, s.opts.RateWindow))
		return
	}
	storeMax(&s.peakAccept, a)

	d := s.latency(r)
	if d <= 0 {
		route(w, r)
		return
	}
	// The answer is prepared first and sent when the latency has passed since the request
	// arrived, so that Latency is the vendor's whole response time, its own work included.
	var buf bufferedResponse
	route(&buf, r)
	if !waitUntil(r.Context(), arrived.Add(d)) {
		return
	}
	buf.sendTo(w)
}

// fineWait is the end of a wait that waitUntil sleeps exactly rather than on a runtime timer.
const fineWait = 2 * time.Millisecond

// waitUntil waits until due, or until ctx ends (false). The Go runtime's timers can fire up to
// a millisecond late, more under load (its poller sleeps in whole milliseconds), which would
// make every call slower than Latency: the last fineWait is slept with the OS's own sleep.
func waitUntil(ctx context.Context, due time.Time) bool {
	if d := time.Until(due) - fineWait; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
	if d := time.Until(due); d > 0 {
		sleepExactly(d)
	}
	return ctx.Err() == nil
}

// bufferedResponse holds an answer until it is due.
type bufferedResponse struct {
	header http.Header
	status int
	body   []byte
}

func (b *bufferedResponse) Header() http.Header {
	if b.header == nil {
		b.header = http.Header{}
	}
	return b.header
}

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	b.body = append(b.body, p...)
	return len(p), nil
}

func (b *bufferedResponse) sendTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body)
}

func (s *Server) throttle(w http.ResponseWriter, why string) {
	s.throttled.Add(1)
	w.Header().Set("Retry-After", strconv.Itoa(int(s.opts.RetryAfter/time.Second)))
	writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": why})
}

func (s *Server) inStorm(now time.Time) bool {
	el := now.Sub(s.start)
	for _, w := range s.opts.Storms {
		if el >= w.After && el < w.After+w.For {
			return true
		}
	}
	return false
}

func (s *Server) latency(r *http.Request) time.Duration {
	d := s.opts.Latency
	if s.opts.Jitter > 0 {
		d += time.Duration(unit(hash64(s.opts.Seed, "jitter", r.URL.String(), strconv.FormatInt(s.total.Load(), 10))) * float64(s.opts.Jitter))
	}
	return d
}

// route picks the endpoint: /groups, /groups/{id}/devices, /devices/{id}/metrics, with any
// prefix before them (so a base URL like http://host/v1 works).
func (s *Server) route(r *http.Request) (string, http.HandlerFunc) {
	if r.Method != http.MethodGet {
		return EndpointOther, func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "only GET"})
		}
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	n := len(segs)
	switch {
	case n >= 1 && segs[n-1] == "groups":
		return EndpointGroups, s.listGroups
	case n >= 3 && segs[n-3] == "groups" && segs[n-1] == "devices":
		id := segs[n-2]
		return EndpointDevices, func(w http.ResponseWriter, r *http.Request) { s.listDevices(w, r, id) }
	case n >= 3 && segs[n-3] == "devices" && segs[n-1] == "metrics":
		id := segs[n-2]
		return EndpointMetrics, func(w http.ResponseWriter, r *http.Request) { s.metrics(w, r, id) }
	}
	return EndpointOther, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such endpoint"})
	}
}

// page reads limit and page_token (the offset, as a decimal string).
func (s *Server) page(r *http.Request, total int) (lo, hi int, next string, err error) {
	limit := s.opts.PageSize
	if v := r.URL.Query().Get("limit"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 {
			return 0, 0, "", fmt.Errorf("limit must be a positive integer, got %q", v)
		}
		limit = min(n, s.opts.PageSize)
	}
	if v := r.URL.Query().Get("page_token"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 0 || n > total {
			return 0, 0, "", fmt.Errorf("invalid page_token %q", v)
		}
		lo = n
	}
	hi = min(lo+limit, total)
	if hi < total {
		next = strconv.Itoa(hi)
	}
	return lo, hi, next, nil
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	s.writePage(w, r, "groups", s.opts.Groups, func(i int) any {
		return vendorapi.Group{ID: GroupID(i), Name: fmt.Sprintf("Group %d", i+1)}
	})
}

func (s *Server) listDevices(w http.ResponseWriter, r *http.Request, group string) {
	g, ok := parseGroup(group)
	if !ok || g >= s.opts.Groups {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such group " + group})
		return
	}
	s.writePage(w, r, "devices", s.opts.DevicesPerGroup, func(j int) any {
		return vendorapi.Device{ID: DeviceID(g, j), Name: fmt.Sprintf("Device %d of group %d", j+1, g+1)}
	})
}

// writePage answers the request's page of a listing of total entries, item(i) each, as
// {"<field>": [...], "next_page_token": "..."}.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, field string, total int, item func(i int) any) {
	lo, hi, next, err := s.page(r, total)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	entries := []any{}
	for i := lo; i < hi; i++ {
		entries = append(entries, item(i))
	}
	writeJSON(w, http.StatusOK, map[string]any{field: entries, "next_page_token": next})
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request, device string) {
	if !s.known(device) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such device " + device})
		return
	}
	date := r.URL.Query().Get("date")
	day, err := time.Parse(time.DateOnly, date)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "date must be yyyy-mm-dd, got " + strconv.Quote(date)})
		return
	}
	if s.fails(device) && !s.healed.Load() {
		s.failed.Add(1)
		writeJSON(w, s.opts.FailStatus, map[string]string{"error": "injected failure for " + device})
		return
	}
	s.served.Add(1)
	writeJSON(w, http.StatusOK, MetricsFor(s.opts.Seed, device, day))
}

// MetricsFor is the deterministic answer for one device and day: three series (requests,
// duration_ms, errors) of 24 hourly points.
func MetricsFor(seed uint64, device string, day time.Time) vendorapi.Metrics {
	m := vendorapi.Metrics{Device: device, Date: day.Format(time.DateOnly)}
	for _, spec := range []struct {
		name, unit string
		scale      float64
	}{{"requests", "count", 1000}, {"duration_ms", "milliseconds", 250}, {"errors", "count", 10}} {
		sr := vendorapi.Series{Name: spec.name, Unit: spec.unit, Points: make([]vendorapi.Point, 24)}
		for h := range 24 {
			v := math.Round(unit(hash64(seed, spec.name, device, m.Date, strconv.Itoa(h)))*spec.scale*100) / 100
			sr.Points[h] = vendorapi.Point{T: day.Add(time.Duration(h) * time.Hour).UTC().Format(time.RFC3339), V: v}
		}
		m.Series = append(m.Series, sr)
	}
	return m
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func hash64(seed uint64, parts ...string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for i := range 8 {
		b[i] = byte(seed >> (8 * i))
	}
	_, _ = h.Write(b[:])
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	// FNV's high bits barely move when only the last bytes differ (device ids of one group);
	// the splitmix64 finalizer spreads every input bit over the whole word.
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / float64(1<<53) }

// window holds the arrival times of the last RateWindow, oldest first.
type window struct {
	times []time.Time
	head  int
}

// slide drops the arrivals at or before now-w and returns how many remain.
func (q *window) slide(now time.Time, w time.Duration) int {
	cut := now.Add(-w)
	for q.head < len(q.times) && !q.times[q.head].After(cut) {
		q.head++
	}
	if q.head > 1024 && q.head*2 > len(q.times) {
		q.times = append(q.times[:0], q.times[q.head:]...)
		q.head = 0
	}
	return len(q.times) - q.head
}

func (q *window) push(t time.Time) { q.times = append(q.times, t) }

// arrive counts a request's arrival in the window of every request, for PeakRate: the most
// arrivals in any (t-RateWindow, t] is reached at an arrival, so counting there finds it.
func (s *Server) arrive(t time.Time) {
	s.rateMu.Lock()
	defer s.rateMu.Unlock()
	s.arrivals.push(t)
	if n := int64(s.arrivals.slide(t, s.opts.RateWindow)); n > s.peakRate {
		s.peakRate = n
	}
}

// admit accepts a request under RateLimit: fewer than RateLimit accepted arrivals in
// (t-RateWindow, t].
func (s *Server) admit(t time.Time) bool {
	if s.opts.RateLimit <= 0 {
		return true
	}
	s.rateMu.Lock()
	defer s.rateMu.Unlock()
	if s.admitted.slide(t, s.opts.RateWindow) >= s.opts.RateLimit {
		return false
	}
	s.admitted.push(t)
	return true
}

func (s *Server) peakRateNow() int64 {
	s.rateMu.Lock()
	defer s.rateMu.Unlock()
	return s.peakRate
}
