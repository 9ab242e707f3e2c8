package budget

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is a downstream's published request rate: at most Requests calls started in any window of
// length Per (a sliding window: "50 per second", "3,000 per minute").
type Rate struct {
	// Requests is the most calls in one window; zero means no rate limit.
	Requests int
	// Per is the window's length: zero means one second; allowed 1 s..1 h, whole seconds.
	Per time.Duration
}

// Limits of a Rate.
const (
	MinPer      = time.Second
	MaxPer      = time.Hour
	MaxRequests = 100_000_000
)

var units = map[string]time.Duration{
	"s": time.Second, "sec": time.Second, "second": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute,
	"h": time.Hour, "hour": time.Hour,
}

// ParseRate reads "<requests>/<window>", where the window is a unit (s, sec, second, min, minute,
// h, hour) or a Go duration of whole seconds ("100/s", "3000/min", "20/10s").
func ParseRate(s string) (Rate, error) {
	n, w, ok := strings.Cut(strings.TrimSpace(s), "/")
	bad := func() (Rate, error) {
		return Rate{}, fmt.Errorf("rate %q: want <requests>/<window>, such as 100/s, 3000/min or 20/10s", s)
	}
	if !ok {
		return bad()
	}
	req, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || req <= 0 || req > MaxRequests {
		return bad()
	}
	w = strings.TrimSpace(w)
	per, known := units[w]
	if !known {
		if per, err = time.ParseDuration(w); err != nil {
			return bad()
		}
	}
	r := Rate{Requests: req, Per: per}
	if err := r.validate(); err != nil {
		return Rate{}, fmt.Errorf("rate %q: %w", s, err)
	}
	return r, nil
}

func (r Rate) validate() error {
	if r.Requests < 0 || r.Requests > MaxRequests {
		return fmt.Errorf("requests must be 0..%d, got %d", MaxRequests, r.Requests)
	}
	if r.Requests > 0 && r.Per != 0 && (r.Per < MinPer || r.Per > MaxPer || r.Per%time.Second != 0) {
		return fmt.Errorf("window must be %v..%v in whole seconds, got %v", MinPer, MaxPer, r.Per)
	}
	return nil
}

// IsZero reports whether the rate is unlimited.
func (r Rate) IsZero() bool { return r.Requests == 0 }

// PerSecond is the rate in calls per second (0 when unlimited).
func (r Rate) PerSecond() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.Requests) / r.window().Seconds()
}

func (r Rate) window() time.Duration {
	if r.Per == 0 {
		return time.Second
	}
	return r.Per
}

// String formats the rate the way ParseRate reads it ("100/s", "3000/min", "20/10s"); "" when
// unlimited.
func (r Rate) String() string {
	if r.Requests == 0 {
		return ""
	}
	switch w := r.window(); w {
	case time.Second:
		return fmt.Sprintf("%d/s", r.Requests)
	case time.Minute:
		return fmt.Sprintf("%d/min", r.Requests)
	case time.Hour:
		return fmt.Sprintf("%d/h", r.Requests)
	default:
		return fmt.Sprintf("%d/%s", r.Requests, w)
	}
}
