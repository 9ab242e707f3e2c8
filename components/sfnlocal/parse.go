package sfnlocal

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// bigInt is an integer literal beyond int64, kept as its text so that it is written back
// digit for digit, as Jackson's BigInteger is; it compares as the nearest float64.
type bigInt string

// maxDepth bounds the nesting of a document: deeper input fails to parse rather than exhaust
// the stack (AWS's 256 KiB payloads nest at most 131,072 deep).
const maxDepth = 200000

// parseJSON decodes one JSON document: objects keep their members in document order (a
// duplicate key keeps its first position and its last value), integers that fit become int64,
// larger ones bigInt, other numbers float64.
func parseJSON(b []byte) (any, error) {
	p := jsonParser{b: b}
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		p.i = 3
	}
	p.ws()
	if p.i == len(b) {
		return nil, fmt.Errorf("empty JSON document")
	}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(b) {
		return nil, p.errorf("unexpected %q after the JSON value", p.b[p.i])
	}
	return v, nil
}

type jsonParser struct {
	b []byte
	i int
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("JSON at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *jsonParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if p.i >= len(p.b) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		o := newObject(4)
		if empty, err := p.open(depth, '}'); err != nil || empty {
			return o, err
		}
		for {
			p.ws()
			if p.i >= len(p.b) || p.b[p.i] != '"' {
				return nil, p.errorf("expected a member name")
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.i >= len(p.b) || p.b[p.i] != ':' {
				return nil, p.errorf("expected ':' after a member name")
			}
			p.i++
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			o.add(k, v)
			if end, err := p.next('}', "an object"); err != nil || end {
				return o, err
			}
		}
	case c == '[':
		a := []any{}
		if empty, err := p.open(depth, ']'); err != nil || empty {
			return a, err
		}
		for {
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
			if end, err := p.next(']', "an array"); err != nil || end {
				return a, err
			}
		}
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true", true)
	case c == 'f':
		return p.literal("false", false)
	case c == 'n':
		return p.literal("null", nil)
	}
	return nil, p.errorf("unexpected %q", p.b[p.i])
}

// open enters the object or array at p.i, nested depth deep: it skips the opening bracket and
// reports whether the container is empty (its closing bracket is then skipped too).
func (p *jsonParser) open(depth int, closing byte) (empty bool, err error) {
	if depth >= maxDepth {
		return false, p.errorf("nested deeper than %d", maxDepth)
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == closing {
		p.i++
		return true, nil
	}
	return false, nil
}

// next skips what follows an element of a container (in names it): a ',' before the next element,
// or the closing bracket at the end.
func (p *jsonParser) next(closing byte, in string) (end bool, err error) {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ',' {
		p.i++
		return false, nil
	}
	if p.i < len(p.b) && p.b[p.i] == closing {
		p.i++
		return true, nil
	}
	return false, p.errorf("expected ',' or '%c' in %s", closing, in)
}

func (p *jsonParser) literal(word string, v any) (any, error) {
	if len(p.b)-p.i >= len(word) && string(p.b[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return v, nil
	}
	return nil, p.errorf("unexpected %q", p.b[p.i])
}

func (p *jsonParser) number() (any, error) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	intStart := p.i
	if n := digits(); n == 0 || (n > 1 && p.b[intStart] == '0') {
		return nil, p.errorf("malformed number %q", p.b[start:p.i])
	}
	isInt := true
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		isInt = false
		if digits() == 0 {
			return nil, p.errorf("malformed number %q", p.b[start:p.i])
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		isInt = false
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.errorf("malformed number %q", p.b[start:p.i])
		}
	}
	text := string(p.b[start:p.i])
	if isInt {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n, nil
		}
		return bigInt(text), nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, p.errorf("number %s is out of range", text)
	}
	return f, nil
}

// str reads a string at p.i (an opening quote).
func (p *jsonParser) str() (string, error) {
	p.i++
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := string(p.b[start:p.i])
			p.i++
			return s, nil
		}
		if c == '\\' {
			return p.strEscaped(start)
		}
		if c < 0x20 {
			return "", p.errorf("control character %q in a string", c)
		}
		p.i++
	}
	return "", p.errorf("unterminated string")
}

func (p *jsonParser) strEscaped(start int) (string, error) {
	buf := append(make([]byte, 0, p.i-start+16), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("control character %q in a string", c)
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			break
		}
		e := p.b[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errorf("malformed \\u escape")
			}
			if utf16.IsSurrogate(r) {
				if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					r2, ok := p.hex4()
					if !ok {
						return "", p.errorf("malformed \\u escape")
					}
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
					} else {
						p.i = save
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.errorf("unknown escape \\%c", e)
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if len(p.b)-p.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}
