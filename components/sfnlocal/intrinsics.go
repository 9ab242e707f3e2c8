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
	fn, ok := intrinsics[name]
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
	if len(c.args) < fn.min || (fn.max >= 0 && len(c.args) > fn.max) {
		if fn.max < 0 {
			return nil, fmt.Errorf("%s takes at least %d arguments, got %d", name, fn.min, len(c.args))
		}
		return nil, fmt.Errorf("%s takes %d to %d arguments, got %d", name, fn.min, fn.max, len(c.args))
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

// argKind is what an intrinsic function requires of an argument; apply checks the arguments
// in order and hands the function each as that kind.
type argKind int

const (
	anyArg     argKind = iota // any JSON value
	stringArg                 // a string
	arrayArg                  // an array (the array functions take it first)
	integerArg                // an integer (a number without a fraction)
	// roundedArg is an integer argument of MathAdd and MathRandom: AWS rounds a number with a
	// fraction half up (1.5 to 2, -1.5 to -1, as Java's Math.round), recorded in LocalStack's
	// test_math_operations against AWS.
	roundedArg
)

// intrinsic is one intrinsic function: how many arguments it takes, the kinds of its leading
// arguments (checked in order before fn runs; fn checks the others itself), and what it does.
type intrinsic struct {
	min, max int // max -1: any number
	kinds    []argKind
	fn       func(c *icall, args []any) (any, error)
}

// intrinsics are the intrinsic functions by name.
var intrinsics = map[string]intrinsic{
	"States.Format":         {1, -1, nil, format},
	"States.StringToJson":   {1, 1, []argKind{stringArg}, stringToJSON},
	"States.JsonToString":   {1, 1, nil, jsonToString},
	"States.Array":          {0, -1, nil, func(_ *icall, args []any) (any, error) { return append([]any{}, args...), nil }},
	"States.ArrayPartition": {2, 2, []argKind{arrayArg, integerArg}, arrayPartition},
	"States.ArrayContains":  {2, 2, []argKind{arrayArg}, arrayContains},
	"States.ArrayRange":     {3, 3, []argKind{integerArg, integerArg, integerArg}, arrayRange},
	"States.ArrayGetItem":   {2, 2, []argKind{arrayArg, integerArg}, arrayGetItem},
	"States.ArrayLength":    {1, 1, []argKind{arrayArg}, func(_ *icall, args []any) (any, error) { return int64(len(args[0].([]any))), nil }},
	"States.ArrayUnique":    {1, 1, []argKind{arrayArg}, arrayUnique},
	"States.Base64Encode":   {1, 1, []argKind{stringArg}, base64Encode},
	"States.Base64Decode":   {1, 1, []argKind{stringArg}, base64Decode},
	"States.Hash":           {2, 2, []argKind{stringArg, stringArg}, hashOf},
	"States.JsonMerge":      {3, 3, nil, jsonMerge},
	"States.MathRandom":     {2, 3, []argKind{roundedArg, roundedArg}, mathRandom},
	"States.MathAdd":        {2, 2, []argKind{roundedArg, roundedArg}, mathAdd},
	"States.StringSplit":    {2, 2, []argKind{stringArg, stringArg}, stringSplit},
	"States.UUID":           {0, 0, nil, uuid},
}

func (c *icall) apply(args []any) (any, error) {
	fn, ok := intrinsics[c.name]
	if !ok {
		return nil, ifail(c.name, "unknown function")
	}
	for i, k := range fn.kinds {
		v, err := asKind(c.name, k, i, args[i])
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	return fn.fn(c, args)
}

// asKind returns argument i (from 0) of function name as kind k: a string, an []any, or an
// int64 for integers.
func asKind(name string, k argKind, i int, v any) (any, error) {
	switch k {
	case stringArg:
		if _, ok := v.(string); !ok {
			return nil, ifail(name, "argument %d must be a string, got %s", i+1, typeName(v))
		}
	case arrayArg:
		if _, ok := v.([]any); !ok {
			return nil, ifail(name, "argument %d must be an array, got %s", i+1, typeName(v))
		}
	case roundedArg:
		if f, ok := v.(float64); ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
			if r := math.Floor(f + 0.5); r >= -(1<<63) && r < 1<<63 {
				return int64(r), nil
			}
		}
		return asKind(name, integerArg, i, v)
	case integerArg:
		n, ok := toInt(v)
		if !ok {
			return nil, ifail(name, "argument %d must be an integer, got %s", i+1, mustJSONString(v))
		}
		return n, nil
	}
	return v, nil
}

// maxEncodedInput is the most characters States.Base64Encode, Base64Decode and Hash take.
const maxEncodedInput = 10000

func checkEncodedInput(name, s string) error {
	if len(s) > maxEncodedInput {
		return ifail(name, "the input has %d characters, more than the limit of %d", len(s), maxEncodedInput)
	}
	return nil
}

func format(c *icall, args []any) (any, error) {
	tmpl := c.args[0]
	if !tmpl.isStr {
		s, err := asKind(c.name, stringArg, 0, args[0])
		if err != nil {
			return nil, err
		}
		tmpl = iarg{rawStr: s.(string)}
	}
	return formatTemplate(tmpl.rawStr, args[1:])
}

func stringToJSON(c *icall, args []any) (any, error) {
	s := args[0].(string)
	if strings.TrimSpace(s) == "" {
		// AWS returns null for "" and " " (LocalStack's test_string_to_json, recorded on AWS)
		return nil, nil
	}
	v, err := parseJSON([]byte(s))
	if err != nil {
		return nil, ifail(c.name, "the string is not JSON: %v", err)
	}
	return v, nil
}

func jsonToString(c *icall, args []any) (any, error) {
	b, err := marshalJSON(args[0])
	if err != nil {
		return nil, ifail(c.name, "%v", err)
	}
	return string(b), nil
}

func arrayPartition(c *icall, args []any) (any, error) {
	a, size := args[0].([]any), args[1].(int64)
	if size <= 0 {
		return nil, ifail(c.name, "the chunk size must be a positive integer, got %d", size)
	}
	out := []any{}
	for i := 0; i < len(a); i += int(size) {
		end := min(i+int(size), len(a))
		out = append(out, append([]any{}, a[i:end]...))
	}
	return out, nil
}

func arrayContains(_ *icall, args []any) (any, error) {
	for _, e := range args[0].([]any) {
		if jsonEqual(e, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func arrayRange(c *icall, args []any) (any, error) {
	start, end, step := args[0].(int64), args[1].(int64), args[2].(int64)
	if step == 0 {
		return nil, ifail(c.name, "the step must not be 0")
	}
	out := []any{}
	for i := start; (step > 0 && i <= end) || (step < 0 && i >= end); i += step {
		out = append(out, i)
		if len(out) > 1000 {
			return nil, ifail(c.name, "the range has more than 1000 elements (the limit)")
		}
	}
	return out, nil
}

func arrayGetItem(c *icall, args []any) (any, error) {
	a, i := args[0].([]any), args[1].(int64)
	if i < 0 || i >= int64(len(a)) {
		return nil, ifail(c.name, "index %d is out of range 0..%d", i, len(a)-1)
	}
	return a[i], nil
}

func arrayUnique(_ *icall, args []any) (any, error) {
	out := []any{}
next:
	for _, e := range args[0].([]any) {
		for _, o := range out {
			if jsonEqual(e, o) {
				continue next
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func base64Encode(c *icall, args []any) (any, error) {
	s := args[0].(string)
	if err := checkEncodedInput(c.name, s); err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func base64Decode(c *icall, args []any) (any, error) {
	s := args[0].(string)
	if err := checkEncodedInput(c.name, s); err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, ifail(c.name, "not base64: %v", err)
	}
	return string(b), nil
}

// hashes are States.Hash's algorithms.
var hashes = map[string]func() hash.Hash{
	"MD5": md5.New, "SHA-1": sha1.New, "SHA-256": sha256.New, "SHA-384": sha512.New384, "SHA-512": sha512.New,
}

func hashOf(c *icall, args []any) (any, error) {
	s, algo := args[0].(string), args[1].(string)
	if err := checkEncodedInput(c.name, s); err != nil {
		return nil, err
	}
	newHash, ok := hashes[algo]
	if !ok {
		return nil, ifail(c.name, "the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, got %q", algo)
	}
	h := newHash()
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func jsonMerge(c *icall, args []any) (any, error) {
	a, ok1 := args[0].(*object)
	b, ok2 := args[1].(*object)
	if !ok1 || !ok2 {
		return nil, ifail(c.name, "the first two arguments must be objects, got %s and %s", typeName(args[0]), typeName(args[1]))
	}
	deep, ok := args[2].(bool)
	if !ok {
		return nil, ifail(c.name, "the third argument must be a boolean, got %s", typeName(args[2]))
	}
	if deep {
		return nil, ifail(c.name, "deep merge (true) is not supported by Step Functions; use false")
	}
	out := newObject(a.len() + b.len())
	for _, e := range a.m {
		out.add(e.key, e.val)
	}
	for _, e := range b.m {
		out.add(e.key, e.val)
	}
	return out, nil
}

func mathRandom(c *icall, args []any) (any, error) {
	start, end := args[0].(int64), args[1].(int64)
	if end < start {
		return nil, ifail(c.name, "the end (%d) must not be smaller than the start (%d)", end, start)
	}
	var r *mrand.Rand
	if len(args) == 3 {
		seed, err := asKind(c.name, roundedArg, 2, args[2])
		if err != nil {
			return nil, err
		}
		r = mrand.New(mrand.NewPCG(uint64(seed.(int64)), 0))
	} else {
		var b [16]byte
		_, _ = rand.Read(b[:])
		r = mrand.New(mrand.NewPCG(new(big.Int).SetBytes(b[:8]).Uint64(), new(big.Int).SetBytes(b[8:]).Uint64()))
	}
	return start + r.Int64N(end-start+1), nil
}

func mathAdd(c *icall, args []any) (any, error) {
	a, b := args[0].(int64), args[1].(int64)
	sum := a + b
	if (a >= 0) == (b >= 0) && (sum >= 0) != (a >= 0) {
		return nil, ifail(c.name, "the sum of %d and %d is outside the 64-bit integer range", a, b)
	}
	return sum, nil
}

func stringSplit(_ *icall, args []any) (any, error) {
	s, d := args[0].(string), args[1].(string)
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(d, r) })
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func uuid(*icall, []any) (any, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
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
