package cron

import (
	"time"
)

// civil is a wall-clock time without a zone.
type civil struct {
	y, mo, d, h, mi, s int
}

func (c civil) utcUnix() int64 {
	return time.Date(c.y, time.Month(c.mo), c.d, c.h, c.mi, c.s, 0, time.UTC).Unix()
}

func civilOf(t time.Time) civil {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return civil{y: y, mo: int(mo), d: d, h: h, mi: mi, s: s}
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// weekdayOf returns the weekday of a date, 0 = Sunday (Sakamoto's method).
func weekdayOf(y, m, d int) int {
	t := [...]int{0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4}
	if m < 3 {
		y--
	}
	return (y + y/4 - y/100 + y/400 + t[m-1] + d) % 7
}

// dayMask returns the days (bits 1-31) of month m of year y on which the expression fires.
func (c *cronSpec) dayMask(y, m int) uint64 {
	n := daysIn(y, m)
	valid := uint64(1)<<(n+1) - 2 // bits 1..n
	if !c.domAny {
		switch c.dom {
		case domSet:
			return c.domSet & valid
		case domLast:
			if d := n - c.domArg; d >= 1 {
				return 1 << d
			}
			return 0
		case domLastWeekday:
			d := n
			switch weekdayOf(y, m, n) {
			case 0: // Sunday: back to Friday
				d -= 2
			case 6: // Saturday: back to Friday
				d--
			}
			return 1 << d
		case domNearest:
			d := c.domArg
			if d > n {
				// No day n this month: like a plain day-of-month n, nothing fires (see doc.go).
				return 0
			}
			switch weekdayOf(y, m, d) {
			case 6: // Saturday: Friday before, or Monday 3rd when n is 1 (never leaves the month)
				if d == 1 {
					d = 3
				} else {
					d--
				}
			case 0: // Sunday: Monday after, or Friday before when n is the last day
				if d == n {
					d -= 2
				} else {
					d++
				}
			}
			return 1 << d
		}
		return 0
	}
	first := weekdayOf(y, m, 1)
	switch c.dow {
	case dowSet:
		return c.dowMap[first] & valid
	case dowLast:
		last := (first + n - 1) % 7
		return 1 << (n - (last-c.dowDay+7)%7)
	case dowNth:
		d := 1 + (c.dowDay-first+7)%7 + 7*(c.dowNth-1)
		if d > n {
			return 0
		}
		return 1 << d
	}
	return 0
}

func (c *cronSpec) nextYear(y int) (int, bool) {
	if y < minYear {
		y = minYear
	}
	for y <= maxYear {
		i := y - minYear
		if v, ok := nextBit(c.years[i/64], i%64); ok {
			return minYear + (i/64)*64 + v, true
		}
		y = minYear + (i/64+1)*64
	}
	return 0, false
}

// nextCivil returns the first wall-clock minute at or after s (whose fields may overflow by one,
// such as minute 60) that the expression selects, ignoring time zones. It moves field by field
// from the year down, so its cost does not depend on how sparse the schedule is.
func (c *cronSpec) nextCivil(s civil) (civil, bool) {
	y, mo, d, h, mi := s.y, s.mo, s.d, s.h, s.mi
	if y < minYear {
		y, mo, d, h, mi = minYear, 1, 1, 0, 0
	}
	for {
		ny, ok := c.nextYear(y)
		if !ok {
			return civil{}, false
		}
		if ny != y {
			y, mo, d, h, mi = ny, 1, 1, 0, 0
		}
		nm, ok := nextBit(c.months, mo)
		if !ok || nm > 12 {
			y, mo, d, h, mi = y+1, 1, 1, 0, 0
			continue
		}
		if nm != mo {
			mo, d, h, mi = nm, 1, 0, 0
		}
		nd, ok := nextBit(c.dayMask(y, mo), d)
		if !ok {
			mo, d, h, mi = mo+1, 1, 0, 0
			continue
		}
		if nd != d {
			d, h, mi = nd, 0, 0
		}
		nh, ok := nextBit(c.hours, h)
		if !ok || nh > 23 {
			d, h, mi = d+1, 0, 0
			continue
		}
		if nh != h {
			h, mi = nh, 0
		}
		nmi, ok := nextBit(c.minutes, mi)
		if !ok || nmi > 59 {
			h, mi = h+1, 0
			continue
		}
		return civil{y: y, mo: mo, d: d, h: h, mi: nmi}, true
	}
}

// resolve maps a wall-clock time in loc to an instant the way EventBridge Scheduler does for
// daylight-saving changes: a wall-clock time that does not exist (skipped when clocks move
// forward) has no instant, and a wall-clock time that happens twice (clocks move back) has only
// its first instant.
func resolve(c civil, loc *time.Location) (time.Time, bool) {
	u0 := c.utcUnix()
	if loc == time.UTC {
		return time.Unix(u0, 0).In(loc), true
	}
	best, found := int64(0), false
	for _, probe := range [...]int64{u0 - 86400, u0, u0 + 86400} {
		_, off := time.Unix(probe, 0).In(loc).Zone()
		u := u0 - int64(off)
		if _, off2 := time.Unix(u, 0).In(loc).Zone(); off2 != off {
			continue
		}
		if !found || u < best {
			best, found = u, true
		}
	}
	if !found {
		return time.Time{}, false
	}
	return time.Unix(best, 0).In(loc), true
}

// maxSteps bounds the loop in nextCron. Each step skips at least one wall-clock minute that is
// skipped or repeated by a daylight-saving change, and no change in the time zone database skips
// or repeats more than a few hours, so the bound is never reached by a real zone.
const maxSteps = 1 << 12

// Next returns the first time strictly after `after` at which the schedule fires when its
// expression is evaluated in loc (nil means UTC), and false when it never fires again: an at()
// in the past, a cron() whose years are over, or a cron() that selects no existing day (such as
// cron(0 0 30 2 ? *)).
//
// cron() fires at second 0 of each selected wall-clock minute in loc. Across daylight-saving
// changes it follows EventBridge Scheduler: a wall-clock time skipped when clocks move forward
// does not fire that day, and a wall-clock time repeated when clocks move back fires once, at its
// first occurrence.
//
// rate() has no wall-clock anchor of its own: AWS starts it at the schedule's start date, or when
// the schedule is created. Next anchors it at `after`, so it returns after plus the interval; use
// NextFrom to anchor it at a start date. The interval is elapsed time: rate(1 day) is 24 hours,
// also across daylight-saving changes, as AWS documents.
//
// at() fires once at its wall-clock time in loc, under the same daylight-saving rule as cron().
func (e *Expression) Next(after time.Time, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	switch e.kind {
	case KindCron:
		return e.cron.next(after, loc)
	case KindRate:
		d, _ := e.Interval()
		return after.Add(d).In(loc), true
	case KindAt:
		t, ok := resolve(e.at, loc)
		if !ok || !t.After(after) {
			return time.Time{}, false
		}
		return t, true
	}
	return time.Time{}, false
}

// NextFrom is Next for a schedule that starts at start (EventBridge Scheduler's StartDate): the
// first fire time strictly after `after` and not before start. A rate() expression fires at
// start, start + interval, start + 2 x interval, and so on.
func (e *Expression) NextFrom(start, after time.Time, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	if e.kind == KindRate {
		d, _ := e.Interval()
		if after.Before(start) {
			return start.In(loc), true
		}
		gap := after.Sub(start)
		if gap == time.Duration(1<<63-1) {
			return time.Time{}, false // more than 292 years apart
		}
		k := gap/d + 1
		if k > time.Duration(1<<63-1)/d {
			return time.Time{}, false
		}
		return start.Add(k * d).In(loc), true
	}
	if t := start.Add(-time.Nanosecond); t.After(after) {
		after = t
	}
	return e.Next(after, loc)
}

func (c *cronSpec) next(after time.Time, loc *time.Location) (time.Time, bool) {
	if c.never {
		return time.Time{}, false
	}
	s := civilOf(after.In(loc))
	s.s = 0
	s.mi++ // the first candidate is the wall-clock minute after the one holding `after`
	for i := 0; i < maxSteps; i++ {
		w, ok := c.nextCivil(s)
		if !ok {
			return time.Time{}, false
		}
		t, exists := resolve(w, loc)
		if exists && t.After(after) {
			return t, true
		}
		s = w
		s.mi++
		// Skip the rest of a daylight-saving gap, or of a repeated hour whose first pass is over,
		// in one step instead of minute by minute.
		var jump civil
		if exists {
			jump, ok = repeatEnd(t, after, loc)
		} else {
			jump, ok = gapEnd(w, loc)
		}
		if ok && jump.after(w) {
			s = jump
		}
	}
	return time.Time{}, false
}

// after reports whether c is a later wall-clock minute than d.
func (c civil) after(d civil) bool {
	a := [...]int{c.y, c.mo, c.d, c.h, c.mi}
	b := [...]int{d.y, d.mo, d.d, d.h, d.mi}
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false
}

// gapEnd returns the first wall-clock time after the daylight-saving gap that holds w (a
// wall-clock time that does not exist in loc): the wall-clock time of the transition.
func gapEnd(w civil, loc *time.Location) (civil, bool) {
	u0 := w.utcUnix()
	_, before := time.Unix(u0-86400, 0).In(loc).Zone()
	start, _ := time.Unix(u0-int64(before), 0).In(loc).ZoneBounds()
	if start.IsZero() {
		return civil{}, false
	}
	return civilOf(start.In(loc)), true
}

// repeatEnd handles a wall-clock time whose first occurrence t is not after `after`: when clocks
// moved back at the end of t's zone period and `after` is past that change, every wall-clock
// time up to the end of the repeated interval has already fired, so the search resumes at the
// interval's end: the transition's wall-clock time in the old offset.
func repeatEnd(t, after time.Time, loc *time.Location) (civil, bool) {
	_, end := t.ZoneBounds()
	if end.IsZero() || after.Before(end) {
		return civil{}, false
	}
	_, oldOff := t.Zone()
	_, newOff := end.In(loc).Zone()
	if newOff >= oldOff {
		return civil{}, false
	}
	return civilOf(end.Add(time.Duration(oldOff) * time.Second).UTC()), true
}
