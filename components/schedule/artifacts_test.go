package schedule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/plan"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// planned is a stage with schedules of every kind: UTC crons the npm judge can check, a rate
// anchored at its start date, one anchored at the reference, an at(), a New York schedule across
// the spring daylight-saving gap, one cut short by its end date, and one sent unchecked.
func planned(t testing.TB) *plan.Plan {
	t.Helper()
	return run(t, nil, "prod", func(ctx *pulumi.Context, tg *targets) error {
		g, err := NewGroup(ctx, "pipeline", nil)
		if err != nil {
			return err
		}
		for _, s := range []struct {
			name string
			args ScheduleArgs
		}{
			{"daily", ScheduleArgs{Expression: "cron(0 6 * * ? *)"}},
			{"office-hours", ScheduleArgs{Expression: "cron(0/15 9-17 ? * MON-FRI *)"}},
			{"month-end", ScheduleArgs{Expression: "cron(0 12 L * ? *)"}},
			{"third-friday", ScheduleArgs{Expression: "cron(15 10 ? * 6#3 *)"}},
			{"weekdays", ScheduleArgs{Expression: "cron(0 8 ? * 2-6 *)"}},
			{"quarterly", ScheduleArgs{Expression: "cron(30 4 1 JAN,APR,JUL,OCT ? *)"}},
			{"six-hourly", ScheduleArgs{Expression: "rate(6 hours)", StartDate: utc("2026-02-01T03:00:00Z")}},
			{"every-day", ScheduleArgs{Expression: "rate(1 day)"}},
			{"once", ScheduleArgs{Expression: "at(2026-07-04T09:00:00)", TimeZone: "Europe/Paris"}},
			{"new-york", ScheduleArgs{Expression: "cron(30 2 * * ? *)", TimeZone: "America/New_York", StartDate: utc("2026-03-06T12:00:00Z")}},
			{"bounded", ScheduleArgs{Expression: "cron(0 0 * * ? *)", StartDate: utc("2026-05-01T00:00:00Z"), EndDate: utc("2026-05-03T00:00:00Z")}},
			{"unchecked", ScheduleArgs{Expression: "cron(0 8 ? * MON#1,FRI#3 *)", SkipExpressionCheck: true}},
		} {
			a := s.args
			a.Target, a.Group = tg.flow, g
			a.Clock = func() time.Time { return plan.Reference() }
			if _, err := NewSchedule(ctx, s.name, &a); err != nil {
				return err
			}
		}
		return nil
	})
}

func decodePlan(t *testing.T, b []byte) plan.SchedulesFile {
	t.Helper()
	var f plan.SchedulesFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("schedules.json: %v\n%s", err, b)
	}
	return f
}

func TestSchedulesJSON(t *testing.T) {
	b, err := planned(t).MarshalSchedules(plan.Reference())
	if err != nil {
		t.Fatal(err)
	}
	f := decodePlan(t, b)
	if f.Reference != "2026-01-01T00:00:00Z" {
		t.Errorf("reference %s", f.Reference)
	}
	byName := map[string]plan.Schedule{}
	var names []string
	for _, s := range f.Schedules {
		byName[s.Name] = s
		names = append(names, s.Name)
	}
	if !slices.IsSorted(names) || len(names) != 12 {
		t.Errorf("schedules %v, want 12 sorted by name", names)
	}
	for name, want := range map[string][]string{
		// AWS: "When the time shifts forward in Spring, your schedule invocation gets skipped if
		// the cron expression falls on a non-existent date and time": 02:30 on 8 March 2026 does
		// not exist in New York.
		"new-york": {"2026-03-07T02:30:00-05:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00", "2026-03-11T02:30:00-04:00", "2026-03-12T02:30:00-04:00"},
		// rate() starts at its start date.
		"six-hourly": {"2026-02-01T03:00:00Z", "2026-02-01T09:00:00Z", "2026-02-01T15:00:00Z", "2026-02-01T21:00:00Z", "2026-02-02T03:00:00Z"},
		// without one, as if created at the reference.
		"every-day": {"2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"},
		"once":      {"2026-07-04T09:00:00+02:00"},
		// EndDate is exclusive ("the date before which the schedule can invoke its target").
		"bounded":   {"2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z"},
		"unchecked": {},
	} {
		if got := byName[name].Next; !slices.Equal(got, want) {
			t.Errorf("%s next = %v, want %v", name, got, want)
		}
	}
	ny := byName["new-york"]
	if ny.TimeZone != "America/New_York" || ny.State != "ENABLED" || ny.StartDate != "2026-03-06T12:00:00Z" || ny.Expression != "cron(30 2 * * ? *)" || ny.Group == "" {
		t.Errorf("new-york = %+v", ny)
	}
	if byName["unchecked"].Error == "" || byName["daily"].Error != "" {
		t.Errorf("errors: unchecked %q, daily %q", byName["unchecked"].Error, byName["daily"].Error)
	}
	if got := byName["bounded"].EndDate; got != "2026-05-03T00:00:00Z" {
		t.Errorf("bounded endDate %s", got)
	}
}

// TestSchedulesJSONAgainstAWSCronParser lets the npm package aws-cron-parser recompute the fire
// times of every UTC cron schedule in the file.
func TestSchedulesJSONAgainstAWSCronParser(t *testing.T) {
	b, err := planned(t).MarshalSchedules(plan.Reference())
	if err != nil {
		t.Fatal(err)
	}
	// aws-cron-parser knows neither time zones, nor start and end dates, nor rate() and at().
	var judged []plan.Schedule
	var cases []judge.CronCase
	for _, s := range decodePlan(t, b).Schedules {
		fields, isCron := strings.CutPrefix(s.Expression, "cron(")
		if s.Error != "" || s.TimeZone != "UTC" || s.StartDate != "" || s.EndDate != "" || !isCron {
			continue
		}
		judged = append(judged, s)
		cases = append(cases, judge.CronCase{Expr: strings.TrimSuffix(fields, ")"), From: plan.Reference().UnixMilli(), N: len(s.Next)})
	}
	for i, r := range judge.AWSCronParser(t, cases) {
		s := judged[i]
		var want []string
		for _, ms := range r.Times {
			want = append(want, time.UnixMilli(ms).UTC().Format(time.RFC3339))
		}
		if r.Error != "" || len(want) != plan.FireTimes || !slices.Equal(s.Next, want) {
			t.Errorf("%s %s: ours %v, aws-cron-parser %v %s", s.Name, s.Expression, s.Next, want, r.Error)
		}
	}
	if len(judged) != 6 {
		t.Errorf("aws-cron-parser judged %d schedules, want the 6 UTC crons", len(judged))
	}
}

func TestWriteSchedulesDeterministic(t *testing.T) {
	dir := t.TempDir()
	var files [][]byte
	for i := 0; i < 2; i++ {
		if err := planned(t).WriteSchedules(filepath.Join(dir, fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprint(i), "schedules.json"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Errorf("schedules.json differs between runs:\n%s\n%s", files[0], files[1])
	}
	if !bytes.HasSuffix(files[0], []byte("}\n")) || !bytes.Contains(files[0], []byte("\n  \"schedules\": [\n")) {
		t.Errorf("schedules.json is not indented with a trailing newline:\n%s", files[0])
	}
	// An empty plan still writes the file, with no schedules.
	p, err := plan.Run(func(*pulumi.Context) error { return nil }, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.MarshalSchedules(plan.Reference())
	if err != nil || string(b) != "{\n  \"reference\": \"2026-01-01T00:00:00Z\",\n  \"schedules\": []\n}\n" {
		t.Errorf("empty plan: %q, %v", b, err)
	}
}
