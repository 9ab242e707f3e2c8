package sfnlocal

import (
	"fmt"
	"strings"
	"time"
)

// Choice rules (https://states-language.net/spec.html#choice-state).

var comparators = map[string]string{ // operator -> operand kind
	"StringEquals": "string", "StringLessThan": "string", "StringGreaterThan": "string",
	"StringLessThanEquals": "string", "StringGreaterThanEquals": "string", "StringMatches": "string",
	"NumericEquals": "number", "NumericLessThan": "number", "NumericGreaterThan": "number",
	"NumericLessThanEquals": "number", "NumericGreaterThanEquals": "number",
	"BooleanEquals":   "boolean",
	"TimestampEquals": "timestamp", "TimestampLessThan": "timestamp", "TimestampGreaterThan": "timestamp",
	"TimestampLessThanEquals": "timestamp", "TimestampGreaterThanEquals": "timestamp",
	"IsNull": "boolean", "IsPresent": "boolean", "IsNumeric": "boolean", "IsString": "boolean",
	"IsBoolean": "boolean", "IsTimestamp": "boolean",
}

type choiceRule struct {
	next     string
	and, or  []*choiceRule
	not      *choiceRule
	variable *jpath
	op       string // comparator without the Path suffix
	operand  any
	opPath   *jpath
}

func compileChoice(raw map[string]any, where string, top bool) (*choiceRule, []string) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, where+": "+fmt.Sprintf(format, args...)) }
	r := &choiceRule{}
	if top {
		n, _ := raw["Next"].(string)
		if n == "" {
			bad("a top-level choice rule needs Next (a state name)")
		}
		r.next = n
	} else if _, ok := raw["Next"]; ok {
		bad("Next is only allowed on top-level choice rules")
	}
	nested := 0
	for _, k := range []string{"And", "Or"} {
		v, ok := raw[k]
		if !ok {
			continue
		}
		nested++
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			bad("%s must be a non-empty array of choice rules", k)
			continue
		}
		for i, e := range list {
			m, ok := e.(map[string]any)
			if !ok {
				bad("%s[%d] must be an object", k, i)
				continue
			}
			sub, ps := compileChoice(m, fmt.Sprintf("%s.%s[%d]", where, k, i), false)
			problems = append(problems, ps...)
			if k == "And" {
				r.and = append(r.and, sub)
			} else {
				r.or = append(r.or, sub)
			}
		}
	}
	if v, ok := raw["Not"]; ok {
		nested++
		m, ok := v.(map[string]any)
		if !ok {
			bad("Not must be an object")
		} else {
			sub, ps := compileChoice(m, where+".Not", false)
			problems = append(problems, ps...)
			r.not = sub
		}
	}
	var ops []string
	for k := range raw {
		if _, ok := comparators[strings.TrimSuffix(k, "Path")]; ok && k != "Variable" {
			ops = append(ops, k)
		}
	}
	if nested > 1 || (nested == 1 && len(ops) > 0) {
		bad("a choice rule has exactly one of And, Or, Not or a comparison")
		return r, problems
	}
	if nested == 1 {
		return r, problems
	}
	if len(ops) != 1 {
		bad("a choice rule needs exactly one comparison operator (StringEquals, NumericLessThan, IsPresent...), found %d", len(ops))
		return r, problems
	}
	vs, ok := raw["Variable"].(string)
	if !ok {
		bad("Variable (a path) is required with %s", ops[0])
		return r, problems
	}
	p, err := compilePath(vs)
	if err != nil {
		bad("Variable: %v", err)
	}
	r.variable = p
	op := ops[0]
	val := raw[op]
	if strings.HasSuffix(op, "Path") && comparators[op] == "" {
		r.op = strings.TrimSuffix(op, "Path")
		s, ok := val.(string)
		if !ok {
			bad("%s must be a path string, got %s", op, typeName(val))
			return r, problems
		}
		pp, err := compilePath(s)
		if err != nil {
			bad("%s: %v", op, err)
		}
		r.opPath = pp
		if strings.HasPrefix(r.op, "Is") || r.op == "StringMatches" {
			// the specification lists no Path form for StringMatches or the Is* tests
			bad("%s has no Path variant", r.op)
		}
		return r, problems
	}
	r.op = op
	r.operand = val
	switch comparators[op] {
	case "string":
		if _, ok := val.(string); !ok {
			bad("%s must be a string, got %s", op, typeName(val))
		}
	case "number":
		if !isNumber(val) {
			bad("%s must be a number, got %s", op, typeName(val))
		}
	case "boolean":
		if _, ok := val.(bool); !ok {
			bad("%s must be true or false, got %s", op, typeName(val))
		}
	case "timestamp":
		s, _ := val.(string)
		if _, ok := parseTimestamp(s); !ok {
			bad("%s must be an RFC 3339 timestamp such as 2016-03-14T01:59:00Z, got %s", op, mustJSONString(val))
		}
	}
	return r, problems
}

func parseTimestamp(s string) (time.Time, bool) {
	if !strings.Contains(s, "T") {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// eval reports whether the rule matches. A Variable (or operand path) that selects nothing is a
// States.Runtime error, except for IsPresent.
func (r *choiceRule) eval(input any, ctx ctxSource) (bool, error) {
	switch {
	case r.and != nil:
		for _, s := range r.and {
			ok, err := s.eval(input, ctx)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.or != nil:
		for _, s := range r.or {
			ok, err := s.eval(input, ctx)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case r.not != nil:
		ok, err := r.not.eval(input, ctx)
		return !ok, err
	}
	v, found := r.variable.get(input, ctx)
	if r.op == "IsPresent" {
		return found == r.operand.(bool), nil
	}
	if !found {
		return false, newErr(ErrRuntime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.variable.src)
	}
	operand := r.operand
	if r.opPath != nil {
		o, ok := r.opPath.get(input, ctx)
		if !ok {
			return false, newErr(ErrRuntime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.opPath.src)
		}
		operand = o
	}
	switch r.op {
	case "IsNull":
		return (v == nil) == operand.(bool), nil
	case "IsNumeric":
		return isNumber(v) == operand.(bool), nil
	case "IsString":
		_, ok := v.(string)
		return ok == operand.(bool), nil
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == operand.(bool), nil
	case "IsTimestamp":
		s, _ := v.(string)
		_, ok := parseTimestamp(s)
		return ok == operand.(bool), nil
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b, nil
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && wildcardMatch(b, a), nil
	}
	switch comparators[r.op] {
	case "string":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		return cmpResult(r.op, strings.Compare(a, b)), nil
	case "number":
		a, ok1 := toFloat(v)
		b, ok2 := toFloat(operand)
		if !ok1 || !ok2 {
			return false, nil
		}
		c := 0
		if a < b {
			c = -1
		} else if a > b {
			c = 1
		}
		return cmpResult(r.op, c), nil
	case "timestamp":
		as, _ := v.(string)
		bs, _ := operand.(string)
		a, ok1 := parseTimestamp(as)
		b, ok2 := parseTimestamp(bs)
		if !ok1 || !ok2 {
			return false, nil
		}
		return cmpResult(r.op, a.Compare(b)), nil
	}
	return false, newErr(ErrRuntime, "unknown comparison %s", r.op)
}

func cmpResult(op string, c int) bool {
	switch {
	case strings.HasSuffix(op, "LessThanEquals"):
		return c <= 0
	case strings.HasSuffix(op, "GreaterThanEquals"):
		return c >= 0
	case strings.HasSuffix(op, "LessThan"):
		return c < 0
	case strings.HasSuffix(op, "GreaterThan"):
		return c > 0
	default:
		return c == 0
	}
}

// wildcardMatch implements StringMatches: * matches any run of characters; \* and \\ are a
// literal star and backslash.
func wildcardMatch(pattern, s string) bool {
	type tok struct {
		star bool
		lit  byte
	}
	var toks []tok
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c == '\\' && i+1 < len(pattern) {
			i++
			toks = append(toks, tok{lit: pattern[i]})
			continue
		}
		toks = append(toks, tok{star: c == '*', lit: c})
	}
	// classic two-pointer glob match with backtracking on the last star
	ti, si, starT, starS := 0, 0, -1, 0
	for si < len(s) {
		if ti < len(toks) && !toks[ti].star && toks[ti].lit == s[si] {
			ti++
			si++
		} else if ti < len(toks) && toks[ti].star {
			starT, starS = ti, si
			ti++
		} else if starT >= 0 {
			ti = starT + 1
			starS++
			si = starS
		} else {
			return false
		}
	}
	for ti < len(toks) && toks[ti].star {
		ti++
	}
	return ti == len(toks)
}
