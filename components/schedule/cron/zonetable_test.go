package cron

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestZoneTableMatchesLocation checks the offset table Next uses against time.Location itself:
// at every listed change (the second before and the change itself) and at instants spread over
// 1969-2200, in zones with whole-hour, half-hour and no daylight-saving changes, and in zones
// whose rules changed in the past.
func TestZoneTableMatchesLocation(t *testing.T) {
	for _, name := range []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "Pacific/Apia", "UTC"} {
		loc := mustLoc(t, name)
		z := buildZone(loc)
		actual := func(u int64) int64 { _, off := time.Unix(u, 0).In(loc).Zone(); return int64(off) }
		for i, at := range z.at {
			if z.offset(at-1) != actual(at-1) || z.offset(at) != actual(at) {
				t.Fatalf("%s: change %d at %s: table %d/%d, location %d/%d", name, i, time.Unix(at, 0).UTC(), z.offset(at-1), z.offset(at), actual(at-1), actual(at))
			}
		}
		samples := 0
		for u := zoneFrom.Unix(); u < zoneTo.Unix(); u += 23*3600 + 17*60 + 13 {
			if z.offset(u) != actual(u) {
				t.Fatalf("%s at %s: table offset %d, location %d", name, time.Unix(u, 0).UTC(), z.offset(u), actual(u))
			}
			samples++
		}
		t.Logf("%s: %d offset changes, %d instants agree", name, len(z.at), samples)
		if name == "America/New_York" && len(z.at) < 2*(maxYear-minYear) {
			t.Errorf("%s: only %d changes up to %d; the table stops early", name, len(z.at), maxYear)
		}
	}
}

// TestCivilArithmetic checks utcUnix and civilAt, the integer date arithmetic Next uses, against
// package time over 1900-2300, with overflowing minutes and days as Next produces them.
func TestCivilArithmetic(t *testing.T) {
	for u := int64(-2208988800); u < 10413792000; u += 7*86400 + 3*3600 + 17*60 + 11 {
		for _, off := range []int64{0, -5 * 3600, 10*3600 + 1800, 14 * 3600} {
			want := civilOf(time.Unix(u+off, 0).UTC())
			if got := civilAt(u, off); got != want {
				t.Fatalf("civilAt(%d, %d) = %+v, want %+v", u, off, got, want)
			}
			if got := want.utcUnix(); got != u+off {
				t.Fatalf("%+v.utcUnix() = %d, want %d", want, got, u+off)
			}
			over := want
			over.mi += 60
			over.d += 1
			if got, w := over.utcUnix(), time.Date(over.y, time.Month(over.mo), over.d, over.h, over.mi, over.s, 0, time.UTC).Unix(); got != w {
				t.Fatalf("%+v.utcUnix() = %d, want %d", over, got, w)
			}
		}
	}
}

// TestSkipBarrenYearsChangesNothing: skipping years whose calendar was scanned without a fire
// gives the same fire times as scanning every year, for generated and sparse expressions, in
// zones with and without daylight saving, from starts before and inside the zones' rule years.
func TestSkipBarrenYearsChangesNothing(t *testing.T) {
	for _, name := range []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago"} {
		if z := zoneOf(mustLoc(t, name)); z.repeatFrom != ruleYear {
			t.Errorf("%s: repeatFrom = %d, want %d (the zone follows a yearly rule after %d)", name, z.repeatFrom, ruleYear, ruleYear-1)
		}
	}
	if z := zoneOf(mustLoc(t, "Asia/Kolkata")); z.repeatFrom != minYear {
		t.Errorf("Asia/Kolkata: repeatFrom = %d, want %d", z.repeatFrom, minYear)
	}
	rng := rand.New(rand.NewPCG(5, 11))
	exprs := []string{
		"30 2 ? 3 1#2 *", "* 2 ? 3 1#2 *", "30 2 ? 3 1L *", "30 2 ? 3,10 1L *", "15 2 ? 10 1#1 *", "0 0 ? 2 1#5 *",
		"0 0 29 2 ? *", "30 2 8-14 3 ? *", "0 0 ? 2 6#5 2040-2199", "30 1 ? 11 1#1 *", "0 0 31W 2,4 ? *", "0 0 ? 2 1L *",
	}
	for len(exprs) < 250 {
		exprs = append(exprs, genExpr(rng))
	}
	zones := []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "UTC"}
	starts := []string{"2026-11-23T00:00:00Z", "2036-12-31T12:00:00Z", "2090-03-01T00:00:00Z", "2151-06-15T00:00:00Z"}
	defer func() { skipBarrenYears = true }()
	compared := 0
	for _, expr := range exprs {
		e := mustParse(t, "cron("+expr+")")
		for _, zn := range zones {
			loc := mustLoc(t, zn)
			for _, st := range starts {
				a, b := mustTime(t, st), mustTime(t, st)
				for i := 0; i < 3; i++ {
					skipBarrenYears = true
					na, oka := e.Next(a, loc)
					skipBarrenYears = false
					nb, okb := e.Next(b, loc)
					if oka != okb || !na.Equal(nb) {
						t.Fatalf("cron(%s) in %s after %s: skipping gives %s (%v), scanning %s (%v)", expr, zn, a.Format(time.RFC3339), na.Format(time.RFC3339), oka, nb.Format(time.RFC3339), okb)
					}
					compared++
					if !oka {
						break
					}
					a, b = na, nb
				}
			}
		}
	}
	t.Logf("%d answers agree with and without skipping", compared)
}

// TestLoadLocationOncePerName: LoadLocation hands out one *time.Location per name, so Next
// builds a zone's offset table once, however many schedules load the zone.
func TestLoadLocationOncePerName(t *testing.T) {
	a, b := mustLoc(t, "Europe/Paris"), mustLoc(t, "Europe/Paris")
	if a != b {
		t.Error("LoadLocation returned two locations for Europe/Paris")
	}
	zoneOf(a)
	zones.Lock()
	_, cached := zones.m[b]
	zones.Unlock()
	if !cached {
		t.Error("the offset table of Europe/Paris is not cached for the second location")
	}
}
