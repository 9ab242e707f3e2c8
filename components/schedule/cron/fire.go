package cron

import (
	"fmt"
	"time"
)

// FireTimes returns up to n fire times strictly after ref of an expression (cron(), rate() or
// at()) in a time zone, within the optional RFC 3339 start and end dates (end exclusive), as
// EventBridge Scheduler fires them, in that time zone.
func FireTimes(expr, tz, startDate, endDate string, ref time.Time, n int) ([]time.Time, error) {
	e, err := Parse(expr)
	if err != nil {
		return nil, err
	}
	loc, err := LoadLocation(tz)
	if err != nil {
		return nil, err
	}
	var start, end time.Time
	if startDate != "" {
		if start, err = time.Parse(time.RFC3339, startDate); err != nil {
			return nil, fmt.Errorf("startDate: %w", err)
		}
	}
	if endDate != "" {
		if end, err = time.Parse(time.RFC3339, endDate); err != nil {
			return nil, fmt.Errorf("endDate: %w", err)
		}
	}
	var out []time.Time
	after := ref
	for len(out) < n {
		t, ok := e.NextWithin(loc, start, end, after)
		if !ok {
			break
		}
		out = append(out, t.In(loc))
		after = t
	}
	return out, nil
}

// NextWithin is the first fire time strictly after `after` within [start, end); a zero start
// or end is no bound. With a start date, rate() counts from it, as Scheduler does.
func (e *Expression) NextWithin(loc *time.Location, start, end, after time.Time) (time.Time, bool) {
	var t time.Time
	var ok bool
	if start.IsZero() {
		t, ok = e.Next(after, loc)
	} else {
		t, ok = e.NextFrom(start, after, loc)
	}
	if ok && !end.IsZero() && !t.Before(end) {
		return time.Time{}, false
	}
	return t, ok
}
