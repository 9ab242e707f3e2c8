package sfnlocal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"

	"github.com/ohler55/ojg/oj"
)

// parsers reuses ojg parsers (and their buffers) across documents.
var parsers = sync.Pool{New: func() any { return &oj.Parser{} }}

// Values flowing through an execution are plain JSON trees: map[string]any, []any, string,
// int64, float64, bool and nil. They are never modified in place once built: every state builds
// new containers (copy on write), so branches and iterations can share their inputs safely.

// parseJSON decodes a JSON document; integers become int64, other numbers float64.
func parseJSON(b []byte) (any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("empty JSON document")
	}
	p := parsers.Get().(*oj.Parser)
	v, err := p.Parse(b)
	parsers.Put(p)
	if err != nil {
		return nil, err
	}
	return normalize(v), nil
}

// normalize converts the number types a decoder may produce into int64 or float64.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalize(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = normalize(e)
		}
		return t
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case int:
		return int64(t)
	case float64:
		return t
	case int64, string, bool, nil:
		return t
	default:
		// big numbers and other exotic decoder types: keep their text.
		if f, err := strconv.ParseFloat(fmt.Sprint(t), 64); err == nil {
			return f
		}
		return fmt.Sprint(t)
	}
}

// marshalJSON encodes a value compactly without HTML escaping.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func mustJSONString(v any) string {
	b, err := marshalJSON(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// toFloat reports a JSON number as float64.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

// toInt reports a JSON number that is a whole number as int64.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

func isNumber(v any) bool { _, ok := toFloat(v); return ok }

// jsonEqual compares two JSON values structurally, numbers by value.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	default:
		fa, ok1 := toFloat(a)
		fb, ok2 := toFloat(b)
		return ok1 && ok2 && fa == fb
	}
}

// typeName names a JSON value's type for error messages.
func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case int64, int, float64:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// shallowCopyMap returns a copy of m with room for extra keys.
func shallowCopyMap(m map[string]any, extra int) map[string]any {
	c := make(map[string]any, len(m)+extra)
	for k, v := range m {
		c[k] = v
	}
	return c
}
