// Package cron parses and evaluates EventBridge Scheduler schedule expressions, cron(), rate()
// and at(), the way AWS does, so that a bad expression fails when the Pulumi program runs, not at
// deploy time, and so that the plan can show when a schedule will fire.
//
//	e, err := cron.Parse("cron(0/5 8-17 ? * MON-FRI *)")   // every *cron.Error, joined
//	loc, err := cron.LoadLocation("Europe/Berlin")          // IANA names, embedded database
//	t, ok := e.Next(time.Now(), loc)                         // first fire strictly after now
//
// Other tools bind to Parse, (*Expression).Next, String, Kind, NextFrom, Interval, LoadLocation
// and the *Error type; keep them stable.
//
// # Syntax
//
// From the AWS documentation ([EventBridge cron and rate expressions], [Scheduler schedule
// types], [CreateSchedule]):
//
//   - cron(minutes hours day-of-month month day-of-week year), six fields separated by single
//     spaces. minutes 0-59, hours 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week
//     1-7 or SUN-SAT with 1 = Sunday, year 1970-2199.
//   - Wildcards: , - * / in every field but day-of-week, which takes , - * ? L #; ? in
//     day-of-month and day-of-week only; L and W in day-of-month; L and # in day-of-week.
//   - Exactly one of day-of-month and day-of-week is ?: "day-of-month and day-of-week cannot
//     both be set; put ? in one of them".
//   - One # expression at most in day-of-week ("3#1,6#3" is not valid).
//   - rate(value unit): a positive whole number and minute, minutes, hour, hours, day or days;
//     1 takes the singular unit, larger values the plural (rate(1 hours) and rate(5 hour) are
//     rejected).
//   - at(yyyy-mm-ddThh:mm:ss), a wall-clock time in the schedule's time zone.
//   - The whole expression is 1 to 256 characters.
//
// Where the AWS pages are silent, the rules are Quartz's, whose dialect AWS's cron is (1 =
// Sunday, ?, L, W, #, a year field), and skein picks the stricter reading when in doubt, because
// a rejected expression costs the user one edit while an accepted one that AWS rejects costs a
// failed deployment:
//
//   - L-n in day-of-month (n 1-30): n days before the last day. LW: the last weekday (Monday to
//     Friday) of the month. L alone in day-of-week: 7, Saturday. nL: the last weekday n.
//   - L, L-n, LW, nW, nL and n#k stand alone; they are not combined with lists, ranges or steps.
//   - nW never leaves the month: 1W on a Saturday is Monday the 3rd, and a last day on a Sunday
//     moves back to Friday. When the month has no day n (31W in April), nothing fires that
//     month, as for a plain 31; aws-cron-parser and cronplan pick a day instead, and differ
//     between themselves, so skein does not guess.
//   - Ranges may wrap around (hours 20-2, FRI-MON, NOV-FEB, days 25-5), as AWS's own example
//     cron(0/30 20-2 ? * MON-FRI *) needs; year ranges may not. Each field is matched on its own,
//     so that example fires 00:00-02:30 on Monday to Friday, not on the morning after Friday,
//     whatever the example's prose suggests.
//   - A step is 1 to the field's size (minutes 1-60, hours 1-24, days 1-31, months 1-12, years
//     1-230); a/n runs from a to the field's maximum; */n starts at the field's minimum.
//   - Both ends of a range are numbers or both are names. Names are case-insensitive; numbers
//     may have leading zeros (not in rate()). The canonical String() form uses upper-case names
//     and no leading zeros.
//   - rate() values are bounded only so that the interval fits in a time.Duration (106,751
//     days); at() years are 1970-2199 like cron's.
//
// # Defaults
//
//   - Next with a nil location evaluates in UTC, as EventBridge Scheduler does when
//     ScheduleExpressionTimezone is not set.
//   - rate() has no anchor of its own (AWS starts it at the schedule's StartDate, or when the
//     schedule is created), so Next anchors it at its argument: Next(t) is t plus the interval.
//     NextFrom(start, after, loc) anchors it at start, the StartDate. The interval is elapsed
//     time: rate(1 day) is always 24 hours, across daylight-saving changes too, as AWS documents.
//   - cron() fires at second 0 of each selected minute; at() at its exact second. AWS invokes
//     the target within the following 60 seconds (and later with a flexible time window).
//
// # Daylight saving time
//
// AWS documents for EventBridge Scheduler ([Scheduler schedule types], daylight saving time;
// [re:Post knowledge center]): "When the time shifts forward in Spring, your schedule invocation
// gets skipped if the cron expression falls on a non-existent date and time. When the time
// shifts back in the Fall, your schedule runs only once and doesn't repeat its invocation."
// Next does exactly that: a wall-clock time in the gap does not fire that day (cron(30 2 * * ? *)
// in New York skips 8 March 2026), and a wall-clock time in the repeated hour fires once, at its
// first occurrence (daylight time); a half-hourly schedule does not fire again during the
// repeated hour. at() follows the same rule, so an at() inside a gap never fires (AWS documents
// nothing for this case). TestNextDaylightSaving shows each case, also for Lord Howe Island's
// 30-minute change.
//
// # Time zones
//
// LoadLocation checks a ScheduleExpressionTimezone: an IANA name, case-sensitive, at most 50
// characters, not empty and not "Local" (both of which Go's time.LoadLocation would accept). The
// package imports time/tzdata, so the database is embedded and the check works on machines
// without one; where the machine has its own database, Go prefers it.
//
// # Escape hatches
//
// Errors are *Error values with Field, Rule and Value, joined with errors.Join; classify them
// with errors.As, never by message. String gives the canonical expression to send to AWS, Kind
// the schedule type, Interval a rate's period. If AWS accepts an expression this package
// rejects, the stricter reading above is the cause: the schedule component is where a raw
// expression can bypass the check; please report the case with the AWS answer.
//
// # Why not a wrapper around cronplan
//
// ENVIRONMENT.md lists github.com/winebarrel/cronplan v1.10.5. It agrees with skein on 1,000
// generated expressions in UTC (TestCronplanAgreesInUTC), but measured gaps rule out wrapping it
// (TestCronplanGaps): it panics on valid input (days 30-31 in February); it accepts what AWS
// documents as invalid ("3#1,6#3", / in day-of-week); its Next includes the given minute; it
// fires at skipped wall-clock times (02:30 on 8 March 2026 in New York becomes 01:30 EST); it
// finds nothing for a wrapping range with a step (20-2/2); it has no rate() or at(); and it is
// about a hundred times slower (one run of BenchmarkCronplanNext on the 2-core build machine:
// 7-34 µs per Next and 74 µs per Parse, against 0.06-0.23 µs and 1.6-3.7 µs here in the same
// run; absolute figures vary with the machine's load).
//
// # How this package is checked
//
//   - TestDifferentialAWSCronParser: 1,199 expressions generated from a fixed seed, five fire
//     times each (5,599), against the npm package aws-cron-parser run by Node 22: no mismatch.
//     TestAWSCronParserKnownDivergences lists the six constructions where aws-cron-parser is
//     wrong (day 31 rolls over into the next month, steps inside lists, lists out of order,
//     wrapping ranges, LW, L alone in day-of-week), each with the AWS text that decides it.
//   - TestCronplanAgreesInUTC: the same generator against cronplan.
//   - TestNextMatchesNaive: 150 expressions in four time zones around daylight-saving changes
//     against a naive minute-by-minute definition (about 35,000 fire times).
//   - TestParseAWSExamples, TestParseValid, TestParseInvalid: the documentation's examples and
//     rules, valid and invalid.
//   - FuzzParse: no panics; the canonical form re-parses to the same schedule.
//   - BenchmarkNext: Next never scans minute by minute; it moves from the year down, field by
//     field, so a sparse schedule such as cron(0 0 29 2 ? 2196) or cron(0 0 ? * 6#5 *) costs
//     well under 1 µs, and one that can never fire (cron(0 0 30 2 ? *)) is answered at parse
//     time. A daylight-saving gap, or a repeated hour whose first pass is over, is skipped in
//     one step. The sparsest case is a time inside the spring gap every year
//     (cron(30 2 ? 3 1#2 *) in New York never fires): Next reads offsets from a per-location
//     table (zonetable.go; time.Location would re-parse the zone's TZ rule for every offset
//     after 2037, which cost milliseconds per Next), and from 2038, where zones follow a yearly
//     rule, skips the years whose calendar (weekday of 1 January, leap year) it has already
//     scanned without a fire, so it answers in about 20 µs on the loaded 2-core build machine.
//     The table is built once per *time.Location (about 0.2 ms for a zone with daylight
//     saving). TestZoneTableMatchesLocation checks the table against time.Location,
//     TestSkipBarrenYearsChangesNothing the skipping against a scan of every year.
//
// [EventBridge cron and rate expressions]: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
// [Scheduler schedule types]: https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
// [CreateSchedule]: https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
// [re:Post knowledge center]: https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst
package cron
