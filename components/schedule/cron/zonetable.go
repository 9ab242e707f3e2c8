package cron

import (
	"slices"
	"sync"
	"time"
)

// zone holds a time zone's UTC offsets over the years a schedule can fire in, as a table, so
// that Next resolves a wall-clock time with a binary search. time.Location computes every
// offset after its last listed transition (2037 in most zones) from a POSIX TZ rule that it
// parses again at each lookup; a schedule that falls in a daylight-saving gap every year, such
// as cron(30 2 ? 3 1#2 *) in America/New_York, asks for hundreds of them, and cost milliseconds
// per Next before this table.
type zone struct {
	// at[i] is the instant (Unix seconds) from which off[i+1] applies; off[0] applies before
	// at[0]. Offsets are seconds east of UTC. Only changes of offset are listed.
	at  []int64
	off []int
	// repeatFrom is the first year from which the zone's offsets follow one yearly rule: the
	// changes in a year, and in the two days on either side of it, depend only on the year's
	// calendar (weekday of 1 January, leap year or not). From then on, a year whose calendar
	// Next has already scanned whole without a fire cannot fire either. maxYear+1 when the
	// table shows no such rule.
	repeatFrom int
}

// calendarType is 0-13: the weekday of 1 January, plus 7 in leap years.
func calendarType(y int) int {
	t := weekdayOf(y, 1, 1)
	if isLeap(y) {
		t += 7
	}
	return t
}

// ruleYear is where time.Location stops listing transitions and applies the zone's TZ rule
// (2037 in the IANA data Go embeds); the table is checked from the year after.
const ruleYear = 2038

// findRepeat sets repeatFrom: minYear for a zone without changes, ruleYear when every year from
// ruleYear has the changes of the first year of its calendar type, and maxYear+1 otherwise.
func (z *zone) findRepeat() {
	if len(z.at) == 0 {
		z.repeatFrom = minYear
		return
	}
	z.repeatFrom = maxYear + 1
	var first [14][]int64
	for y := ruleYear; y <= maxYear; y++ {
		start := daysFromCivil(y, 1, 1) * 86400
		lo, hi := start-2*86400, daysFromCivil(y+1, 1, 1)*86400+2*86400
		sig := []int64{z.offset(lo)}
		for i := z.period(lo); i < len(z.at) && z.at[i] < hi; i++ {
			sig = append(sig, z.at[i]-start, int64(z.off[i+1]))
		}
		k := calendarType(y)
		if first[k] == nil {
			first[k] = sig
		} else if !slices.Equal(first[k], sig) {
			return
		}
	}
	z.repeatFrom = ruleYear
}

// zoneFrom and zoneTo bound the table: a day around the cron years 1970-2199, with margin.
var (
	zoneFrom = time.Date(minYear-1, 1, 1, 0, 0, 0, 0, time.UTC)
	zoneTo   = time.Date(maxYear+2, 1, 1, 0, 0, 0, 0, time.UTC)
)

// maxZones bounds the cache: time.LoadLocation returns a new *time.Location at each call, so a
// program that loads its zone again and again must not grow the cache without end.
const maxZones = 64

var zones = struct {
	sync.Mutex
	m map[*time.Location]*zone
}{m: map[*time.Location]*zone{}}

// zoneOf returns loc's table, building it on first use (about 500 lookups for a zone with
// daylight saving, once per location).
func zoneOf(loc *time.Location) *zone {
	zones.Lock()
	z, ok := zones.m[loc]
	zones.Unlock()
	if ok {
		return z
	}
	z = buildZone(loc)
	zones.Lock()
	if len(zones.m) >= maxZones {
		clear(zones.m)
	}
	zones.m[loc] = z
	zones.Unlock()
	return z
}

func buildZone(loc *time.Location) *zone {
	t := zoneFrom.In(loc)
	_, off := t.Zone()
	z := &zone{off: []int{off}}
	defer z.findRepeat()
	if loc == time.UTC {
		return z
	}
	for t.Before(zoneTo) {
		_, end := t.ZoneBounds()
		if end.IsZero() {
			return z // no change after t
		}
		exact := end.After(t)
		if !exact {
			// Go's ZoneBounds can stall on the year boundary it uses for a zone's TZ rule (the
			// 31 December of leap years after the last listed transition, go1.26): step a day
			// and find the change, if any, by bisection.
			end = t.Add(24 * time.Hour)
		}
		_, o := end.In(loc).Zone()
		if o != z.off[len(z.off)-1] {
			at := end.Unix()
			if !exact {
				lo := t.Unix() // offset before the change at lo, o at hi
				for hi := at; hi-lo > 1; {
					mid := lo + (hi-lo)/2
					if _, m := time.Unix(mid, 0).In(loc).Zone(); m == o {
						hi = mid
					} else {
						lo = mid
					}
					at = hi
				}
			}
			z.at = append(z.at, at)
			z.off = append(z.off, o)
		}
		t = end.In(loc)
	}
	return z
}

// period returns the number of offset changes at or before instant u: off[period(u)] applies at u.
func (z *zone) period(u int64) int {
	lo, hi := 0, len(z.at)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if z.at[m] > u {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

func (z *zone) offset(u int64) int64 { return int64(z.off[z.period(u)]) }

// near returns the periods that can hold an instant whose wall-clock time, read as UTC, is u0:
// offsets are under a day and no zone changes its offset more than twice in a day.
func (z *zone) near(u0 int64) (from, to int) {
	i := z.period(u0)
	return max(i-2, 0), min(i+2, len(z.at))
}

// civil returns the wall-clock time of t in the zone (loc outside the table's years).
func (z *zone) civil(t time.Time, loc *time.Location) civil {
	if t.Before(zoneFrom) || !t.Before(zoneTo) {
		return civilOf(t.In(loc))
	}
	u := t.Unix()
	return civilAt(u, z.offset(u))
}

// resolve returns the first instant whose wall-clock time is c, and false when c falls in a
// gap (clocks moved forward past it). Periods are in time order, so the first period whose
// offset maps c into itself holds the first instant.
func (z *zone) resolve(c civil) (int64, bool) {
	u0 := c.utcUnix()
	from, to := z.near(u0)
	for k := from; k <= to; k++ {
		u := u0 - int64(z.off[k])
		if (k == 0 || z.at[k-1] <= u) && (k == len(z.at) || u < z.at[k]) {
			return u, true
		}
	}
	return 0, false
}

// gapEnd returns the first wall-clock time after the daylight-saving gap that holds w (a
// wall-clock time that does not exist in the zone): the wall-clock time of the transition.
func (z *zone) gapEnd(w civil) (civil, bool) {
	u0 := w.utcUnix()
	from, to := z.near(u0)
	for k := max(from, 1); k <= to; k++ {
		at, before, after := z.at[k-1], int64(z.off[k-1]), int64(z.off[k])
		if after > before && at+before <= u0 && u0 < at+after {
			return civilAt(at, after), true
		}
	}
	return civil{}, false
}

// repeatEnd handles a wall-clock time whose first occurrence u is not after `after`: when clocks
// move back at the end of u's zone period and `after` is past that change, every wall-clock
// time up to the end of the repeated interval has already fired, so the search resumes at the
// interval's end: the transition's wall-clock time in the old offset.
func (z *zone) repeatEnd(u int64, after time.Time) (civil, bool) {
	i := z.period(u)
	if i == len(z.at) {
		return civil{}, false
	}
	end := z.at[i]
	if after.Before(time.Unix(end, 0)) {
		return civil{}, false
	}
	oldOff, newOff := z.off[i], z.off[i+1]
	if newOff >= oldOff {
		return civil{}, false
	}
	return civilAt(end, int64(oldOff)), true
}
