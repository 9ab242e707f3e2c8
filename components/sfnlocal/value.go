package sfnlocal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Values flowing through an execution are plain JSON trees: *object (members in document
// order), []any, string, int64, bigInt, float64, bool and nil. They are never modified in place
// once built: every state builds new containers (copy on write), so branches and iterations can
// share their inputs safely.

// fromGo converts a value built by encoding/json or by hand (map[string]any with sorted keys,
// json.Number, int) into an execution value.
func fromGo(v any) any {
	switch t := v.(type) {
	case map[string]any:
		o := newObject(len(t))
		for _, k := range slices.Sorted(maps.Keys(t)) {
			o.add(k, fromGo(t[k]))
		}
		return o
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = fromGo(e)
		}
		return out
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case int:
		return int64(t)
	default:
		return t
	}
}

// marshalJSON encodes a value compactly without HTML escaping, objects in member order (maps
// with sorted keys, as encoding/json does), numbers formatted as encoding/json formats them.
func marshalJSON(v any) ([]byte, error) {
	return appendJSON(make([]byte, 0, 64), v)
}

func appendJSON(dst []byte, v any) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		if t {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case string:
		return appendJSONString(dst, t), nil
	case int64:
		return strconv.AppendInt(dst, t, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(t), 10), nil
	case bigInt:
		return append(dst, t...), nil
	case float64:
		return appendFloat(dst, t)
	case []any:
		dst = append(dst, '[')
		for i, e := range t {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendJSON(dst, e); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		dst = append(dst, '{')
		var keysBuf [16]string
		keys := keysBuf[:0]
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			var err error
			if dst, err = appendJSON(dst, t[k]); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	case *object:
		dst = append(dst, '{')
		for i, e := range t.m {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, e.key)
			dst = append(dst, ':')
			var err error
			if dst, err = appendJSON(dst, e.val); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return nil, err
		}
		return append(dst, bytes.TrimRight(buf.Bytes(), "\n")...), nil
	}
}

// appendFloat formats like encoding/json: shortest representation, exponent form outside
// [1e-6, 1e21).
func appendFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("unsupported number %v", f)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

const hexDigits = "0123456789abcdef"

func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
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
	case bigInt:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil
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
	case *object:
		y, ok := b.(*object)
		if !ok || len(x.m) != len(y.m) {
			return false
		}
		for _, e := range x.m {
			w, ok := y.get(e.key)
			if !ok || !jsonEqual(e.val, w) {
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
	case *object, map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case int64, int, float64, bigInt:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

// toGo converts an execution value into plain Go values (map[string]any for objects), for APIs
// that take them.
func toGo(v any) any {
	switch t := v.(type) {
	case *object:
		m := make(map[string]any, len(t.m))
		for _, e := range t.m {
			m[e.key] = toGo(e.val)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = toGo(e)
		}
		return out
	default:
		return t
	}
}

// jsonFits reports whether v's compact JSON encoding is at most limit bytes, walking v without
// encoding it and stopping as soon as the limit is passed.
func jsonFits(v any, limit int) bool {
	n := 0
	var walk func(v any) bool
	walk = func(v any) bool {
		switch t := v.(type) {
		case nil:
			n += 4
		case bool:
			n += 5
		case string:
			n += len(t) + 2 // escapes only add: an approximation from below, exact for plain text
		case bigInt:
			n += len(t)
		case int64:
			var buf [24]byte
			n += len(strconv.AppendInt(buf[:0], t, 10))
		case float64:
			var buf [32]byte
			b, _ := appendFloat(buf[:0], t)
			n += len(b)
		case []any:
			n += 1 + len(t)
			for _, e := range t {
				if !walk(e) {
					return false
				}
			}
		case *object:
			n += 1 + len(t.m)
			for _, e := range t.m {
				n += len(e.key) + 3
				if !walk(e.val) {
					return false
				}
			}
		default:
			n += 8
		}
		return n <= limit
	}
	return walk(v)
}
