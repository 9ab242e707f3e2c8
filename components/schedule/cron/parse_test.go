package cron

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Sources of the rows below:
//
//	[eb]   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
//	       (fields, wildcards, limitations, the table of examples, rate() rules)
//	[sch]  https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
//	       (cron-based, rate-based and one-time schedules, time zones, daylight saving time)
//	[api]  https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
//	       (ScheduleExpression: at(yyyy-mm-ddThh:mm:ss), rate(value unit), cron(fields); 1-256 characters)
//	[quartz] http://www.quartz-scheduler.org/documentation/quartz-2.3.0/tutorials/crontrigger.html
//	       (the dialect AWS's cron follows where the AWS pages are silent: L-n, LW, L alone = SAT)

// TestParseAWSExamples parses every example the AWS documentation gives and checks the first fire
// times against the meaning the documentation states.
func TestParseAWSExamples(t *testing.T) {
	from := time.Date(2026, 11, 23, 19, 7, 0, 0, time.UTC) // a Monday
	tests := []struct {
		expr    string
		meaning string // the documentation's words
		want    []string
	}{
		{"cron(0 10 * * ? *)", "[eb] Run at 10:00 am (UTC+0) every day",
			[]string{"2026-11-24T10:00:00Z", "2026-11-25T10:00:00Z", "2026-11-26T10:00:00Z"}},
		{"cron(15 12 * * ? *)", "[eb] Run at 12:15 pm (UTC+0) every day",
			[]string{"2026-11-24T12:15:00Z", "2026-11-25T12:15:00Z", "2026-11-26T12:15:00Z"}},
		{"cron(0 18 ? * MON-FRI *)", "[eb] Run at 6:00 pm (UTC+0) every Monday through Friday",
			[]string{"2026-11-24T18:00:00Z", "2026-11-25T18:00:00Z", "2026-11-26T18:00:00Z", "2026-11-27T18:00:00Z", "2026-11-30T18:00:00Z"}},
		{"cron(0 8 1 * ? *)", "[eb] Run at 8:00 am (UTC+0) every 1st day of the month",
			[]string{"2026-12-01T08:00:00Z", "2027-01-01T08:00:00Z", "2027-02-01T08:00:00Z"}},
		{"cron(0/15 * * * ? *)", "[eb] Run every 15 minutes",
			[]string{"2026-11-23T19:15:00Z", "2026-11-23T19:30:00Z", "2026-11-23T19:45:00Z", "2026-11-23T20:00:00Z"}},
		{"cron(0/10 * ? * MON-FRI *)", "[eb] Run every 10 minutes Monday through Friday",
			[]string{"2026-11-23T19:10:00Z", "2026-11-23T19:20:00Z", "2026-11-23T19:30:00Z"}},
		{"cron(0/5 8-17 ? * MON-FRI *)", "[eb] Run every 5 minutes Monday through Friday between 8:00 am and 5:55 pm (UTC+0)",
			[]string{"2026-11-24T08:00:00Z", "2026-11-24T08:05:00Z", "2026-11-24T08:10:00Z"}},
		// The documentation says "between 10:00 pm on the starting day to 2:00 am on the following
		// day", but hours 20-2 is 8:00 pm to 2:59 am, and each field is matched on its own: the
		// wrapped hours 0-2 fire on Monday to Friday, not on the day after.
		{"cron(0/30 20-2 ? * MON-FRI *)", "[eb] Run every 30 minutes Monday through Friday between 10:00 pm on the starting day to 2:00 am on the following day (UTC)",
			[]string{"2026-11-23T20:00:00Z", "2026-11-23T20:30:00Z", "2026-11-23T21:00:00Z", "2026-11-23T21:30:00Z", "2026-11-23T22:00:00Z", "2026-11-23T22:30:00Z", "2026-11-23T23:00:00Z", "2026-11-23T23:30:00Z", "2026-11-24T00:00:00Z", "2026-11-24T00:30:00Z", "2026-11-24T01:00:00Z", "2026-11-24T01:30:00Z", "2026-11-24T02:00:00Z", "2026-11-24T02:30:00Z", "2026-11-24T20:00:00Z"}},
		{"cron(0 12 * * ? *)", "[eb] runs every day at 12:00pm UTC+0",
			[]string{"2026-11-24T12:00:00Z"}},
		{"cron(5,35 14 * * ? *)", "[eb] runs every day, at 2:05pm and 2:35pm UTC+0",
			[]string{"2026-11-24T14:05:00Z", "2026-11-24T14:35:00Z", "2026-11-25T14:05:00Z"}},
		{"cron(15 10 ? * 6L 2019-2022)", "[eb] runs at 10:15am UTC+0 on the last Friday of each month during the years 2019 to 2022",
			nil}, // all in the past
		{"cron(0 9 ? * 2#1 *)", "[quartz]/[eb] 9:00 on the first Monday of the month",
			[]string{"2026-12-07T09:00:00Z", "2027-01-04T09:00:00Z", "2027-02-01T09:00:00Z"}},
		{"cron(0 9 ? * 3#2 *)", "[eb] \"3#2 would be the second Tuesday of the month\"",
			[]string{"2026-12-08T09:00:00Z", "2027-01-12T09:00:00Z"}},
		{"cron(0 9 3W * ? *)", "[eb] \"3W specifies the weekday closest to the third day of the month\"",
			[]string{"2026-12-03T09:00:00Z", "2027-01-04T09:00:00Z", "2027-02-03T09:00:00Z"}}, // 3 Jan 2027 is a Sunday
		{"cron(0 9 L * ? *)", "[eb] L in day-of-month: the last day of the month",
			[]string{"2026-11-30T09:00:00Z", "2026-12-31T09:00:00Z", "2027-01-31T09:00:00Z", "2027-02-28T09:00:00Z"}},
		{"cron(0 9 ? * L *)", "[eb] L in day-of-week: the last day of the week, Saturday",
			[]string{"2026-11-28T09:00:00Z", "2026-12-05T09:00:00Z"}},
		{"cron(0 9 ? JAN,FEB,MAR MON *)", "[eb] \"In the Month field, JAN,FEB,MAR includes January, February, and March\"",
			[]string{"2027-01-04T09:00:00Z", "2027-01-11T09:00:00Z"}},
		{"cron(0 9 1-15 * ? *)", "[eb] \"In the Day field, 1-15 includes days 1 through 15\"",
			[]string{"2026-12-01T09:00:00Z", "2026-12-02T09:00:00Z"}},
		{"cron(1/10 * * * ? *)", "[eb] \"1/10 to specify every tenth minute, starting from the first minute of the hour (for example, the 11th, 21st, and 31st minute)\"",
			[]string{"2026-11-23T19:11:00Z", "2026-11-23T19:21:00Z", "2026-11-23T19:31:00Z", "2026-11-23T19:41:00Z", "2026-11-23T19:51:00Z", "2026-11-23T20:01:00Z"}},
		{"cron(0 7 7 * ? *)", "[eb] \"In the Day-of-month field you could enter 7 and if any day of the week was acceptable, you could enter ? in the Day-of-week field\"",
			[]string{"2026-12-07T07:00:00Z", "2027-01-07T07:00:00Z"}},
		{"cron(0 8 L-2 * ? *)", "[quartz] L-2: two days before the last day of the month",
			[]string{"2026-11-28T08:00:00Z", "2026-12-29T08:00:00Z", "2027-01-29T08:00:00Z", "2027-02-26T08:00:00Z"}},
		{"cron(0 8 LW * ? *)", "[quartz] LW: the last weekday of the month",
			[]string{"2026-11-30T08:00:00Z", "2026-12-31T08:00:00Z", "2027-01-29T08:00:00Z"}},
		{"rate(1 minute)", "[eb] triggers the rule every minute", []string{"2026-11-23T19:08:00Z", "2026-11-23T19:09:00Z"}},
		{"rate(5 minutes)", "[eb] every five minutes", []string{"2026-11-23T19:12:00Z", "2026-11-23T19:17:00Z"}},
		{"rate(1 hour)", "[eb] once an hour", []string{"2026-11-23T20:07:00Z", "2026-11-23T21:07:00Z"}},
		{"rate(1 day)", "[eb] once per day", []string{"2026-11-24T19:07:00Z", "2026-11-25T19:07:00Z"}},
		{"rate(15 minutes)", "[sch] every 15 minutes", []string{"2026-11-23T19:22:00Z"}},
		{"at(2027-02-15T09:30:00)", "[sch] one-time schedule", []string{"2027-02-15T09:30:00Z"}},
		{"at(2022-11-20T13:00:00)", "[api] an at() in the past never fires", nil},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse: %v (the documentation says: %s)", err, tt.meaning)
			}
			at := from
			for i, w := range tt.want {
				got, ok := e.Next(at, time.UTC)
				if !ok || got.Format(time.RFC3339) != w {
					t.Fatalf("fire %d = %v (%v), want %s; %s", i+1, got.Format(time.RFC3339), ok, w, tt.meaning)
				}
				at = got
			}
			if len(tt.want) == 0 {
				if got, ok := e.Next(at, time.UTC); ok {
					t.Fatalf("Next = %s, want none; %s", got.Format(time.RFC3339), tt.meaning)
				}
			}
		})
	}
}

// TestParseValid checks expressions AWS accepts, and their canonical form.
func TestParseValid(t *testing.T) {
	tests := []struct{ expr, canonical string }{
		{"cron(0 10 * * ? *)", "cron(0 10 * * ? *)"},
		{"cron(0 18 ? * mon-fri *)", "cron(0 18 ? * MON-FRI *)"},     // names in any case
		{"cron(0 18 ? * Mon-Fri *)", "cron(0 18 ? * MON-FRI *)"},     // names in any case
		{"cron(00 08 01 * ? *)", "cron(0 8 1 * ? *)"},                // leading zeros
		{"cron(*/5 * * * ? *)", "cron(*/5 * * * ? *)"},               // */n
		{"cron(5,20-40/10 7 * * ? *)", "cron(5,20-40/10 7 * * ? *)"}, // steps in lists
		{"cron(0 22-2 ? * FRI-MON *)", "cron(0 22-2 ? * FRI-MON *)"}, // wrapping ranges
		{"cron(0 0 ? nov-feb 1 *)", "cron(0 0 ? NOV-FEB 1 *)"},       // wrapping month names
		{"cron(0 0 ? JAN/3 2 *)", "cron(0 0 ? JAN/3 2 *)"},           // step from a name
		{"cron(0 0 25-5 * ? *)", "cron(0 0 25-5 * ? *)"},             // wrapping days
		{"cron(0 0 ? * fril *)", "cron(0 0 ? * FRIL *)"},             // nL with a name
		{"cron(0 0 ? * 6L *)", "cron(0 0 ? * 6L *)"},                 // [eb] example
		{"cron(0 0 ? * fri#3 *)", "cron(0 0 ? * FRI#3 *)"},           // n#k with a name
		{"cron(0 0 ? * 1#5 *)", "cron(0 0 ? * 1#5 *)"},               // fifth Sunday
		{"cron(0 0 ? * l *)", "cron(0 0 ? * L *)"},                   // L alone
		{"cron(0 0 lw * ? *)", "cron(0 0 LW * ? *)"},                 // LW
		{"cron(0 0 l-30 * ? *)", "cron(0 0 L-30 * ? *)"},             // L-n
		{"cron(0 0 31w * ? *)", "cron(0 0 31W * ? *)"},               // nW
		{"cron(0 0 1 1 ? 1970)", "cron(0 0 1 1 ? 1970)"},             // first year
		{"cron(0 0 1 1 ? 2199)", "cron(0 0 1 1 ? 2199)"},             // last year
		{"cron(0 0 1 1 ? 2020-2030/2,2050)", "cron(0 0 1 1 ? 2020-2030/2,2050)"},
		{"cron(59 23 31 12 ? *)", "cron(59 23 31 12 ? *)"},
		{"cron(0/60 0/24 1/31 1/12 ? 1970/230)", "cron(0/60 0/24 1/31 1/12 ? 1970/230)"}, // largest increments
		{"cron(0 0 * * ? *)", "cron(0 0 * * ? *)"},
		{"cron(0 0 ? * * *)", "cron(0 0 ? * * *)"},
		{"rate(1 minute)", "rate(1 minute)"},
		{"rate(2 hours)", "rate(2 hours)"},
		{"rate(106751 days)", "rate(106751 days)"},
		{"at(2026-03-08T02:30:00)", "at(2026-03-08T02:30:00)"},
		{"at(2028-02-29T23:59:59)", "at(2028-02-29T23:59:59)"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := e.String(); got != tt.canonical {
				t.Errorf("String() = %q, want %q", got, tt.canonical)
			}
			again, err := Parse(e.String())
			if err != nil || again.String() != e.String() {
				t.Errorf("re-parse of %q: %v, %v", e.String(), again, err)
			}
		})
	}
}

// TestParseInvalid checks that what AWS rejects is rejected, with the field and the rule.
func TestParseInvalid(t *testing.T) {
	tests := []struct {
		expr  string
		field string // of the first error
		rule  string // a fragment of its rule
	}{
		// [eb] Limitations: one of day-of-month and day-of-week must be ?
		{"cron(* * * * * *)", "day-of-month", "cannot both be set; put ? in one of them"},
		{"cron(0 10 1 * MON *)", "day-of-month", "cannot both be set; put ? in one of them"},
		{"cron(0 10 ? * ? *)", "day-of-month", "cannot both be ?"},
		// [eb] six required fields
		{"cron(0 10 * * ?)", "expression", "six fields"},
		{"cron(0 0 10 * * ? *)", "expression", "six fields"},
		{"cron(0  10 * * ? *)", "expression", "single spaces"},
		{"cron( 0 10 * * ? *)", "expression", "single spaces"},
		{"cron()", "expression", "six fields"},
		// [eb] values
		{"cron(60 10 * * ? *)", "minutes", "0-59"},
		{"cron(0 24 * * ? *)", "hours", "0-23"},
		{"cron(0 0 0 * ? *)", "day-of-month", "1-31"},
		{"cron(0 0 32 * ? *)", "day-of-month", "1-31"},
		{"cron(0 0 1 13 ? *)", "month", "1-12 or JAN-DEC"},
		{"cron(0 0 1 JANUARY ? *)", "month", "1-12 or JAN-DEC"},
		{"cron(0 0 ? * 0 *)", "day-of-week", "1-7 or SUN-SAT"}, // 0 is not Sunday here: 1 is
		{"cron(0 0 ? * 8 *)", "day-of-week", "1-7 or SUN-SAT"},
		{"cron(0 0 1 1 ? 1969)", "year", "1970-2199"},
		{"cron(0 0 1 1 ? 2200)", "year", "1970-2199"},
		{"cron(-1 0 1 1 ? *)", "minutes", "0-59"},
		{"cron(0 0 ? * MON-5 *)", "day-of-week", "both ends of a range"},
		// [eb] wildcards per field
		{"cron(0 0 ? * MON/2 *)", "day-of-week", "/ is not allowed"},
		{"cron(0 0 1W,15 * ? *)", "day-of-month", "stand alone"},
		{"cron(0 0 L,15 * ? *)", "day-of-month", "stand alone"},
		{"cron(0 0 1-5W * ? *)", "day-of-month", "single day"},
		{"cron(0 0 3#2 * ? *)", "day-of-month", "# is allowed only in day-of-week"},
		{"cron(0 0 ? * 3W *)", "day-of-week", "W is allowed only in day-of-month"},
		{"cron(0 0 ? * 3#1,6#3 *)", "day-of-week", "only one n#k"}, // [eb] note on #
		{"cron(0 0 ? * 3#6 *)", "day-of-week", "k 1-5"},
		{"cron(0 0 ? * 8#1 *)", "day-of-week", "1-7 or SUN-SAT"},
		{"cron(0 0 ? * 2-6L *)", "day-of-week", "single day"},
		{"cron(L 0 1 * ? *)", "minutes", "0-59"},
		{"cron(0 ? 1 * ? *)", "hours", "? is allowed only"},
		{"cron(0 0 L-31 * ? *)", "day-of-month", "1-30"},
		{"cron(0 0 L-0 * ? *)", "day-of-month", "1-30"},
		{"cron(0 0 32W * ? *)", "day-of-month", "1-31"},
		{"cron(0/0 0 1 * ? *)", "minutes", "1-60"},
		{"cron(0/61 0 1 * ? *)", "minutes", "1-60"},
		{"cron(0 0 1 1 ? 2030-2020)", "year", "upwards"},
		{"cron(*,5 0 1 * ? *)", "minutes", "cannot be part of a list"},
		{"cron(1,,2 0 1 * ? *)", "minutes", "empty element"},
		{"cron(0 0 1 * ? */)", "year", "increment"},
		// the wrapper
		{"CRON(0 10 * * ? *)", "expression", "lower case"},
		{"cron(0 10 * * ? *", "expression", "must be cron("},
		{"0 10 * * ? *", "expression", "must be cron("},
		{"", "expression", "length must be 1-256"},
		{"cron(0 0 ? * \u017fun *)", "expression", "ASCII"}, // long s folds to S in Unicode
		{"cron(0\t10 * * ? *)", "expression", "ASCII"},
		{"cron(" + strings.Repeat("1,", 130) + "1 0 1 * ? *)", "expression", "length must be 1-256"},
		// [eb] rate(): "If the value is equal to 1, then the unit must be singular. If the value is
		// greater than 1, the unit must be plural. For example, rate(1 hours) and rate(5 hour)
		// aren't valid"
		{"rate(1 hours)", "rate unit", "singular"},
		{"rate(5 hour)", "rate unit", "plural"},
		{"rate(1 minutes)", "rate unit", "singular"},
		{"rate(5 minute)", "rate unit", "plural"},
		{"rate(0 minutes)", "rate value", "positive"},
		{"rate(-5 minutes)", "rate value", "positive"},
		{"rate(05 minutes)", "rate value", "leading zeros"},
		{"rate(1.5 hours)", "rate value", "whole number"},
		{"rate(5 seconds)", "rate unit", "minute, minutes, hour, hours, day or days"},
		{"rate(2 weeks)", "rate unit", "minute"},
		{"rate(5 Minutes)", "rate unit", "minute"},
		{"rate(5minutes)", "expression", "one space"},
		{"rate(5  minutes)", "rate unit", "minute"},
		{"rate(106752 days)", "rate value", "1-106751"},
		// [api] at(yyyy-mm-ddThh:mm:ss)
		{"at(2026-03-08 02:30:00)", "at", "yyyy-mm-ddThh:mm:ss"},
		{"at(2026-03-08T02:30)", "at", "yyyy-mm-ddThh:mm:ss"},
		{"at(2026-03-08T02:30:00Z)", "at", "yyyy-mm-ddThh:mm:ss"},
		{"at(2026-3-8T02:30:00)", "at", "yyyy-mm-ddThh:mm:ss"},
		{"at(2026-02-29T00:00:00)", "at", "day must be 1-28"},
		{"at(2026-13-01T00:00:00)", "at", "month must be 1-12"},
		{"at(2026-01-01T24:00:00)", "at", "hour must be 0-23"},
		{"at(2026-01-01T00:60:00)", "at", "minute must be 0-59"},
		{"at(2026-01-01T00:00:60)", "at", "second must be 0-59"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Parse(tt.expr)
			if err == nil {
				t.Fatalf("Parse = %v, want an error about %s", e, tt.field)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *cron.Error", err)
			}
			if pe.Field != tt.field || !strings.Contains(pe.Rule, tt.rule) {
				t.Errorf("first error = {Field: %q, Rule: %q}, want field %q and a rule containing %q", pe.Field, pe.Rule, tt.field, tt.rule)
			}
			if !strings.Contains(err.Error(), pe.Field) {
				t.Errorf("message %q does not name the field", err.Error())
			}
		})
	}
}

// TestParseReportsEveryProblem: all problems at once, each naming its field.
func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse("cron(75 25 0 13 8 1969)")
	if err == nil {
		t.Fatal("want errors")
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %T does not join several errors", err)
	}
	var fields []string
	for _, e := range joined.Unwrap() {
		var pe *Error
		if !errors.As(e, &pe) {
			t.Fatalf("%v is not a *cron.Error", e)
		}
		fields = append(fields, pe.Field+"="+pe.Value)
	}
	want := "minutes=75 hours=25 day-of-month=0 month=13 day-of-week=8 year=1969"
	if got := strings.Join(fields, " "); got != want {
		t.Errorf("fields = %s, want %s", got, want)
	}

	_, err = Parse("rate(0 minute)")
	if err == nil || !strings.Contains(err.Error(), "rate value") {
		t.Errorf("rate(0 minute): %v", err)
	}
	_, err = Parse("at(2026-02-30T25:00:00)")
	if err == nil || !strings.Contains(err.Error(), "day must be 1-28") || !strings.Contains(err.Error(), "hour must be 0-23") {
		t.Errorf("at(2026-02-30T25:00:00): %v", err)
	}
}

func TestKindAndInterval(t *testing.T) {
	tests := []struct {
		expr     string
		kind     Kind
		interval time.Duration
	}{
		{"cron(0 10 * * ? *)", KindCron, 0},
		{"rate(90 minutes)", KindRate, 90 * time.Minute},
		{"rate(1 hour)", KindRate, time.Hour},
		{"rate(7 days)", KindRate, 7 * 24 * time.Hour},
		{"at(2027-01-01T00:00:00)", KindAt, 0},
	}
	for _, tt := range tests {
		e, err := Parse(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		if e.Kind() != tt.kind || e.Kind().String() != strings.SplitN(tt.expr, "(", 2)[0] {
			t.Errorf("%s: Kind = %v", tt.expr, e.Kind())
		}
		d, ok := e.Interval()
		if d != tt.interval || ok != (tt.kind == KindRate) {
			t.Errorf("%s: Interval = %v, %v", tt.expr, d, ok)
		}
	}
	if got := Kind(0).String(); got != "Kind(0)" {
		t.Errorf("Kind(0) = %q", got)
	}
}

func TestLoadLocation(t *testing.T) {
	for _, name := range []string{"UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "Etc/GMT+5"} {
		loc, err := LoadLocation(name)
		if err != nil || loc.String() != name {
			t.Errorf("LoadLocation(%q) = %v, %v", name, loc, err)
		}
	}
	for _, name := range []string{"", "Local", "america/new_york", "Mars/Olympus_Mons", "../etc/passwd", "/usr/share/zoneinfo/UTC", "Europe/London ", strings.Repeat("A", 51)} {
		loc, err := LoadLocation(name)
		var pe *Error
		if err == nil || !errors.As(err, &pe) || pe.Field != "time zone" {
			t.Errorf("LoadLocation(%q) = %v, %v; want a time zone error", name, loc, err)
		}
	}
}
