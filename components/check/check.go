// Package check collects validation problems for skein components, so that every component
// reports every problem at once (errors.Join) in one format: the component, the field, the allowed
// range and the value received. Callers classify them with errors.As on *FieldError, never by
// message text.
package check

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// FieldError is one invalid setting.
type FieldError struct {
	// Component is the component's kind and name, e.g. `queue "jobs"`.
	Component string
	// Field is the Go field path, e.g. "Subscribe.BatchSize".
	Field string
	// Rule says what is allowed, e.g. "must be 1..10000".
	Rule string
	// Value is the value received, formatted with %v; empty when not meaningful.
	Value string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Component != "" {
		b.WriteString(e.Component)
		b.WriteString(": ")
	}
	b.WriteString(e.Field)
	b.WriteString(" ")
	b.WriteString(e.Rule)
	if e.Value != "" {
		b.WriteString(", got ")
		b.WriteString(e.Value)
	}
	return b.String()
}

// Errors accumulates FieldErrors for one component instance.
type Errors struct {
	component string
	errs      []error
}

// New starts a collection for a component kind ("queue") and instance name ("jobs").
func New(kind, name string) *Errors {
	return &Errors{component: fmt.Sprintf("%s %q", kind, name)}
}

// Add records that field breaks rule; value is formatted with %v unless it is nil.
func (e *Errors) Add(field, rule string, value any) {
	v := ""
	if value != nil {
		switch x := value.(type) {
		case string:
			v = fmt.Sprintf("%q", x)
		default:
			v = fmt.Sprintf("%v", x)
		}
	}
	e.errs = append(e.errs, &FieldError{Component: e.component, Field: field, Rule: rule, Value: v})
}

// Join adds errors from elsewhere (a nested validation) as they are.
func (e *Errors) Join(errs ...error) {
	for _, err := range errs {
		if err != nil {
			e.errs = append(e.errs, err)
		}
	}
}

// Int checks lo <= v <= hi.
func (e *Errors) Int(field string, v, lo, hi int) {
	if v < lo || v > hi {
		e.Add(field, fmt.Sprintf("must be %d..%d", lo, hi), v)
	}
}

// Duration checks lo <= v <= hi and that v is a whole number of unit.
func (e *Errors) Duration(field string, v, lo, hi, unit time.Duration) {
	if v < lo || v > hi {
		e.Add(field, fmt.Sprintf("must be %v..%v", lo, hi), v)
		return
	}
	if unit > 0 && v%unit != 0 {
		e.Add(field, fmt.Sprintf("must be a whole number of %v", unit), v)
	}
}

// OneOf checks that v is one of allowed.
func (e *Errors) OneOf(field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	e.Add(field, "must be one of "+strings.Join(allowed, ", "), v)
}

// Err returns every problem joined, or nil.
func (e *Errors) Err() error { return errors.Join(e.errs...) }

// Len is how many problems were found.
func (e *Errors) Len() int { return len(e.errs) }
