package cron

import (
	"math/rand/v2"
	"testing"
	"time"
)

func mustParse(t testing.TB, s string) *Expression {
	t.Helper()
	e, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return e
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestNextDaylightSaving follows what AWS documents for EventBridge Scheduler
// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time,
// and https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst): "When the time shifts
// forward in Spring, your schedule invocation gets skipped if the cron expression falls on a
// non-existent date and time. When the time shifts back in the Fall, your schedule runs only once
// and doesn't repeat its invocation." and, for rate(n days), "days represents a 24-hour duration".
//
// America/New_York in 2026: clocks go 02:00 EST -> 03:00 EDT on 8 March, and 02:00 EDT -> 01:00 EST
// on 1 November. Australia/Lord_Howe moves by 30 minutes.
func TestNextDaylightSaving(t *testing.T) {
	tests := []struct {
		name, expr, zone, after string
		want                    []string // RFC 3339 with the zone's offset
	}{
		{"spring forward: 02:30 does not exist on 8 March and is skipped that day",
			"cron(30 2 * * ? *)", "America/New_York", "2026-03-07T03:00:00-05:00",
			[]string{"2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"}},
		{"spring forward: a half-hourly schedule jumps from 01:30 EST to 03:00 EDT",
			"cron(0/30 * * * ? *)", "America/New_York", "2026-03-08T01:00:00-05:00",
			[]string{"2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"}},
		{"fall back: 01:30 happens twice on 1 November and fires once, at the first",
			"cron(30 1 * * ? *)", "America/New_York", "2026-10-31T12:00:00-04:00",
			[]string{"2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}},
		{"fall back: a 20-minute schedule does not repeat 01:00-01:40",
			"cron(0/20 * * * ? *)", "America/New_York", "2026-11-01T00:50:00-04:00",
			[]string{"2026-11-01T01:00:00-04:00", "2026-11-01T01:20:00-04:00", "2026-11-01T01:40:00-04:00", "2026-11-01T02:00:00-05:00"}},
		{"fall back: asked during the repeated hour, the repeated minutes have already fired",
			"cron(0/20 * * * ? *)", "America/New_York", "2026-11-01T01:10:00-05:00",
			[]string{"2026-11-01T02:00:00-05:00", "2026-11-01T02:20:00-05:00"}},
		{"every minute across the spring gap",
			"cron(* * * * ? *)", "America/New_York", "2026-03-08T01:58:00-05:00",
			[]string{"2026-03-08T01:59:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:01:00-04:00"}},
		{"a 30-minute shift: Lord Howe Island skips 02:00-02:29 on 4 October",
			"cron(15 2 * * ? *)", "Australia/Lord_Howe", "2026-10-03T12:00:00+10:30",
			[]string{"2026-10-05T02:15:00+11:00"}},
		{"a 30-minute shift: Lord Howe Island repeats 01:30-01:59 on 5 April, fires once",
			"cron(45 1 * * ? *)", "Australia/Lord_Howe", "2026-04-04T12:00:00+11:00",
			[]string{"2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"}},
		{"London skips 01:30 on Sunday 29 March; the next Sunday fires",
			"cron(30 1 ? * SUN *)", "Europe/London", "2026-03-22T02:00:00Z",
			[]string{"2026-04-05T01:30:00+01:00"}},
		{"a daily schedule keeps its wall-clock time across the change",
			"cron(0 9 * * ? *)", "America/New_York", "2026-03-07T10:00:00-05:00",
			[]string{"2026-03-08T09:00:00-04:00", "2026-03-09T09:00:00-04:00"}},
		{"rate(1 day) is 24 hours: the wall-clock time moves by the change",
			"rate(1 day)", "America/New_York", "2026-03-07T09:00:00-05:00",
			[]string{"2026-03-08T10:00:00-04:00", "2026-03-09T10:00:00-04:00"}},
		{"at() at a skipped time never fires",
			"at(2026-03-08T02:30:00)", "America/New_York", "2026-01-01T00:00:00-05:00",
			nil},
		{"at() at a repeated time fires at the first",
			"at(2026-11-01T01:30:00)", "America/New_York", "2026-01-01T00:00:00-05:00",
			[]string{"2026-11-01T01:30:00-04:00"}},
		{"at() is a wall-clock time in the schedule's zone",
			"at(2027-02-15T09:30:00)", "Asia/Kolkata", "2026-01-01T00:00:00Z",
			[]string{"2027-02-15T09:30:00+05:30"}},
		{"a zone without daylight saving",
			"cron(0 0 ? * 6#5 *)", "Asia/Kolkata", "2026-11-23T00:00:00Z",
			[]string{"2027-01-29T00:00:00+05:30", "2027-04-30T00:00:00+05:30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, loc := mustParse(t, tt.expr), mustLoc(t, tt.zone)
			at := mustTime(t, tt.after)
			for i, w := range tt.want {
				got, ok := e.Next(at, loc)
				if !ok || got.Format(time.RFC3339) != w {
					t.Fatalf("fire %d = %s (%v), want %s", i+1, got.Format(time.RFC3339), ok, w)
				}
				if got.Location() != loc {
					t.Errorf("fire %d is in %v, want %v", i+1, got.Location(), loc)
				}
				at = got
			}
			if tt.want == nil {
				if got, ok := e.Next(at, loc); ok {
					t.Fatalf("Next = %s, want none", got.Format(time.RFC3339))
				}
			}
		})
	}
}

func TestNextEdges(t *testing.T) {
	utc := func(s string) time.Time { return mustTime(t, s) }
	tests := []struct {
		name, expr, after string
		want              string // "" = none
	}{
		{"strictly after a fire time", "cron(0 10 * * ? *)", "2026-11-24T10:00:00Z", "2026-11-25T10:00:00Z"},
		{"seconds past a fire time", "cron(0 10 * * ? *)", "2026-11-24T10:00:30Z", "2026-11-25T10:00:00Z"},
		{"nanoseconds before a fire time", "cron(0 10 * * ? *)", "2026-11-24T09:59:59.999999999Z", "2026-11-24T10:00:00Z"},
		{"years over", "cron(0 0 1 1 ? 2026)", "2026-06-01T00:00:00Z", ""},
		{"the last year", "cron(59 23 31 12 ? 2199)", "2150-01-01T00:00:00Z", "2199-12-31T23:59:00Z"},
		{"after the last year", "cron(0 0 * * ? *)", "2199-12-31T23:59:00Z", ""},
		{"before the first year", "cron(0 0 1 1 ? *)", "1960-05-05T00:00:00Z", "1970-01-01T00:00:00Z"},
		{"sparse: 29 February 2196", "cron(0 0 29 2 ? 2196)", "2026-11-23T00:00:00Z", "2196-02-29T00:00:00Z"},
		{"never: 30 February", "cron(0 0 30 2 ? *)", "2026-11-23T00:00:00Z", ""},
		{"never: 31st of 30-day months", "cron(0 0 31 4,6,9,11 ? *)", "2026-11-23T00:00:00Z", ""},
		{"L-30 needs a 31-day month", "cron(0 0 L-30 2,4 ? *)", "2026-11-23T00:00:00Z", ""},
		{"L-30 is the 1st of a 31-day month", "cron(0 0 L-30 * ? *)", "2026-11-23T00:00:00Z", "2026-12-01T00:00:00Z"},
		{"31W: no 31st in November, so nothing that month", "cron(0 0 31W * ? *)", "2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z"},
		{"1W on a Saturday, asked on the Saturday, is Monday the 3rd", "cron(0 0 1W * ? *)", "2027-05-01T00:00:00Z", "2027-05-03T00:00:00Z"},
		{"1W on a Saturday: May 2027", "cron(0 0 1W 5 ? *)", "2027-01-01T00:00:00Z", "2027-05-03T00:00:00Z"},
		{"31W on a Sunday moves back to Friday the 29th", "cron(0 0 31W 1 ? *)", "2027-01-01T00:00:00Z", "2027-01-29T00:00:00Z"},
		{"15W on a Saturday moves back to Friday", "cron(0 0 15W 5 ? *)", "2027-01-01T00:00:00Z", "2027-05-14T00:00:00Z"},
		{"LW when the month ends on a Sunday", "cron(0 0 LW 10 ? *)", "2027-01-01T00:00:00Z", "2027-10-29T00:00:00Z"},
		{"5th Sunday", "cron(0 0 ? * 1#5 *)", "2026-11-23T00:00:00Z", "2026-11-29T00:00:00Z"},
		{"last Sunday", "cron(0 0 ? * 1L *)", "2026-11-30T00:00:00Z", "2026-12-27T00:00:00Z"},
		{"wrapping weekdays FRI-MON", "cron(0 0 ? * FRI-MON *)", "2026-11-24T00:00:00Z", "2026-11-27T00:00:00Z"},
		{"wrapping months NOV-FEB", "cron(0 0 1 NOV-FEB ? *)", "2027-02-02T00:00:00Z", "2027-11-01T00:00:00Z"},
		{"wrapping days 30-2", "cron(0 0 30-2 * ? *)", "2027-02-03T00:00:00Z", "2027-03-01T00:00:00Z"},
		{"wrapping with a step 22-3/2: 22, 0, 2", "cron(0 22-3/2 * * ? *)", "2026-11-23T22:00:00Z", "2026-11-24T00:00:00Z"},
		{"year steps", "cron(0 0 1 1 ? 2030/25)", "2031-01-01T00:00:00Z", "2055-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := mustParse(t, tt.expr).Next(utc(tt.after), nil)
			if tt.want == "" {
				if ok {
					t.Fatalf("Next = %s, want none", got.Format(time.RFC3339))
				}
				return
			}
			if !ok || !got.Equal(utc(tt.want)) {
				t.Fatalf("Next = %s (%v), want %s", got.Format(time.RFC3339), ok, tt.want)
			}
		})
	}
}

func TestNextFrom(t *testing.T) {
	utc := func(s string) time.Time { return mustTime(t, s) }
	tests := []struct {
		name, expr, start, after, want string
	}{
		{"rate before its start fires at the start", "rate(5 minutes)", "2026-11-23T19:03:00Z", "2026-11-23T18:00:00Z", "2026-11-23T19:03:00Z"},
		{"rate at its start fires one interval later", "rate(5 minutes)", "2026-11-23T19:03:00Z", "2026-11-23T19:03:00Z", "2026-11-23T19:08:00Z"},
		{"rate keeps its phase", "rate(5 minutes)", "2026-11-23T19:03:00Z", "2026-11-23T19:07:00Z", "2026-11-23T19:08:00Z"},
		{"rate keeps its phase far away", "rate(7 days)", "2026-01-01T12:00:00Z", "2026-11-23T00:00:00Z", "2026-11-26T12:00:00Z"},
		{"cron does not fire before its start", "cron(0 10 * * ? *)", "2027-01-01T00:00:00Z", "2026-11-23T00:00:00Z", "2027-01-01T10:00:00Z"},
		{"cron fires at its start when the start is a fire time", "cron(0 10 * * ? *)", "2027-01-01T10:00:00Z", "2026-11-23T00:00:00Z", "2027-01-01T10:00:00Z"},
		{"cron after its start is Next", "cron(0 10 * * ? *)", "2020-01-01T00:00:00Z", "2026-11-23T00:00:00Z", "2026-11-23T10:00:00Z"},
		{"at before its start", "at(2026-12-01T00:00:00)", "2027-01-01T00:00:00Z", "2026-11-23T00:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := mustParse(t, tt.expr).NextFrom(utc(tt.start), utc(tt.after), time.UTC)
			if tt.want == "" {
				if ok {
					t.Fatalf("NextFrom = %s, want none", got.Format(time.RFC3339))
				}
				return
			}
			if !ok || !got.Equal(utc(tt.want)) {
				t.Fatalf("NextFrom = %s (%v), want %s", got.Format(time.RFC3339), ok, tt.want)
			}
		})
	}
}

// naiveFires is the definition of a cron schedule written the slow way, independently of
// nextCivil and dayMask: walk every minute instant, take its wall-clock time in loc, and keep it
// when each field matches (day rules computed with the time package) and the wall-clock minute
// has not already happened (clocks moved back).
func naiveFires(c *cronSpec, from, to time.Time, loc *time.Location) []time.Time {
	var out []time.Time
	for t := from.Truncate(time.Minute).Add(time.Minute); !t.After(to); t = t.Add(time.Minute) {
		l := t.In(loc)
		if l.Second() != 0 || !naiveMatch(c, l) {
			continue
		}
		repeat := false
		for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
			p := t.Add(-back).In(loc)
			if p.Year() == l.Year() && p.YearDay() == l.YearDay() && p.Hour() == l.Hour() && p.Minute() == l.Minute() {
				repeat = true
			}
		}
		if !repeat && t.After(from) {
			out = append(out, t)
		}
	}
	return out
}

func naiveMatch(c *cronSpec, l time.Time) bool {
	y, m, d := l.Date()
	if y < minYear || y > maxYear || c.years[(y-minYear)/64]&(1<<((y-minYear)%64)) == 0 {
		return false
	}
	if c.months&(1<<int(m)) == 0 || c.hours&(1<<l.Hour()) == 0 || c.minutes&(1<<l.Minute()) == 0 {
		return false
	}
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	wd := func(day int) time.Weekday { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC).Weekday() }
	weekday := func(day int) bool { w := wd(day); return w != time.Saturday && w != time.Sunday }
	if !c.domAny {
		switch c.dom {
		case domSet:
			return c.domSet&(1<<d) != 0
		case domLast:
			return d == last-c.domArg
		case domLastWeekday:
			for day := last; day > 0; day-- {
				if weekday(day) {
					return d == day
				}
			}
		case domNearest:
			n := c.domArg
			if n > last {
				return false
			}
			if weekday(n) {
				return d == n
			}
			// the nearest weekday within the month, preferring the one before on a tie
			for k := 1; k <= 2; k++ {
				if n-k >= 1 && weekday(n-k) && (n+k > last || !weekday(n+k) || wd(n) == time.Saturday) {
					return d == n-k
				}
				if n+k <= last && weekday(n+k) {
					return d == n+k
				}
			}
		}
		return false
	}
	switch c.dow {
	case dowSet:
		return c.dowSet&(1<<uint(wd(d))) != 0
	case dowLast:
		return int(wd(d)) == c.dowDay && d+7 > last
	case dowNth:
		return int(wd(d)) == c.dowDay && (d-1)/7+1 == c.dowNth
	}
	return false
}

// TestNextMatchesNaive compares Next with the naive definition over windows around daylight-saving
// changes, for expressions from the differential generator plus the constructions it leaves out.
func TestNextMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	exprs := []string{
		"0/30 20-2 ? * MON-FRI *", "0 8 LW * ? *", "0 0 ? * L *", "5,20-40/10 * * * ? *", "0 0 31W * ? *",
		"0 0 1W * ? *", "0 0 15W * ? *", "0 0 30-2 * ? *", "* 1-3 * * ? *", "*/7 22-3/2 ? * FRI-MON *",
		"0,30 * L-1 * ? *", "0 0 ? * 1#5 *", "15 * ? * 6L *",
	}
	for len(exprs) < 150 {
		exprs = append(exprs, genExpr(rng))
	}
	windows := []struct {
		zone string
		from string
	}{
		{"America/New_York", "2026-03-06T00:00:00Z"},
		{"America/New_York", "2026-10-30T00:00:00Z"},
		{"Australia/Lord_Howe", "2026-04-03T00:00:00Z"},
		{"Australia/Lord_Howe", "2026-10-02T00:00:00Z"},
		{"Europe/London", "2027-03-26T00:00:00Z"},
		{"UTC", "2028-02-27T00:00:00Z"},
		// after 2037, where time.Location derives offsets from the zone's TZ rule and Next
		// reads them from its own table (zonetable.go)
		{"America/New_York", "2150-03-06T00:00:00Z"},
		{"America/New_York", "2150-10-30T00:00:00Z"},
		{"Europe/Berlin", "2190-03-26T00:00:00Z"},
		{"Australia/Lord_Howe", "2100-04-02T00:00:00Z"},
	}
	total := 0
	defer func() {
		t.Logf("%d expressions x %d windows: %d fire times agree with the naive definition", len(exprs), len(windows), total)
	}()
	for _, w := range windows {
		loc := mustLoc(t, w.zone)
		from := mustTime(t, w.from).Add(time.Duration(rng.IntN(3600)) * time.Second)
		to := from.Add(4 * 24 * time.Hour)
		for _, expr := range exprs {
			e := mustParse(t, "cron("+expr+")")
			want := naiveFires(e.cron, from, to, loc)
			var got []time.Time
			for at := from; ; {
				n, ok := e.Next(at, loc)
				if !ok || n.After(to) {
					break
				}
				got = append(got, n)
				at = n
			}
			total += len(want)
			if len(got) != len(want) {
				t.Errorf("cron(%s) in %s from %s: %d fires, naive %d", expr, w.zone, from.Format(time.RFC3339), len(got), len(want))
				continue
			}
			for i := range got {
				if !got[i].Equal(want[i]) {
					t.Errorf("cron(%s) in %s: fire %d = %s, naive %s", expr, w.zone, i, got[i].Format(time.RFC3339), want[i].Format(time.RFC3339))
					break
				}
			}
		}
	}
}

// TestNextAlwaysInGap: schedules whose wall-clock time falls in the spring-forward gap every
// year never fire (AWS: the invocation "gets skipped"), and Next says so after looking at every
// year up to 2199; the same rule in a zone whose change falls on another Sunday fires normally.
// New York moves at 02:00 on the second Sunday of March, Berlin at 02:00 on the last Sunday of
// March, Lord Howe Island at 02:00 (by 30 minutes) on the first Sunday of October.
func TestNextAlwaysInGap(t *testing.T) {
	from := mustTime(t, "2026-11-23T00:00:00Z")
	tests := []struct {
		expr, zone string
		want       string // RFC 3339, "" = never
	}{
		{"cron(30 2 ? 3 1#2 *)", "America/New_York", ""},
		{"cron(* 2 ? 3 1#2 *)", "America/New_York", ""},
		{"cron(30 2 ? 3 1#2 *)", "Europe/Berlin", "2027-03-14T02:30:00+01:00"},
		{"cron(30 2 ? 3 1L *)", "Europe/Berlin", ""},
		{"cron(30 2 ? 3,4 1L *)", "Europe/Berlin", "2027-04-25T02:30:00+02:00"},
		{"cron(* 2 ? 10 1#1 *)", "Australia/Lord_Howe", "2027-10-03T02:30:00+11:00"},
		{"cron(15 2 ? 10 1#1 *)", "Australia/Lord_Howe", ""},
		{"cron(30 2 ? 3 1#2 2150)", "America/New_York", ""},
		{"cron(30 3 ? 3 1#2 2150)", "America/New_York", "2150-03-08T03:30:00-04:00"},
	}
	for _, tt := range tests {
		e, loc := mustParse(t, tt.expr), mustLoc(t, tt.zone)
		got, ok := e.Next(from, loc)
		if tt.want == "" {
			if ok {
				t.Errorf("%s in %s fires at %s, want never", tt.expr, tt.zone, got.Format(time.RFC3339))
			}
			continue
		}
		if !ok || got.Format(time.RFC3339) != tt.want {
			t.Errorf("%s in %s: %s (%v), want %s", tt.expr, tt.zone, got.Format(time.RFC3339), ok, tt.want)
		}
	}
}
