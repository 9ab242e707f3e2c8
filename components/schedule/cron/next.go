package cron

import (
	"time"
)

// civil is a wall-clock time without a zone.
type civil struct {
	y, mo, d, h, mi, s int
}

// utcUnix reads c as a UTC time and returns its Unix seconds. Day, hour, minute and second may
// overflow their ranges (minute 60, day 32), as with time.Date; the month must be 1-12.
func (c civil) utcUnix() int64 {
	return daysFromCivil(c.y, c.mo, 1)*86400 + int64(c.d-1)*86400 + int64(c.h)*3600 + int64(c.mi)*60 + int64(c.s)
}

// daysFromCivil returns the days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
// (Howard Hinnant's days_from_civil), integer arithmetic only: Next calls it in its inner loop.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400 // 0..399
	mp := (m + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// civilAt is the wall-clock time of instant u at offset off (Hinnant's civil_from_days).
func civilAt(u, off int64) civil {
	t := u + off
	days, secs := t/86400, t%86400
	if secs < 0 {
		days, secs = days-1, secs+86400
	}
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	y := yoe + era*400
	if m <= 2 {
		y++
	}
	return civil{y: int(y), mo: int(m), d: int(d), h: int(secs / 3600), mi: int(secs % 3600 / 60), s: int(secs % 60)}
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
				// No day n this month: like a plain day-of-month n, nothing fires (docs/design/cron.md).
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
	if loc == time.UTC {
		return time.Unix(c.utcUnix(), 0).In(loc), true
	}
	u, ok := zoneOf(loc).resolve(c)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(u, 0).In(loc), true
}

// skipBarrenYears lets Next skip years whose calendar it has seen without a fire; tests turn it
// off to check that skipping changes no answer.
var skipBarrenYears = true

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
	z := zoneOf(loc)
	s := z.civil(after, loc)
	s.s = 0
	s.mi++ // the first candidate is the wall-clock minute after the one holding `after`
	// Years scanned whole without a fire, by calendar type: where the zone follows a yearly rule
	// (z.repeatFrom on), another year of the same calendar cannot fire either, so a schedule
	// whose time falls in a daylight-saving gap every year, or whose day never exists in some
	// calendars (a fifth Sunday of February), is answered after a few dozen years, not 230.
	var barren [14]bool
	whole := 0 // the year being scanned from its first minute
	for i := 0; i < maxSteps; i++ {
		w, ok := c.nextCivil(s)
		if !ok {
			return time.Time{}, false
		}
		if w.y > s.y && skipBarrenYears {
			if whole == s.y && s.y >= z.repeatFrom {
				barren[calendarType(s.y)] = true
			}
			for ok && w.y >= z.repeatFrom && barren[calendarType(w.y)] {
				w, ok = c.nextCivil(civil{y: w.y + 1, mo: 1, d: 1})
			}
			if !ok {
				return time.Time{}, false
			}
			whole = w.y
		}
		u, exists := z.resolve(w)
		if exists && time.Unix(u, 0).After(after) {
			return time.Unix(u, 0).In(loc), true
		}
		s = w
		s.mi++
		// Skip the rest of a daylight-saving gap, or of a repeated hour whose first pass is over,
		// in one step instead of minute by minute.
		var jump civil
		if exists {
			jump, ok = z.repeatEnd(u, after)
		} else {
			jump, ok = z.gapEnd(w)
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
