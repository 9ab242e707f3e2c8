// Package cron parses and evaluates EventBridge Scheduler schedule expressions, cron(), rate()
// and at(), the way AWS does, so that a bad expression fails when the Pulumi program runs, not at
// deploy time, and so that the plan can show when a schedule will fire.
//
//	e, err := cron.Parse("cron(0/5 8-17 ? * MON-FRI *)") // every *cron.Error, joined
//	loc, err := cron.LoadLocation("Europe/Berlin")        // IANA names, embedded database
//	t, ok := e.Next(time.Now(), loc)                      // first fire strictly after now
//
// Other tools bind to Parse, (*Expression).Next, String, Kind, NextFrom, Interval, LoadLocation
// and the *Error type; keep them stable.
//
// # Syntax
//
// As AWS documents it ([EventBridge cron and rate expressions], [Scheduler schedule types]):
// cron(minutes hours day-of-month month day-of-week year) with 1 = Sunday, exactly one of
// day-of-month and day-of-week set to ?, the wildcards , - * / ? L W #; rate(value unit) with
// the singular unit for 1 and the plural above; at(yyyy-mm-ddThh:mm:ss) in the schedule's
// time zone; 1 to 256 characters. Where AWS is silent, the rules are Quartz's, and the package
// picks the stricter reading: a rejected expression costs one edit, an accepted one that AWS
// rejects a failed deployment. The design notes list every rule.
//
// # Defaults
//
//   - Next with a nil location evaluates in UTC, as Scheduler does without
//     ScheduleExpressionTimezone.
//   - rate() is anchored at Next's argument (Next(t) is t plus the interval); NextFrom anchors it
//     at the schedule's StartDate. The interval is elapsed time: rate(1 day) is always 24 hours.
//   - cron() fires at second 0 of each selected minute, at() at its exact second.
//
// # Daylight saving time
//
// As AWS documents for Scheduler: a wall-clock time that does not exist when clocks move forward
// does not fire that day, and one that occurs twice when they move back fires once, at its first
// occurrence. at() follows the same rule.
//
// # Time zones
//
// LoadLocation accepts an IANA name, case-sensitive, at most 50 characters, not empty and not
// "Local". The package imports time/tzdata, so it works on machines without a zone database.
//
// # Escape hatches
//
// Errors are *Error values with Field, Rule and Value, joined with errors.Join; classify them
// with errors.As, never by message. If AWS accepts an expression this package rejects, the
// schedule component can send it unchecked; please report the case with AWS's answer.
//
// Every rule, the daylight-saving cases and how the package is checked:
// https://github.com/skeinhq/skein/blob/main/docs/design/cron.md.
//
// [EventBridge cron and rate expressions]: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
// [Scheduler schedule types]: https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
package cron
