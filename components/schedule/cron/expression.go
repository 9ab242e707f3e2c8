package cron

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxExpressionLength is the longest schedule expression EventBridge Scheduler accepts
// (CreateSchedule, ScheduleExpression: 1 to 256 characters).
const MaxExpressionLength = 256

// Kind says which of the three EventBridge Scheduler schedule types an Expression is.
type Kind int

// The schedule types. The zero Kind is not a valid schedule type.
const (
	KindCron Kind = iota + 1 // cron(minutes hours day-of-month month day-of-week year)
	KindRate                 // rate(value unit)
	KindAt                   // at(yyyy-mm-ddThh:mm:ss)
)

// String returns "cron", "rate" or "at".
func (k Kind) String() string {
	switch k {
	case KindCron:
		return "cron"
	case KindRate:
		return "rate"
	case KindAt:
		return "at"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Error is one problem found in a schedule expression or a time zone name. Parse and LoadLocation
// return every problem they find, joined with errors.Join; use errors.As to get the first one, or
// walk the joined errors (interface{ Unwrap() []error }) to get them all.
type Error struct {
	// Field is the part of the expression that is wrong: "expression", "minutes", "hours",
	// "day-of-month", "month", "day-of-week", "year", "rate value", "rate unit", "at" or
	// "time zone".
	Field string
	// Rule is the rule that was broken, including the allowed values.
	Rule string
	// Value is the text that broke it.
	Value string
}

func (e *Error) Error() string {
	return fmt.Sprintf("schedule expression: %s %q: %s", e.Field, e.Value, e.Rule)
}

// Expression is a parsed EventBridge Scheduler schedule expression. It is immutable and safe for
// concurrent use.
type Expression struct {
	kind Kind
	cron *cronSpec
	// rate
	rateValue int64
	rateUnit  string // "minute", "hour" or "day"
	// at
	at civil
}

// Kind returns the schedule type.
func (e *Expression) Kind() Kind { return e.kind }

// Interval returns the period of a rate() expression, and false for cron() and at().
func (e *Expression) Interval() (time.Duration, bool) {
	if e.kind != KindRate {
		return 0, false
	}
	return time.Duration(e.rateValue) * unitDuration[e.rateUnit], true
}

// String returns the canonical form of the expression: month and weekday names upper case,
// numbers without leading zeros, single spaces. Parsing the canonical form gives the same
// schedule and the same canonical form.
func (e *Expression) String() string {
	switch e.kind {
	case KindCron:
		return "cron(" + e.cron.String() + ")"
	case KindRate:
		unit := e.rateUnit
		if e.rateValue != 1 {
			unit += "s"
		}
		return "rate(" + strconv.FormatInt(e.rateValue, 10) + " " + unit + ")"
	case KindAt:
		return fmt.Sprintf("at(%04d-%02d-%02dT%02d:%02d:%02d)", e.at.y, e.at.mo, e.at.d, e.at.h, e.at.mi, e.at.s)
	}
	return ""
}

// Parse parses a schedule expression exactly as EventBridge Scheduler's CreateSchedule accepts it:
// cron(...), rate(...) or at(...). Every problem is reported, joined with errors.Join; each is a
// *Error naming the field, the rule and the value.
func Parse(expr string) (*Expression, error) {
	if expr == "" || len(expr) > MaxExpressionLength {
		return nil, &Error{Field: "expression", Value: truncate(expr),
			Rule: fmt.Sprintf("length must be 1-%d characters, got %d", MaxExpressionLength, len(expr))}
	}
	for i := 0; i < len(expr); i++ {
		if c := expr[i]; c < ' ' || c > '~' {
			// Go's case folding would read "ſun" as SUN; AWS expressions are plain ASCII.
			return nil, &Error{Field: "expression", Value: expr,
				Rule: fmt.Sprintf("only printable ASCII characters are allowed; byte %d is 0x%02x", i, c)}
		}
	}
	open := strings.IndexByte(expr, '(')
	if open < 0 || !strings.HasSuffix(expr, ")") {
		return nil, &Error{Field: "expression", Value: expr,
			Rule: "must be cron(fields), rate(value unit) or at(yyyy-mm-ddThh:mm:ss)"}
	}
	body := expr[open+1 : len(expr)-1]
	switch expr[:open] {
	case "cron":
		spec, errs := parseCron(body)
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
		return &Expression{kind: KindCron, cron: spec}, nil
	case "rate":
		return parseRate(body)
	case "at":
		return parseAt(body)
	}
	return nil, &Error{Field: "expression", Value: expr,
		Rule: "must start with cron(, rate( or at( in lower case"}
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

var unitDuration = map[string]time.Duration{
	"minute": time.Minute,
	"hour":   time.Hour,
	"day":    24 * time.Hour,
}

// maxRate is the largest value per unit whose interval fits in a time.Duration (about 292 years;
// AWS documents no upper bound, and no schedule can fire twice further apart than its year range
// of 1970-2199 allows).
var maxRate = map[string]int64{
	"minute": int64(1<<63-1) / int64(time.Minute),
	"hour":   int64(1<<63-1) / int64(time.Hour),
	"day":    int64(1<<63-1) / int64(24*time.Hour),
}

func parseRate(body string) (*Expression, error) {
	value, unit, ok := strings.Cut(body, " ")
	if !ok {
		return nil, &Error{Field: "expression", Value: "rate(" + body + ")",
			Rule: "a rate expression is rate(value unit), value and unit separated by one space"}
	}
	var errs []error
	n, err := strconv.ParseInt(value, 10, 64)
	switch {
	case err != nil || value == "" || value[0] < '0' || value[0] > '9':
		errs = append(errs, &Error{Field: "rate value", Value: value,
			Rule: "must be a positive whole number (digits only)"})
	case value[0] == '0':
		errs = append(errs, &Error{Field: "rate value", Value: value,
			Rule: "must be a positive whole number without leading zeros"})
	}
	base := strings.TrimSuffix(unit, "s")
	if _, known := unitDuration[base]; !known {
		errs = append(errs, &Error{Field: "rate unit", Value: unit,
			Rule: "must be minute, minutes, hour, hours, day or days"})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	plural := strings.HasSuffix(unit, "s")
	switch {
	case n == 1 && plural:
		errs = append(errs, &Error{Field: "rate unit", Value: unit,
			Rule: "a value of 1 takes the singular unit (" + base + ")"})
	case n > 1 && !plural:
		errs = append(errs, &Error{Field: "rate unit", Value: unit,
			Rule: "a value greater than 1 takes the plural unit (" + base + "s)"})
	}
	if n > maxRate[base] {
		errs = append(errs, &Error{Field: "rate value", Value: value,
			Rule: fmt.Sprintf("must be 1-%d for %ss (the interval must fit in about 292 years)", maxRate[base], base)})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &Expression{kind: KindRate, rateValue: n, rateUnit: base}, nil
}

func parseAt(body string) (*Expression, error) {
	bad := &Error{Field: "at", Value: body, Rule: "must be yyyy-mm-ddThh:mm:ss (for example at(2026-03-08T09:30:00))"}
	if len(body) != len("2006-01-02T15:04:05") {
		return nil, bad
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch i {
		case 4, 7:
			if c != '-' {
				return nil, bad
			}
		case 10:
			if c != 'T' {
				return nil, bad
			}
		case 13, 16:
			if c != ':' {
				return nil, bad
			}
		default:
			if c < '0' || c > '9' {
				return nil, bad
			}
		}
	}
	num := func(from, to int) int { n, _ := strconv.Atoi(body[from:to]); return n }
	c := civil{y: num(0, 4), mo: num(5, 7), d: num(8, 10), h: num(11, 13), mi: num(14, 16), s: num(17, 19)}
	var errs []error
	check := func(name string, v, lo, hi int) {
		if v < lo || v > hi {
			errs = append(errs, &Error{Field: "at", Value: body,
				Rule: fmt.Sprintf("%s must be %d-%d, got %d", name, lo, hi, v)})
		}
	}
	check("year", c.y, minYear, maxYear)
	check("month", c.mo, 1, 12)
	if c.mo >= 1 && c.mo <= 12 {
		check("day", c.d, 1, daysIn(c.y, c.mo))
	}
	check("hour", c.h, 0, 23)
	check("minute", c.mi, 0, 59)
	check("second", c.s, 0, 59)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &Expression{kind: KindAt, at: c}, nil
}
