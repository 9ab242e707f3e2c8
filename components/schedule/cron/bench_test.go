package cron

import (
	"testing"
	"time"
)

var benchExprs = []struct {
	name, expr, zone string
	cronplan         string // the same cron fields for BenchmarkCronplanNext, or ""
}{
	{"daily", "cron(0 10 * * ? *)", "UTC", "0 10 * * ? *"},
	{"weekdays-every-5-min", "cron(0/5 8-17 ? * MON-FRI *)", "UTC", "0/5 8-17 ? * MON-FRI *"},
	{"every-minute", "cron(* * * * ? *)", "UTC", "* * * * ? *"},
	{"fifth-friday", "cron(0 0 ? * 6#5 *)", "UTC", "0 0 ? * 6#5 *"},
	{"leap-day-2196", "cron(0 0 29 2 ? 2196)", "UTC", "0 0 29 2 ? 2196"},
	{"leap-day-every-year", "cron(0 0 29 2 ? *)", "UTC", "0 0 29 2 ? *"},
	{"fifth-sunday-in-february", "cron(0 0 ? 2 1#5 *)", "UTC", "0 0 ? 2 1#5 *"},
	{"never-30-february", "cron(0 0 30 2 ? *)", "UTC", ""}, // cronplan scans to 2199 as well; skipped to keep the run short
	{"never-31st-of-short-months", "cron(59 23 31 2,4,6,9,11 ? *)", "UTC", ""},
	{"last-weekday", "cron(0 8 LW * ? *)", "UTC", "0 8 LW * ? *"},
	{"new-york-daily", "cron(30 2 * * ? *)", "America/New_York", ""},
	{"lord-howe-every-minute", "cron(* * * * ? *)", "Australia/Lord_Howe", ""},
	{"rate", "rate(5 minutes)", "UTC", ""},
	{"at", "at(2030-01-01T00:00:00)", "Europe/Berlin", ""},
	// Sparsest of all: a wall-clock time inside the spring gap every year, so Next looks at
	// every year up to 2199 and finds nothing; offsets after 2037 come from the zone table.
	{"new-york-always-in-gap", "cron(30 2 ? 3 1#2 *)", "America/New_York", ""},
	{"new-york-gap-every-minute", "cron(* 2 ? 3 1#2 *)", "America/New_York", ""},
	{"berlin-always-in-gap", "cron(30 2 ? 3 1L *)", "Europe/Berlin", ""},
	{"lord-howe-always-in-gap", "cron(* 2 ? 10 1#1 *)", "Australia/Lord_Howe", ""},
	{"new-york-leap-day-2196", "cron(0 0 29 2 ? 2196)", "America/New_York", ""},
}

// BenchmarkNext measures one Next call per expression. The target is under 50 µs for any accepted
// expression, however sparse: Next moves field by field and never scans minute by minute.
func BenchmarkNext(b *testing.B) {
	from := time.Date(2026, 11, 23, 19, 7, 0, 0, time.UTC)
	for _, bc := range benchExprs {
		e := mustParse(b, bc.expr)
		loc := mustLoc(b, bc.zone)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				e.Next(from, loc)
			}
		})
	}
	// The worst start for a daylight-saving zone: just before the spring-forward gap, with a
	// schedule whose every minute in the gap must be skipped.
	ny := mustLoc(b, "America/New_York")
	gap := mustParse(b, "cron(* 2 * * ? *)")
	before := time.Date(2026, 3, 8, 1, 59, 30, 0, ny)
	b.Run("new-york-spring-gap", func(b *testing.B) {
		for b.Loop() {
			gap.Next(before, ny)
		}
	})
	repeated := mustParse(b, "cron(* 1 * * ? *)")
	second := time.Date(2026, 11, 1, 6, 0, 30, 0, time.UTC) // 01:00:30 EST, the repeated hour's second pass
	b.Run("new-york-fall-back-repeat", func(b *testing.B) {
		for b.Loop() {
			repeated.Next(second, ny)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for _, s := range []string{
		"cron(0 10 * * ? *)",
		"cron(0/5 8-17 ? * MON-FRI *)",
		"cron(5,20-40/10 0-23/2 1-15,20-25/2 JAN-MAR,OCT-DEC ? 2026-2030,2040/5)",
		"cron(15 10 ? * 6L 2019-2022)",
		"rate(5 minutes)",
		"at(2030-01-01T00:00:00)",
	} {
		b.Run(s, func(b *testing.B) {
			for b.Loop() {
				if _, err := Parse(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkZoneTable measures the one-time cost of a location's offset table (zonetable.go),
// paid by the first Next in that location.
func BenchmarkZoneTable(b *testing.B) {
	for _, name := range []string{"America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"} {
		loc := mustLoc(b, name)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				buildZone(loc)
			}
		})
	}
}
