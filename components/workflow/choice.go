package workflow

import (
	"fmt"
	"strings"
)

// Condition is a [Compare], [And], [Or] or [Not].
type Condition interface {
	// condition renders the rule body and reports problems under field.
	condition() string
}

// Op is a Choice comparison operator. Operators ending in "Path" compare with a value read from
// the input at the path given as Value.
// https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html
type Op string

// Comparison operators.
const (
	StringEquals                   Op = "StringEquals"
	StringEqualsPath               Op = "StringEqualsPath"
	StringLessThan                 Op = "StringLessThan"
	StringLessThanPath             Op = "StringLessThanPath"
	StringGreaterThan              Op = "StringGreaterThan"
	StringGreaterThanPath          Op = "StringGreaterThanPath"
	StringLessThanEquals           Op = "StringLessThanEquals"
	StringLessThanEqualsPath       Op = "StringLessThanEqualsPath"
	StringGreaterThanEquals        Op = "StringGreaterThanEquals"
	StringGreaterThanEqualsPath    Op = "StringGreaterThanEqualsPath"
	StringMatches                  Op = "StringMatches"
	NumericEquals                  Op = "NumericEquals"
	NumericEqualsPath              Op = "NumericEqualsPath"
	NumericLessThan                Op = "NumericLessThan"
	NumericLessThanPath            Op = "NumericLessThanPath"
	NumericGreaterThan             Op = "NumericGreaterThan"
	NumericGreaterThanPath         Op = "NumericGreaterThanPath"
	NumericLessThanEquals          Op = "NumericLessThanEquals"
	NumericLessThanEqualsPath      Op = "NumericLessThanEqualsPath"
	NumericGreaterThanEquals       Op = "NumericGreaterThanEquals"
	NumericGreaterThanEqualsPath   Op = "NumericGreaterThanEqualsPath"
	BooleanEquals                  Op = "BooleanEquals"
	BooleanEqualsPath              Op = "BooleanEqualsPath"
	TimestampEquals                Op = "TimestampEquals"
	TimestampEqualsPath            Op = "TimestampEqualsPath"
	TimestampLessThan              Op = "TimestampLessThan"
	TimestampLessThanPath          Op = "TimestampLessThanPath"
	TimestampGreaterThan           Op = "TimestampGreaterThan"
	TimestampGreaterThanPath       Op = "TimestampGreaterThanPath"
	TimestampLessThanEquals        Op = "TimestampLessThanEquals"
	TimestampLessThanEqualsPath    Op = "TimestampLessThanEqualsPath"
	TimestampGreaterThanEquals     Op = "TimestampGreaterThanEquals"
	TimestampGreaterThanEqualsPath Op = "TimestampGreaterThanEqualsPath"
	IsNull                         Op = "IsNull"
	IsPresent                      Op = "IsPresent"
	IsNumeric                      Op = "IsNumeric"
	IsString                       Op = "IsString"
	IsBoolean                      Op = "IsBoolean"
	IsTimestamp                    Op = "IsTimestamp"
)

// Ops returns every comparison operator (a fresh slice).
func Ops() []Op {
	return []Op{
		StringEquals, StringEqualsPath, StringLessThan, StringLessThanPath, StringGreaterThan,
		StringGreaterThanPath, StringLessThanEquals, StringLessThanEqualsPath, StringGreaterThanEquals,
		StringGreaterThanEqualsPath, StringMatches, NumericEquals, NumericEqualsPath, NumericLessThan,
		NumericLessThanPath, NumericGreaterThan, NumericGreaterThanPath, NumericLessThanEquals,
		NumericLessThanEqualsPath, NumericGreaterThanEquals, NumericGreaterThanEqualsPath,
		BooleanEquals, BooleanEqualsPath, TimestampEquals, TimestampEqualsPath, TimestampLessThan,
		TimestampLessThanPath, TimestampGreaterThan, TimestampGreaterThanPath, TimestampLessThanEquals,
		TimestampLessThanEqualsPath, TimestampGreaterThanEquals, TimestampGreaterThanEqualsPath,
		IsNull, IsPresent, IsNumeric, IsString, IsBoolean, IsTimestamp,
	}
}

// Compare tests the input value at Variable with Op against Value. Comparing a field that is
// absent fails the execution with States.Runtime: when a field may be missing, test it with
// IsPresent first, in an And (And stops at the first condition that does not hold).
type Compare struct {
	// Variable is a path into the input, such as "$.status"; required.
	Variable string
	Op       Op
	// Value is a string for String*, Timestamp* (RFC 3339) and *Path operators, a number for
	// Numeric*, a bool for BooleanEquals and the Is* tests.
	Value any
}

// And holds when every condition holds.
type And []Condition

// Or holds when any condition holds.
type Or []Condition

// Not holds when its condition does not.
type Not struct{ Condition Condition }

func (Compare) condition() string { return "comparison" }
func (And) condition() string     { return "And" }
func (Or) condition() string      { return "Or" }
func (Not) condition() string     { return "Not" }

// Cmp is shorthand for Compare{Variable, Op, Value}.
func Cmp(variable string, op Op, value any) Compare {
	return Compare{Variable: variable, Op: op, Value: value}
}

func knownOp(op Op) bool {
	for _, o := range Ops() {
		if o == op {
			return true
		}
	}
	return false
}

// checkCondition validates a condition and reports each problem through add.
func checkCondition(c Condition, field string, add func(field, rule string, value any)) {
	switch x := c.(type) {
	case nil:
		add(field, "must be a Compare, And, Or or Not", nil)
	case Compare:
		checkCompare(x, field, add)
	case *Compare:
		if x == nil {
			add(field, "must not be a nil *Compare", nil)
			return
		}
		checkCompare(*x, field, add)
	case And:
		if len(x) == 0 {
			add(field+".And", "must hold at least one condition", 0)
		}
		for i, e := range x {
			checkCondition(e, fmt.Sprintf("%s.And[%d]", field, i), add)
		}
	case Or:
		if len(x) == 0 {
			add(field+".Or", "must hold at least one condition", 0)
		}
		for i, e := range x {
			checkCondition(e, fmt.Sprintf("%s.Or[%d]", field, i), add)
		}
	case Not:
		checkCondition(x.Condition, field+".Not", add)
	case *Not:
		if x == nil {
			add(field, "must not be a nil *Not", nil)
			return
		}
		checkCondition(x.Condition, field+".Not", add)
	default:
		add(field, fmt.Sprintf("must be a Compare, And, Or or Not (got %T)", c), nil)
	}
}

func checkCompare(x Compare, field string, add func(field, rule string, value any)) {
	if !strings.HasPrefix(x.Variable, "$") {
		add(field+".Variable", `must be a path starting with "$"`, x.Variable)
	}
	if !knownOp(x.Op) {
		add(field+".Op", "must be one of the Choice comparison operators (StringEquals, NumericLessThan, IsPresent...)", string(x.Op))
		return
	}
	op := string(x.Op)
	switch {
	case strings.HasSuffix(op, "Path"):
		if s, ok := x.Value.(string); !ok || !strings.HasPrefix(s, "$") {
			add(field+".Value", "must be a path starting with \"$\" for "+op, x.Value)
		}
	case strings.HasPrefix(op, "Is"), op == string(BooleanEquals):
		if _, ok := x.Value.(bool); !ok {
			add(field+".Value", "must be a bool for "+op, x.Value)
		}
	case strings.HasPrefix(op, "Numeric"):
		if _, ok := number(x.Value); !ok {
			add(field+".Value", "must be a number for "+op, x.Value)
		}
	default: // String*, Timestamp*
		if _, ok := x.Value.(string); !ok {
			add(field+".Value", "must be a string for "+op, x.Value)
		}
	}
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float32:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// renderCondition turns a validated condition into its ASL object.
func renderCondition(c Condition) map[string]any {
	switch x := c.(type) {
	case Compare:
		return map[string]any{"Variable": x.Variable, string(x.Op): x.Value}
	case *Compare:
		return renderCondition(*x)
	case And:
		list := make([]map[string]any, len(x))
		for i, e := range x {
			list[i] = renderCondition(e)
		}
		return map[string]any{"And": list}
	case Or:
		list := make([]map[string]any, len(x))
		for i, e := range x {
			list[i] = renderCondition(e)
		}
		return map[string]any{"Or": list}
	case Not:
		return map[string]any{"Not": renderCondition(x.Condition)}
	case *Not:
		return map[string]any{"Not": renderCondition(x.Condition)}
	}
	return map[string]any{}
}
