package cron

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/winebarrel/cronplan"
)

// cronplanNext asks github.com/winebarrel/cronplan for up to n fire times strictly after from.
// cronplan's Next includes the minute it is given, so each call starts at the next whole minute.
// It panics on some valid expressions; that is reported as an error.
func cronplanNext(fields string, from time.Time, n int) (out []time.Time, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	e, err := cronplan.Parse(fields)
	if err != nil {
		return nil, err
	}
	at := from.Truncate(time.Minute).Add(time.Minute)
	for i := 0; i < n; i++ {
		next := e.Next(at)
		if next.IsZero() {
			break
		}
		out = append(out, next)
		at = next.Add(time.Minute)
	}
	return out, nil
}

// TestCronplanAgreesInUTC is the second independent opinion: in UTC, on the same generated
// expressions as the aws-cron-parser differential test, cronplan (the Go parser for EventBridge
// cron expressions that ENVIRONMENT.md lists) must give the same fire times as skein.
func TestCronplanAgreesInUTC(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 11))
	compared, fires := 0, 0
	for compared < 1000 {
		expr := genExpr(rng)
		from := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(15 * 365 * 24 * time.Hour))))
		theirs, err := cronplanNext(expr, from, 5)
		if err != nil {
			t.Errorf("cronplan cannot evaluate cron(%s): %v", expr, err)
			continue
		}
		ours := ourTimes(t, expr, from, 5)
		compared++
		fires += len(ours)
		var theirMillis []int64
		for _, ts := range theirs {
			theirMillis = append(theirMillis, ts.UnixMilli())
		}
		if fmt.Sprint(ours) != fmt.Sprint(theirMillis) {
			t.Errorf("cron(%s) after %s:\n  skein:    %s\n  cronplan: %s", expr, from.Format(time.RFC3339), fmtMillis(ours), fmtMillis(theirMillis))
		}
	}
	t.Logf("cronplan: %d expressions, %d fire times compared", compared, fires)
}

// TestCronplanGaps records, as assertions, why skein does not simply wrap cronplan v1.10.5: each
// row is a measured difference, with the AWS rule cronplan misses. If cronplan changes, the row
// fails and the list below needs another look.
//
// cronplan agrees with skein on 1,000 generated expressions in UTC (TestCronplanAgreesInUTC),
// but these gaps rule out wrapping it: it panics on valid input (days 30-31 in February); it
// accepts what AWS documents as invalid ("3#1,6#3", / in day-of-week); its Next includes the
// given minute; it fires at skipped wall-clock times (02:30 on 8 March 2026 in New York becomes
// 01:30 EST); it finds nothing for a wrapping range with a step (20-2/2); it has no rate() or
// at(); and it is about a hundred times slower (one run of BenchmarkCronplanNext on the 2-core
// build machine: 7-34 µs per Next and 74 µs per Parse, against 0.06-0.23 µs and 1.6-3.7 µs for
// this package in the same run; absolute figures vary with the machine's load). For nW when
// the month has no day n (31W in April), it and aws-cron-parser pick a day, and differ between
// themselves; skein fires nothing that month, as for a plain 31.
func TestCronplanGaps(t *testing.T) {
	ny := mustLoc(t, "America/New_York")

	t.Run("panics on a valid expression", func(t *testing.T) {
		// Days 30-31 are valid (day-of-month 1-31); in February cronplan's range expansion fails
		// and it panics. Library code must not panic.
		_, err := cronplanNext("0 0 30-31 * ? *", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), 1)
		if err == nil {
			t.Fatal("cronplan no longer panics on 30-31 in February")
		}
		if got := ourTimes(t, "0 0 30-31 * ? *", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), 1); fmtMillis(got) != "[2026-03-30T00:00 Mon]" {
			t.Errorf("skein: %s", fmtMillis(got))
		}
	})

	t.Run("accepts what AWS documents as invalid", func(t *testing.T) {
		// AWS: "If you use a '#' character, you can define only one expression in the
		// day-of-week field. For example, "3#1,6#3" is not valid". AWS lists no / for day-of-week.
		for _, fields := range []string{"0 0 ? * 3#1,6#3 *", "0 0 ? * MON/2 *"} {
			if _, err := cronplan.Parse(fields); err != nil {
				t.Errorf("cronplan now rejects %q: %v", fields, err)
			}
			if _, err := Parse("cron(" + fields + ")"); err == nil {
				t.Errorf("skein accepts %q", fields)
			}
		}
	})

	t.Run("Next includes the given minute", func(t *testing.T) {
		e, err := cronplan.Parse("0 10 * * ? *")
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
		if got := e.Next(at); !got.Equal(at) {
			t.Errorf("cronplan Next(%s) = %s; it used to return the same minute", at, got)
		}
	})

	t.Run("daylight saving: fires at a skipped wall-clock time", func(t *testing.T) {
		// AWS skips a cron time that does not exist; cronplan's time.Date normalizes 02:30 on
		// 8 March 2026 in New York to 01:30 EST and fires there.
		e, err := cronplan.Parse("30 2 * * ? *")
		if err != nil {
			t.Fatal(err)
		}
		got := e.Next(time.Date(2026, 3, 7, 12, 0, 0, 0, ny))
		if got.Month() != time.March || got.Day() != 8 {
			t.Errorf("cronplan now gives %s", got)
		}
		ours, _ := mustParse(t, "cron(30 2 * * ? *)").Next(time.Date(2026, 3, 7, 12, 0, 0, 0, ny), ny)
		if ours.Day() != 9 {
			t.Errorf("skein gives %s, want 9 March", ours)
		}
	})

	t.Run("wrapping range with a step", func(t *testing.T) {
		// hours 20-2/2 is 20, 22, 0, 2 (ranges wrap, as AWS's example 20-2 shows); cronplan finds none.
		got, err := cronplanNext("0 20-2/2 * * ? *", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), 1)
		if err != nil || len(got) != 0 {
			t.Errorf("cronplan now gives %v, %v", got, err)
		}
		if ours := ourTimes(t, "0 20-2/2 * * ? *", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), 2); fmtMillis(ours) != "[2026-02-01T02:00 Sun, 2026-02-01T20:00 Sun]" {
			t.Errorf("skein: %s", fmtMillis(ours))
		}
	})
}

// BenchmarkCronplanNext measures cronplan on the expressions of BenchmarkNext, for the record in
// TestCronplanGaps.
func BenchmarkCronplanNext(b *testing.B) {
	from := time.Date(2026, 11, 23, 19, 7, 0, 0, time.UTC)
	for _, bc := range benchExprs {
		if bc.cronplan == "" {
			continue
		}
		e, err := cronplan.Parse(bc.cronplan)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				e.Next(from)
			}
		})
	}
}

func BenchmarkCronplanParse(b *testing.B) {
	for b.Loop() {
		if _, err := cronplan.Parse("0/5 8-17 ? * MON-FRI *"); err != nil {
			b.Fatal(err)
		}
	}
}
