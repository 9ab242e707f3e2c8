package cron

import (
	"strings"
	"testing"
	"time"
)

// FuzzParse: Parse never panics; Next and NextFrom never panic and return times strictly after
// their argument; and for accepted input, parsing the canonical form String() gives the same
// canonical form and the same fire times, in UTC and across New York's daylight-saving changes.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"cron(0 10 * * ? *)", "cron(15 12 * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)",
		"cron(0/15 * * * ? *)", "cron(0/10 * ? * MON-FRI *)", "cron(0/5 8-17 ? * MON-FRI *)",
		"cron(0/30 20-2 ? * MON-FRI *)", "cron(15 10 ? * 6L 2019-2022)", "cron(5,35 14 * * ? *)",
		"cron(0 9 ? * 2#1 *)", "cron(0 0 LW * ? *)", "cron(0 0 L-3 * ? *)", "cron(0 0 15W * ? *)",
		"cron(0 0 ? * L *)", "cron(0 0 29 2 ? 2196)", "cron(0 0 ? * 6#5 *)", "cron(0 0 30 2 ? *)",
		"cron(5,20-40/10 22-3/2 25-5 nov-feb ? 2030/3)", "cron(* * ? * fri-mon *)",
		"rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(7 days)",
		"at(2026-03-08T02:30:00)", "at(2026-11-01T01:30:00)", "at(2028-02-29T23:59:59)",
		"cron(* * * * * *)", "rate(1 minutes)", "at(2026-02-30T00:00:00)", "cron(0 0 ? * 3#1,6#3 *)", "",
	} {
		f.Add(s, int64(1795460400))
	}
	ny, err := LoadLocation("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string, sec int64) {
		e, err := Parse(s)
		if err != nil {
			if e != nil {
				t.Fatalf("Parse(%q) returned both %v and %v", s, e, err)
			}
			return
		}
		canonical := e.String()
		again, err := Parse(canonical)
		if err != nil {
			t.Fatalf("Parse(%q) = %v, but its canonical form %q does not parse: %v", s, canonical, canonical, err)
		}
		if again.String() != canonical {
			t.Fatalf("canonical form of %q is %q, then %q", s, canonical, again.String())
		}
		if strings.ContainsAny(canonical, "\t\n") || len(canonical) > MaxExpressionLength {
			t.Fatalf("canonical form %q", canonical)
		}
		// fire times from a fuzzed instant (1900-2300) and from around a daylight-saving change
		after := time.Unix(-2208988800+((sec%(400*365*86400))+400*365*86400)%(400*365*86400), 0)
		for _, start := range []time.Time{after, time.Date(2026, 11, 1, 0, 30, 0, 0, ny)} {
			for _, loc := range []*time.Location{time.UTC, ny} {
				a, b := start, start
				for i := 0; i < 5; i++ {
					na, oka := e.Next(a, loc)
					nb, okb := again.Next(b, loc)
					if oka != okb || !na.Equal(nb) {
						t.Fatalf("%q and its canonical form %q differ: fire %d after %s in %s: %s (%v) vs %s (%v)", s, canonical, i+1, a, loc, na, oka, nb, okb)
					}
					if !oka {
						break
					}
					if !na.After(a) {
						t.Fatalf("%q: Next(%s) = %s is not after it", s, a, na)
					}
					if e.Kind() == KindCron && (na.Second() != 0 || na.Nanosecond() != 0) {
						t.Fatalf("%q: cron fire time %s is not on a whole minute", s, na)
					}
					a, b = na, nb
				}
				if n, ok := e.NextFrom(start.Add(time.Hour), start, loc); ok && (n.Before(start.Add(time.Hour)) || !n.After(start)) {
					t.Fatalf("%q: NextFrom(start+1h, %s) = %s", s, start, n)
				}
			}
		}
	})
}
