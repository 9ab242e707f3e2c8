package sfnlocal

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/big"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Intrinsic functions (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html).
// Failures (bad argument types or values, a path argument that selects nothing) are reported as
// States.Runtime, which no Retry or Catch handles.

type iarg struct {
	lit    any    // a literal (string, int64, float64, bool, nil)
	rawStr string // the literal's source text for strings, escapes kept (for States.Format)
	isStr  bool
	path   *jpath // a path argument
	call   *icall // a nested call
}

type icall struct {
	name string
	args []iarg
	src  string
}

var intrinsicArity = map[string][2]int{ // min, max (-1: any)
	"States.Format": {1, -1}, "States.StringToJson": {1, 1}, "States.JsonToString": {1, 1},
	"States.Array": {0, -1}, "States.ArrayPartition": {2, 2}, "States.ArrayContains": {2, 2},
	"States.ArrayRange": {3, 3}, "States.ArrayGetItem": {2, 2}, "States.ArrayLength": {1, 1},
	"States.ArrayUnique": {1, 1}, "States.Base64Encode": {1, 1}, "States.Base64Decode": {1, 1},
	"States.Hash": {2, 2}, "States.JsonMerge": {3, 3}, "States.MathRandom": {2, 3},
	"States.MathAdd": {2, 2}, "States.StringSplit": {2, 2}, "States.UUID": {0, 0},
}

func parseIntrinsic(src string) (*icall, error) {
	p := &iparser{s: src}
	c, err := p.call()
	if err != nil {
		return nil, fmt.Errorf("intrinsic function %q: %v", src, err)
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("intrinsic function %q: unexpected %q after the call", src, p.s[p.i:])
	}
	return c, nil
}

type iparser struct {
	s string
	i int
}

func (p *iparser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *iparser) call() (*icall, error) {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != '(' {
		p.i++
	}
	if p.i == len(p.s) {
		return nil, fmt.Errorf("expected '(' after the function name")
	}
	name := strings.TrimSpace(p.s[start:p.i])
	ar, ok := intrinsicArity[name]
	if !ok {
		return nil, fmt.Errorf("unknown function %q", name)
	}
	p.i++ // (
	c := &icall{name: name}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
	} else {
		for {
			p.skipSpace()
			a, err := p.arg()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			p.skipSpace()
			if p.i >= len(p.s) {
				return nil, fmt.Errorf("missing ')'")
			}
			if p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.s[p.i] == ')' {
				p.i++
				break
			}
			return nil, fmt.Errorf("unexpected %q in the argument list", p.s[p.i])
		}
	}
	if len(c.args) < ar[0] || (ar[1] >= 0 && len(c.args) > ar[1]) {
		if ar[1] < 0 {
			return nil, fmt.Errorf("%s takes at least %d arguments, got %d", name, ar[0], len(c.args))
		}
		return nil, fmt.Errorf("%s takes %d to %d arguments, got %d", name, ar[0], ar[1], len(c.args))
	}
	c.src = p.s[start:p.i]
	return c, nil
}

func (p *iparser) arg() (iarg, error) {
	if p.i >= len(p.s) {
		return iarg{}, fmt.Errorf("missing argument")
	}
	switch ch := p.s[p.i]; {
	case ch == '\'':
		p.i++
		var raw, val strings.Builder
		for p.i < len(p.s) {
			c := p.s[p.i]
			if c == '\\' && p.i+1 < len(p.s) {
				raw.WriteByte(c)
				raw.WriteByte(p.s[p.i+1])
				val.WriteByte(p.s[p.i+1])
				p.i += 2
				continue
			}
			if c == '\'' {
				p.i++
				return iarg{lit: val.String(), rawStr: raw.String(), isStr: true}, nil
			}
			raw.WriteByte(c)
			val.WriteByte(c)
			p.i++
		}
		return iarg{}, fmt.Errorf("unterminated string literal")
	case ch == '$':
		start, depth := p.i, 0
		for p.i < len(p.s) {
			c := p.s[p.i]
			if c == '[' || c == '(' {
				depth++
			} else if c == ']' || (c == ')' && depth > 0) {
				depth--
			} else if depth == 0 && (c == ',' || c == ')') {
				break
			} else if c == '\'' && depth > 0 {
				// quoted name inside brackets
				p.i++
				for p.i < len(p.s) && p.s[p.i] != '\'' {
					p.i++
				}
			}
			p.i++
		}
		path, err := compilePath(strings.TrimSpace(p.s[start:p.i]))
		if err != nil {
			return iarg{}, err
		}
		return iarg{path: path}, nil
	case ch == '-' || (ch >= '0' && ch <= '9'):
		start := p.i
		for p.i < len(p.s) && strings.IndexByte("+-.eE0123456789", p.s[p.i]) >= 0 {
			p.i++
		}
		text := p.s[start:p.i]
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return iarg{lit: i}, nil
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return iarg{}, fmt.Errorf("bad number %q", text)
		}
		return iarg{lit: f}, nil
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return iarg{lit: nil}, nil
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return iarg{lit: true}, nil
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return iarg{lit: false}, nil
	case strings.HasPrefix(p.s[p.i:], "States."):
		c, err := p.call()
		if err != nil {
			return iarg{}, err
		}
		return iarg{call: c}, nil
	default:
		return iarg{}, fmt.Errorf("unexpected %q where an argument was expected", p.s[p.i:])
	}
}

func ifail(name, format string, args ...any) *ExecutionError {
	return &ExecutionError{Name: ErrRuntime, Cause: "Invalid arguments in " + name + ": " + fmt.Sprintf(format, args...)}
}

func (c *icall) eval(input any, ctx ctxSource) (any, error) {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		switch {
		case a.path != nil:
			v, ok := a.path.get(input, ctx)
			if !ok {
				return nil, newErr(ErrRuntime, "The JSONPath %s in the intrinsic function %s could not be found in the input", a.path.src, c.name)
			}
			args[i] = v
		case a.call != nil:
			v, err := a.call.eval(input, ctx)
			if err != nil {
				return nil, err
			}
			args[i] = v
		default:
			args[i] = a.lit
		}
	}
	return c.apply(args)
}

func (c *icall) apply(args []any) (any, error) {
	n := c.name
	str := func(i int) (string, error) {
		s, ok := args[i].(string)
		if !ok {
			return "", ifail(n, "argument %d must be a string, got %s", i+1, typeName(args[i]))
		}
		return s, nil
	}
	// arr is the first argument as an array (the array functions take it first)
	arr := func() ([]any, error) {
		a, ok := args[0].([]any)
		if !ok {
			return nil, ifail(n, "argument 1 must be an array, got %s", typeName(args[0]))
		}
		return a, nil
	}
	integer := func(i int) (int64, error) {
		v, ok := toInt(args[i])
		if !ok {
			return 0, ifail(n, "argument %d must be an integer, got %s", i+1, mustJSONString(args[i]))
		}
		return v, nil
	}
	// rounded is an integer argument of MathAdd and MathRandom: AWS rounds a number with a
	// fraction half up (1.5 to 2, -1.5 to -1, as Java's Math.round), recorded in LocalStack's
	// test_math_operations against AWS.
	rounded := func(i int) (int64, error) {
		if f, ok := args[i].(float64); ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
			r := math.Floor(f + 0.5)
			if r >= -(1<<63) && r < 1<<63 {
				return int64(r), nil
			}
		}
		return integer(i)
	}
	switch n {
	case "States.Format":
		tmpl := c.args[0]
		if !tmpl.isStr {
			s, err := str(0)
			if err != nil {
				return nil, err
			}
			tmpl = iarg{rawStr: s}
		}
		return formatTemplate(tmpl.rawStr, args[1:])
	case "States.StringToJson":
		s, err := str(0)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(s) == "" {
			// AWS returns null for "" and " " (LocalStack's test_string_to_json, recorded on AWS)
			return nil, nil
		}
		v, perr := parseJSON([]byte(s))
		if perr != nil {
			return nil, ifail(n, "the string is not JSON: %v", perr)
		}
		return v, nil
	case "States.JsonToString":
		b, err := marshalJSON(args[0])
		if err != nil {
			return nil, ifail(n, "%v", err)
		}
		return string(b), nil
	case "States.Array":
		return append([]any{}, args...), nil
	case "States.ArrayPartition":
		a, err := arr()
		if err != nil {
			return nil, err
		}
		size, err := integer(1)
		if err != nil {
			return nil, err
		}
		if size <= 0 {
			return nil, ifail(n, "the chunk size must be a positive integer, got %d", size)
		}
		out := []any{}
		for i := 0; i < len(a); i += int(size) {
			end := min(i+int(size), len(a))
			out = append(out, append([]any{}, a[i:end]...))
		}
		return out, nil
	case "States.ArrayContains":
		a, err := arr()
		if err != nil {
			return nil, err
		}
		for _, e := range a {
			if jsonEqual(e, args[1]) {
				return true, nil
			}
		}
		return false, nil
	case "States.ArrayRange":
		start, err := integer(0)
		if err != nil {
			return nil, err
		}
		end, err := integer(1)
		if err != nil {
			return nil, err
		}
		step, err := integer(2)
		if err != nil {
			return nil, err
		}
		if step == 0 {
			return nil, ifail(n, "the step must not be 0")
		}
		out := []any{}
		for i := start; (step > 0 && i <= end) || (step < 0 && i >= end); i += step {
			out = append(out, i)
			if len(out) > 1000 {
				return nil, ifail(n, "the range has more than 1000 elements (the limit)")
			}
		}
		return out, nil
	case "States.ArrayGetItem":
		a, err := arr()
		if err != nil {
			return nil, err
		}
		i, err := integer(1)
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= int64(len(a)) {
			return nil, ifail(n, "index %d is out of range 0..%d", i, len(a)-1)
		}
		return a[i], nil
	case "States.ArrayLength":
		a, err := arr()
		if err != nil {
			return nil, err
		}
		return int64(len(a)), nil
	case "States.ArrayUnique":
		a, err := arr()
		if err != nil {
			return nil, err
		}
		out := []any{}
	next:
		for _, e := range a {
			for _, o := range out {
				if jsonEqual(e, o) {
					continue next
				}
			}
			out = append(out, e)
		}
		return out, nil
	case "States.Base64Encode":
		s, err := str(0)
		if err != nil {
			return nil, err
		}
		if len(s) > 10000 {
			return nil, ifail(n, "the input has %d characters, more than the limit of 10000", len(s))
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "States.Base64Decode":
		s, err := str(0)
		if err != nil {
			return nil, err
		}
		if len(s) > 10000 {
			return nil, ifail(n, "the input has %d characters, more than the limit of 10000", len(s))
		}
		b, derr := base64.StdEncoding.DecodeString(s)
		if derr != nil {
			return nil, ifail(n, "not base64: %v", derr)
		}
		return string(b), nil
	case "States.Hash":
		s, err := str(0)
		if err != nil {
			return nil, err
		}
		algo, err := str(1)
		if err != nil {
			return nil, err
		}
		if len(s) > 10000 {
			return nil, ifail(n, "the input has %d characters, more than the limit of 10000", len(s))
		}
		var h hash.Hash
		switch algo {
		case "MD5":
			h = md5.New()
		case "SHA-1":
			h = sha1.New()
		case "SHA-256":
			h = sha256.New()
		case "SHA-384":
			h = sha512.New384()
		case "SHA-512":
			h = sha512.New()
		default:
			return nil, ifail(n, "the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, got %q", algo)
		}
		h.Write([]byte(s))
		return hex.EncodeToString(h.Sum(nil)), nil
	case "States.JsonMerge":
		a, ok1 := args[0].(*object)
		b, ok2 := args[1].(*object)
		if !ok1 || !ok2 {
			return nil, ifail(n, "the first two arguments must be objects, got %s and %s", typeName(args[0]), typeName(args[1]))
		}
		deep, ok := args[2].(bool)
		if !ok {
			return nil, ifail(n, "the third argument must be a boolean, got %s", typeName(args[2]))
		}
		if deep {
			return nil, ifail(n, "deep merge (true) is not supported by Step Functions; use false")
		}
		out := newObject(a.len() + b.len())
		for _, e := range a.m {
			out.add(e.key, e.val)
		}
		for _, e := range b.m {
			out.add(e.key, e.val)
		}
		return out, nil
	case "States.MathRandom":
		start, err := rounded(0)
		if err != nil {
			return nil, err
		}
		end, err := rounded(1)
		if err != nil {
			return nil, err
		}
		if end < start {
			return nil, ifail(n, "the end (%d) must not be smaller than the start (%d)", end, start)
		}
		var r *mrand.Rand
		if len(args) == 3 {
			seed, err := rounded(2)
			if err != nil {
				return nil, err
			}
			r = mrand.New(mrand.NewPCG(uint64(seed), 0))
		} else {
			var b [16]byte
			_, _ = rand.Read(b[:])
			r = mrand.New(mrand.NewPCG(new(big.Int).SetBytes(b[:8]).Uint64(), new(big.Int).SetBytes(b[8:]).Uint64()))
		}
		return start + r.Int64N(end-start+1), nil
	case "States.MathAdd":
		a, err := rounded(0)
		if err != nil {
			return nil, err
		}
		b, err := rounded(1)
		if err != nil {
			return nil, err
		}
		sum := a + b
		if (a >= 0) == (b >= 0) && (sum >= 0) != (a >= 0) {
			return nil, ifail(n, "the sum of %d and %d is outside the 64-bit integer range", a, b)
		}
		return sum, nil
	case "States.StringSplit":
		s, err := str(0)
		if err != nil {
			return nil, err
		}
		d, err := str(1)
		if err != nil {
			return nil, err
		}
		parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(d, r) })
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	case "States.UUID":
		var b [16]byte
		_, _ = rand.Read(b[:])
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		h := hex.EncodeToString(b[:])
		return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
	}
	return nil, ifail(n, "unknown function")
}

// formatTemplate implements States.Format: each {} is replaced by the next argument; \{ and \}
// are literal braces.
func formatTemplate(raw string, args []any) (any, error) {
	var b strings.Builder
	next := 0
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\' && i+1 < len(raw):
			b.WriteByte(raw[i+1])
			i += 2
		case c == '{' && i+1 < len(raw) && raw[i+1] == '}':
			if next >= len(args) {
				return nil, ifail("States.Format", "the template has more {} placeholders than the %d arguments given", len(args))
			}
			switch v := args[next].(type) {
			case string:
				b.WriteString(v)
			case *object, []any:
				// AWS prints objects and arrays as Java prints a Map or a List: {Arg1=1, Arg2=[]}
				// (LocalStack's test_format_2, recorded on AWS)
				appendJava(&b, v)
			default:
				b.WriteString(mustJSONString(v))
			}
			next++
			i += 2
		default:
			_, size := utf8.DecodeRuneInString(raw[i:])
			b.WriteString(raw[i : i+size])
			i += size
		}
	}
	if next != len(args) {
		return nil, ifail("States.Format", "the template has %d {} placeholders but %d arguments were given", next, len(args))
	}
	return b.String(), nil
}

// appendJava writes v as Java's toString of the Map, List, String, Integer, Long, Double or
// Boolean it decodes to: {k=v, k2=[1, a]}, strings without quotes, null as null.
func appendJava(b *strings.Builder, v any) {
	switch t := v.(type) {
	case *object:
		b.WriteByte('{')
		for i, e := range t.m {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.key)
			b.WriteByte('=')
			appendJava(b, e.val)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			appendJava(b, e)
		}
		b.WriteByte(']')
	case string:
		b.WriteString(t)
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case bigInt:
		b.WriteString(string(t))
	case float64:
		b.WriteString(javaDouble(t))
	}
}

// javaDouble formats f as Java's Double.toString does: the shortest digits that identify it, in
// plain notation with at least one fractional digit for 1e-3 <= |f| < 1e7 (1.0, 0.001, -0.0),
// else as d.dddE[-]n (1.0E7, 1.5E-4).
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde+nn
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
