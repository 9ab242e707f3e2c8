package vendorapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/skeinhq/skein/components/check"
)

// Limits the configuration is validated against.
const (
	MaxPageSize     = 1000
	MaxAttemptsMax  = 10
	MaxSafetyMargin = 60 * time.Second
	MaxRetryWaitMax = 5 * time.Minute
	bodySnippet     = 512     // bytes of an error body kept in errors
	maxBodyBytes    = 8 << 20 // an answer larger than this is a DecodeError
)

// IdleConnections is how many idle connections to the vendor the default client keeps: as many
// as a batch can have calls in flight (pipeline.MaxBatchConcurrency), or a whole local run.
const IdleConnections = 100

// Config configures a Client. The zero value of every field but BaseURL and Token is a default.
type Config struct {
	// BaseURL is the vendor API root: absolute https, http only for a loopback host, without user
	// info, query or fragment (e.g. "https://api.example.com/v1"; see CheckBaseURL).
	BaseURL string
	// Token is the bearer token sent in the Authorization header. Required. It is never
	// formatted by Config's String, GoString or LogValue.
	Token string
	// HTTPClient sends the requests. Nil means a client with no overall timeout (each call is
	// bounded by its context instead) on a transport of its own that keeps up to
	// IdleConnections connections to the vendor open: the default transport keeps two, so a
	// batch fetching ten devices at once would open (and close) eight connections per round.
	HTTPClient *http.Client
	// PageSize is the page size asked for on list calls, 1..1000. Zero means 100.
	PageSize int
	// MaxAttempts bounds the HTTP requests per call when answers are 429, 5xx or no answer,
	// 1..10. Zero means 3. After the last one the typed error is returned for the workflow to
	// retry with its own backoff.
	MaxAttempts int
	// SafetyMargin is kept free before the context deadline (the Lambda deadline): a call
	// never waits or runs into it, so the handler can still report. 0..60s. Zero means 1s; to
	// ask for no margin, set a negative value.
	SafetyMargin time.Duration
	// MaxRetryWait caps one wait between attempts (a Retry-After larger than this is not
	// honoured inside the invocation: the error is returned at once). 0..5m. Zero means 10s.
	MaxRetryWait time.Duration
	// BaseBackoff is the first wait when the vendor sends no Retry-After; it doubles per attempt
	// with full jitter. 0..MaxRetryWait. Zero means 100ms.
	BaseBackoff time.Duration
	// UserAgent is sent as User-Agent. Empty means "skein-vendor-client".
	UserAgent string
}

// String redacts the token.
func (c Config) String() string {
	return fmt.Sprintf("vendorapi.Config{BaseURL:%q Token:[redacted] PageSize:%d MaxAttempts:%d}", c.BaseURL, c.PageSize, c.MaxAttempts)
}

// GoString redacts the token.
func (c Config) GoString() string { return c.String() }

// LogValue redacts the token in slog output.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("baseURL", c.BaseURL), slog.String("token", "[redacted]"),
		slog.Int("pageSize", c.PageSize), slog.Int("maxAttempts", c.MaxAttempts))
}

// Client calls the vendor API. Safe for concurrent use.
type Client struct {
	base        *url.URL
	token       string
	http        *http.Client
	pageSize    int
	maxAttempts int
	margin      time.Duration
	maxWait     time.Duration
	backoff     time.Duration
	userAgent   string
	sleep       func(ctx context.Context, d time.Duration) error
}

// New validates cfg (every problem at once) and returns a client.
func New(cfg Config) (*Client, error) {
	c := check.New("vendor", "client")
	u, _ := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if cfg.BaseURL == "" {
		c.Add("BaseURL", "is required (absolute https URL)", nil)
	} else if problem, shown := CheckBaseURL(cfg.BaseURL); problem != "" {
		c.Add("BaseURL", problem, shown)
	}
	if cfg.Token == "" {
		c.Add("Token", "is required (bearer token)", nil)
	} else if strings.ContainsAny(cfg.Token, "\r\n") {
		c.Add("Token", "must not contain line breaks", nil) // the value is a secret: not echoed
	}
	c.Int("PageSize", cfg.PageSize, 0, MaxPageSize)
	c.Int("MaxAttempts", cfg.MaxAttempts, 0, MaxAttemptsMax)
	if cfg.SafetyMargin > MaxSafetyMargin {
		c.Add("SafetyMargin", fmt.Sprintf("must be at most %v (negative means none)", MaxSafetyMargin), cfg.SafetyMargin)
	}
	c.Duration("MaxRetryWait", cfg.MaxRetryWait, 0, MaxRetryWaitMax, 0)
	maxWait := cfg.MaxRetryWait
	if maxWait == 0 {
		maxWait = 10 * time.Second
	}
	c.Duration("BaseBackoff", cfg.BaseBackoff, 0, maxWait, 0)
	if err := c.Err(); err != nil {
		return nil, err
	}
	cl := &Client{
		base: u, token: cfg.Token, http: cfg.HTTPClient, pageSize: cfg.PageSize, maxAttempts: cfg.MaxAttempts,
		margin: cfg.SafetyMargin, maxWait: maxWait, backoff: cfg.BaseBackoff, userAgent: cfg.UserAgent, sleep: sleepCtx,
	}
	if cl.http == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = IdleConnections
		t.MaxIdleConnsPerHost = IdleConnections
		cl.http = &http.Client{Transport: t}
	}
	if cl.pageSize == 0 {
		cl.pageSize = 100
	}
	if cl.maxAttempts == 0 {
		cl.maxAttempts = 3
	}
	switch {
	case cl.margin == 0:
		cl.margin = time.Second
	case cl.margin < 0:
		cl.margin = 0
	}
	if cl.backoff == 0 {
		cl.backoff = 100 * time.Millisecond
	}
	if cl.userAgent == "" {
		cl.userAgent = "skein-vendor-client"
	}
	cl.base.Path = strings.TrimSuffix(cl.base.Path, "/")
	return cl, nil
}

// Group is one device group.
type Group struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Device is one monitored device.
type Device struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Metrics is one device's metrics for one day, as the vendor returns them.
type Metrics struct {
	Device string   `json:"device"`
	Date   string   `json:"date"`
	Series []Series `json:"series"`
}

// Series is one metric's data points.
type Series struct {
	Name   string  `json:"name"`
	Unit   string  `json:"unit"`
	Points []Point `json:"points"`
}

// Point is one sample.
type Point struct {
	T string  `json:"t"` // RFC 3339
	V float64 `json:"v"`
}

type groupsPage struct {
	Groups    []Group `json:"groups"`
	NextToken string  `json:"next_page_token"`
}

type devicesPage struct {
	Devices   []Device `json:"devices"`
	NextToken string   `json:"next_page_token"`
}

// maxPages stops a vendor that keeps sending page tokens (a loop) from holding the call forever.
const maxPages = 100000

// Groups lists every group, following next_page_token until it is empty.
// GET {base}/groups?limit=N&page_token=T
func (c *Client) Groups(ctx context.Context) ([]Group, error) {
	var all []Group
	token := ""
	for range maxPages {
		var p groupsPage
		if err := c.get(ctx, c.endpoint(pageQuery(c.pageSize, token), "groups"), &p); err != nil {
			return nil, err
		}
		if p.Groups == nil {
			return nil, &DecodeError{Method: http.MethodGet, URL: c.endpoint(nil, "groups"), Err: errors.New(`the answer has no "groups" array`)}
		}
		all = append(all, p.Groups...)
		if p.NextToken == "" {
			return all, nil
		}
		if p.NextToken == token {
			return nil, &DecodeError{Method: http.MethodGet, URL: c.endpoint(nil, "groups"), Err: fmt.Errorf("next_page_token %q repeats the token asked for", token)}
		}
		token = p.NextToken
	}
	return nil, &DecodeError{Method: http.MethodGet, URL: c.endpoint(nil, "groups"), Err: fmt.Errorf("more than %d pages", maxPages)}
}

// Devices lists every device of a group, following next_page_token.
// GET {base}/groups/{id}/devices?limit=N&page_token=T
func (c *Client) Devices(ctx context.Context, groupID string) ([]Device, error) {
	var all []Device
	token := ""
	for range maxPages {
		var p devicesPage
		u := c.endpoint(pageQuery(c.pageSize, token), "groups", groupID, "devices")
		if err := c.get(ctx, u, &p); err != nil {
			return nil, err
		}
		if p.Devices == nil {
			return nil, &DecodeError{Method: http.MethodGet, URL: u, Err: errors.New(`the answer has no "devices" array`)}
		}
		all = append(all, p.Devices...)
		if p.NextToken == "" {
			return all, nil
		}
		if p.NextToken == token {
			return nil, &DecodeError{Method: http.MethodGet, URL: u, Err: fmt.Errorf("next_page_token %q repeats the token asked for", token)}
		}
		token = p.NextToken
	}
	return nil, &DecodeError{Method: http.MethodGet, URL: c.endpoint(nil, "groups", groupID, "devices"), Err: fmt.Errorf("more than %d pages", maxPages)}
}

// Metrics fetches one device's metrics for one day (yyyy-mm-dd).
// GET {base}/devices/{id}/metrics?date=D
func (c *Client) Metrics(ctx context.Context, deviceID, date string) (*Metrics, error) {
	var m Metrics
	u := c.endpoint(url.Values{"date": {date}}, "devices", deviceID, "metrics")
	if err := c.get(ctx, u, &m); err != nil {
		return nil, err
	}
	if m.Device != deviceID || m.Date != date {
		return nil, &DecodeError{Method: http.MethodGet, URL: u, Err: fmt.Errorf("the answer is for device %q date %q, asked for %q %q", m.Device, m.Date, deviceID, date)}
	}
	return &m, nil
}

func pageQuery(limit int, token string) url.Values {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if token != "" {
		q.Set("page_token", token)
	}
	return q
}

// endpoint joins path segments (each escaped, so an id cannot change the path) to the base URL.
func (c *Client) endpoint(q url.Values, segs ...string) string {
	u := *c.base
	var b strings.Builder
	b.WriteString(u.Path)
	var raw strings.Builder
	raw.WriteString(u.EscapedPath())
	for _, s := range segs {
		b.WriteString("/")
		b.WriteString(s)
		raw.WriteString("/")
		raw.WriteString(url.PathEscape(s))
	}
	u.Path, u.RawPath = b.String(), raw.String()
	u.RawQuery = q.Encode()
	return u.String()
}

// get performs one call with bounded retries and decodes a 2xx JSON answer into out.
func (c *Client) get(ctx context.Context, u string, out any) error {
	if dl, ok := ctx.Deadline(); ok && c.margin > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-c.margin))
		defer cancel()
	}
	const method = http.MethodGet
	pacer := pacerFrom(ctx)
	for attempt := 1; ; attempt++ {
		release, err := pacer.Acquire(ctx)
		if err != nil {
			// the budget allows no call before the deadline, or the invocation ended: the
			// workflow retries (or the caller reports what it did not reach)
			return &TransportError{Method: method, URL: u, Attempts: attempt - 1, Err: err}
		}
		sent := time.Now()
		body, status, header, err := c.do(ctx, method, u)
		release()
		observe(ctx, Call{Status: status, Latency: time.Since(sent), Err: err})
		var failure error
		var retryAfter time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return &TransportError{Method: method, URL: u, Attempts: attempt, Err: ctx.Err()} // canceled
			}
			failure = &TransportError{Method: method, URL: u, Attempts: attempt, Err: err}
		case status == http.StatusTooManyRequests:
			retryAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())
			failure = &ThrottledError{Method: method, URL: u, RetryAfter: retryAfter, Attempts: attempt, Body: snippet(body)}
		case status >= 500:
			retryAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())
			failure = &ServerError{Method: method, URL: u, StatusCode: status, RetryAfter: retryAfter, Attempts: attempt, Body: snippet(body)}
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			return &AuthError{Method: method, URL: u, StatusCode: status, Body: snippet(body)}
		case status >= 400:
			return &ClientError{Method: method, URL: u, StatusCode: status, Body: snippet(body)}
		case status < 200 || status > 299:
			return &DecodeError{Method: method, URL: u, Err: fmt.Errorf("unexpected HTTP status %d", status)}
		default:
			if err := json.Unmarshal(body, out); err != nil {
				return &DecodeError{Method: method, URL: u, Err: err}
			}
			return nil
		}
		if attempt >= c.maxAttempts {
			return failure
		}
		wait := retryAfter
		if wait == 0 {
			// full jitter: uniform in [0, base*2^(attempt-1)], capped
			ceil := c.backoff << (attempt - 1)
			if ceil > c.maxWait || ceil <= 0 {
				ceil = c.maxWait
			}
			wait = time.Duration(rand.Int64N(int64(ceil) + 1))
		}
		if wait > c.maxWait {
			return failure // the vendor asks for longer than we may wait here: the workflow waits
		}
		if dl, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(dl) {
			return failure // the wait would run into the deadline: report now
		}
		if err := c.sleep(ctx, wait); err != nil {
			return failure
		}
	}
}

func (c *Client) do(ctx context.Context, method, u string) ([]byte, int, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return nil, 0, nil, err
	}
	if len(body) > maxBodyBytes {
		return nil, resp.StatusCode, resp.Header, fmt.Errorf("answer larger than %d bytes", maxBodyBytes)
	}
	return body, resp.StatusCode, resp.Header, nil
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP-date (RFC 9110 10.2.3).
// Anything else, or a date in the past, is zero.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func snippet(b []byte) string {
	if len(b) > bodySnippet {
		return string(b[:bodySnippet]) + "..."
	}
	return string(b)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func typeName(err error) string {
	if err == nil {
		return ""
	}
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}
