package sfnlocal

import (
	"fmt"
	"strings"

	"github.com/ohler55/ojg/jp"
)

// jpath is a compiled JSONPath (https://states-language.net/spec.html#path). Paths starting with
// "$$" address the context object.
type jpath struct {
	src      string
	expr     jp.Expr
	context  bool
	root     bool // "$" or "$$" alone
	definite bool // selects at most one node (no wildcard, descent, filter, slice or union)
	// itemField is "Index" or "Value" for $$.Map.Item.Index and $$.Map.Item.Value[...] paths,
	// which are answered from the current item without building the context object; itemRest
	// is the rest of a Value path (nil for the value itself).
	itemField string
	itemRest  jp.Expr
	// simple and itemSimple hold the field names (string) and indices (int) of a definite path
	// made only of those (the common "$.a.b[0]"), walked directly: ojg's FirstFound allocates
	// about a kilobyte per call. nil when the path has other fragments.
	simple, itemSimple []any
}

// simpleSteps returns the steps of an expression made only of the root, child names, indices
// and bracket markers, or nil (and false) when it has anything else.
func simpleSteps(x jp.Expr) ([]any, bool) {
	steps := []any{}
	for i, f := range x {
		switch t := f.(type) {
		case jp.Root, jp.At:
			if i != 0 {
				return nil, false
			}
		case jp.Bracket:
		case jp.Child:
			steps = append(steps, string(t))
		case jp.Nth:
			steps = append(steps, int(t))
		default:
			return nil, false
		}
	}
	return steps, true
}

// walk follows simple steps from v; found is false when a step is missing. Negative indices
// count from the end, as ojg's do.
func walk(steps []any, v any) (any, bool) {
	for _, st := range steps {
		switch k := st.(type) {
		case string:
			m, ok := v.(*object)
			if !ok {
				return nil, false
			}
			if v, ok = m.get(k); !ok {
				return nil, false
			}
		case int:
			a, ok := v.([]any)
			if !ok {
				return nil, false
			}
			if k < 0 {
				k += len(a)
			}
			if k < 0 || k >= len(a) {
				return nil, false
			}
			v = a[k]
		}
	}
	return v, true
}

// ctxSource provides the context object ($$) to path evaluation, built only when needed.
type ctxSource interface {
	get() any
	mapItem() *mapItem
}

func compilePath(src string) (*jpath, error) {
	p := &jpath{src: src}
	s := src
	switch {
	case strings.HasPrefix(s, "$$"):
		p.context = true
		s = s[1:]
	case strings.HasPrefix(s, "$"):
	default:
		return nil, fmt.Errorf("path %q must start with $ or $$", src)
	}
	if s == "$" {
		p.root, p.definite = true, true
		return p, nil
	}
	x, err := jp.ParseString(s)
	if err != nil {
		return nil, fmt.Errorf("path %q: %v", src, err)
	}
	p.expr = x
	if p.context && len(x) >= 4 {
		c1, ok1 := x[1].(jp.Child)
		c2, ok2 := x[2].(jp.Child)
		c3, ok3 := x[3].(jp.Child)
		if ok1 && ok2 && ok3 && c1 == "Map" && c2 == "Item" {
			switch {
			case c3 == "Index" && len(x) == 4:
				p.itemField = "Index"
			case c3 == "Value":
				p.itemField = "Value"
				if len(x) > 4 {
					p.itemRest = append(jp.Expr{x[0]}, x[4:]...)
				}
			}
		}
	}
	p.definite = true
	for _, f := range x {
		switch f.(type) {
		case jp.Root, jp.Child, jp.Nth, jp.At:
		case jp.Bracket:
		default:
			p.definite = false
		}
	}
	if p.definite {
		if steps, ok := simpleSteps(x); ok {
			p.simple = steps
		}
		if p.itemRest != nil {
			if steps, ok := simpleSteps(p.itemRest); ok {
				p.itemSimple = steps
			}
		}
	}
	return p, nil
}

// isReference reports whether the path is a Reference Path: only field names and indices, so it
// can name where to put a value (ResultPath).
func (p *jpath) isReference() bool { return p.definite && !p.context }

// get evaluates the path. found is false when a definite path matches nothing.
func (p *jpath) get(input any, ctx ctxSource) (v any, found bool) {
	data := input
	if p.context {
		if p.itemField != "" {
			if it := ctx.mapItem(); it != nil {
				if p.itemField == "Index" {
					return int64(it.index), true
				}
				if p.itemRest == nil {
					return it.value, true
				}
				if p.itemSimple != nil {
					return walk(p.itemSimple, it.value)
				}
				return selectAll(p.itemRest, it.value, []any{}), true
			}
		}
		data = ctx.get()
	}
	if p.root {
		return data, true
	}
	if p.simple != nil {
		return walk(p.simple, data)
	}
	return selectAll(p.expr, data, []any{}), true
}

// selectAll appends the nodes x selects from v to out, in document order, as Jayway JsonPath
// (which Step Functions uses) returns them: a wildcard gives an object's members or an array's
// elements in order; a descent applies the rest of the path to the node and then to every node
// below it, parents before children, members and elements in order; a filter keeps the
// elements of an array that match it (on an object, the object itself when it matches).
func selectAll(x jp.Expr, v any, out []any) []any {
	for len(x) > 0 {
		switch x[0].(type) {
		case jp.Root, jp.At, jp.Bracket:
			x = x[1:]
			continue
		}
		break
	}
	if len(x) == 0 {
		return append(out, v)
	}
	rest := x[1:]
	switch f := x[0].(type) {
	case jp.Child:
		if o, ok := v.(*object); ok {
			if c, ok := o.get(string(f)); ok {
				return selectAll(rest, c, out)
			}
		}
	case jp.Nth:
		if a, ok := v.([]any); ok {
			i := int(f)
			if i < 0 {
				i += len(a)
			}
			if i >= 0 && i < len(a) {
				return selectAll(rest, a[i], out)
			}
		}
	case jp.Wildcard:
		switch t := v.(type) {
		case *object:
			for _, e := range t.m {
				out = selectAll(rest, e.val, out)
			}
		case []any:
			for _, e := range t {
				out = selectAll(rest, e, out)
			}
		}
	case jp.Descent:
		out = selectAll(rest, v, out)
		switch t := v.(type) {
		case *object:
			for _, e := range t.m {
				if isContainer(e.val) {
					out = selectAll(x, e.val, out)
				}
			}
		case []any:
			for _, e := range t {
				if isContainer(e) {
					out = selectAll(x, e, out)
				}
			}
		}
	case jp.Union:
		for _, k := range f {
			switch key := k.(type) {
			case string:
				out = selectAll(append(jp.Expr{jp.Child(key)}, rest...), v, out)
			case int64:
				out = selectAll(append(jp.Expr{jp.Nth(key)}, rest...), v, out)
			}
		}
	case jp.Slice:
		if a, ok := v.([]any); ok {
			for _, i := range sliceIndices(f, len(a)) {
				out = selectAll(rest, a[i], out)
			}
		}
	case *jp.Filter:
		switch t := v.(type) {
		case []any:
			for _, e := range t {
				if f.Match(e) {
					out = selectAll(rest, e, out)
				}
			}
		case *object:
			if f.Match(t) {
				out = selectAll(rest, t, out)
			}
		}
	}
	return out
}

func isContainer(v any) bool {
	switch v.(type) {
	case *object, []any:
		return true
	}
	return false
}

// sliceIndices lists the indices [start:end:step] selects from an array of n elements, with
// negative bounds counted from the end and bounds clamped to the array (RFC 9535's rules).
func sliceIndices(f jp.Slice, n int) []int {
	get := func(i int) (int, bool) {
		if i >= len(f) || f[i] == jp.SliceNotSet {
			return 0, false
		}
		return f[i], true
	}
	step, ok := get(2)
	if !ok {
		step = 1
	}
	if step == 0 {
		return nil
	}
	norm := func(i int) int {
		if i < 0 {
			return i + n
		}
		return i
	}
	var lo, hi int
	start, hasStart := get(0)
	end, hasEnd := get(1)
	var idx []int
	if step > 0 {
		lo, hi = 0, n
		if hasStart {
			lo = min(max(norm(start), 0), n)
		}
		if hasEnd {
			hi = min(max(norm(end), 0), n)
		}
		for i := lo; i < hi; i += step {
			idx = append(idx, i)
		}
		return idx
	}
	lo, hi = -1, n-1
	if hasStart {
		hi = min(max(norm(start), -1), n-1)
	}
	if hasEnd {
		lo = min(max(norm(end), -1), n-1)
	}
	for i := hi; i > lo; i += step {
		idx = append(idx, i)
	}
	return idx
}

// set returns a copy of root with v placed at the reference path, creating missing objects on
// the way (https://states-language.net/spec.html#filters, ResultPath). The input is not modified.
func (p *jpath) set(root, v any) (any, error) {
	if p.root {
		return v, nil
	}
	frags := make([]jp.Frag, 0, len(p.expr))
	for _, f := range p.expr {
		switch f.(type) {
		case jp.Root, jp.Bracket:
			continue
		}
		frags = append(frags, f)
	}
	return setFrags(root, frags, v, p.src)
}

func setFrags(node any, frags []jp.Frag, v any, src string) (any, error) {
	if len(frags) == 0 {
		return v, nil
	}
	switch f := frags[0].(type) {
	case jp.Child:
		var m *object
		switch t := node.(type) {
		case *object:
			m = t
		case nil:
			m = newObject(1)
		default:
			return nil, newErr(ErrResultPathMatchFailure,
				"Unable to apply ResultPath %q: the value at %q is a %s, not an object", src, string(f), typeName(node))
		}
		old, _ := m.get(string(f))
		child, err := setFrags(old, frags[1:], v, src)
		if err != nil {
			return nil, err
		}
		return m.with(string(f), child), nil
	case jp.Nth:
		arr, ok := node.([]any)
		i := int(f)
		if i < 0 && ok {
			i += len(arr)
		}
		if !ok || i < 0 || i >= len(arr) {
			return nil, newErr(ErrResultPathMatchFailure,
				"Unable to apply ResultPath %q: index %d does not exist in the input", src, int(f))
		}
		c := append([]any(nil), arr...)
		child, err := setFrags(c[i], frags[1:], v, src)
		if err != nil {
			return nil, err
		}
		c[i] = child
		return c, nil
	}
	return nil, newErr(ErrResultPathMatchFailure, "Unable to apply ResultPath %q: not a reference path", src)
}

// template is a compiled payload template: Parameters, ItemSelector, ResultSelector, BatchInput
// (https://states-language.net/spec.html#payload-template). Keys ending in ".$" take their value
// from a path or an intrinsic function.
type template struct {
	static any // a literal value (no ".$" fields below)
	fields []tfield
	array  []*template
	isObj  bool
	isArr  bool
}

type tfield struct {
	key  string
	sub  *template // nested literal/template value
	path *jpath
	call *icall
	dyn  bool
	orig string
}

func compileTemplate(v any, where string) (*template, []string) {
	switch t := v.(type) {
	case *object:
		tp := &template{isObj: true}
		var problems []string
		for _, e := range t.m {
			k, val := e.key, e.val
			if strings.HasSuffix(k, ".$") {
				s, ok := val.(string)
				if !ok {
					problems = append(problems, fmt.Sprintf("%s.%s: a field ending in .$ must be a string path or intrinsic function, got %s", where, k, typeName(val)))
					continue
				}
				f := tfield{key: strings.TrimSuffix(k, ".$"), dyn: true, orig: s}
				if strings.HasPrefix(s, "$") {
					p, err := compilePath(s)
					if err != nil {
						problems = append(problems, fmt.Sprintf("%s.%s: %v", where, k, err))
						continue
					}
					f.path = p
				} else {
					c, err := parseIntrinsic(s)
					if err != nil {
						problems = append(problems, fmt.Sprintf("%s.%s: %v", where, k, err))
						continue
					}
					f.call = c
				}
				tp.fields = append(tp.fields, f)
				continue
			}
			sub, ps := compileTemplate(val, where+"."+k)
			problems = append(problems, ps...)
			tp.fields = append(tp.fields, tfield{key: k, sub: sub})
		}
		return tp, problems
	case []any:
		tp := &template{isArr: true}
		var problems []string
		for i, e := range t {
			sub, ps := compileTemplate(e, fmt.Sprintf("%s[%d]", where, i))
			problems = append(problems, ps...)
			tp.array = append(tp.array, sub)
		}
		return tp, problems
	default:
		return &template{static: v}, nil
	}
}

// eval builds the template's value against input and the context object.
func (tp *template) eval(input any, ctx ctxSource) (any, error) {
	switch {
	case tp.isObj:
		out := newObject(len(tp.fields))
		for _, f := range tp.fields {
			switch {
			case f.path != nil:
				v, ok := f.path.get(input, ctx)
				if !ok {
					return nil, newErr(ErrRuntime,
						"The JSONPath '%s' specified for the field '%s.$' could not be found in the input '%s'",
						f.orig, f.key, truncate(mustJSONString(pick(f.path.context, input, ctx)), 256))
				}
				out.add(f.key, v)
			case f.call != nil:
				v, err := f.call.eval(input, ctx)
				if err != nil {
					return nil, err
				}
				out.add(f.key, v)
			default:
				v, err := f.sub.eval(input, ctx)
				if err != nil {
					return nil, err
				}
				out.add(f.key, v)
			}
		}
		return out, nil
	case tp.isArr:
		out := make([]any, len(tp.array))
		for i, s := range tp.array {
			v, err := s.eval(input, ctx)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	default:
		return tp.static, nil
	}
}

func pick(context bool, input any, ctx ctxSource) any {
	if context {
		return ctx.get()
	}
	return input
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
