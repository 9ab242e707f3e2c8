package cron

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

const (
	minYear = 1970
	maxYear = 2199
)

// fieldDef describes one of the six cron fields: its AWS name, its range and the wildcards AWS
// lists for it.
type fieldDef struct {
	name     string
	min, max int
	names    []string // month or weekday names, index 0 = min
	step     bool     // the / wildcard is allowed
	wrap     bool     // a range may wrap around (20-2), as in the AWS example cron(0/30 20-2 ? * MON-FRI *)
}

var (
	defMinutes = fieldDef{name: "minutes", min: 0, max: 59, step: true, wrap: true}
	defHours   = fieldDef{name: "hours", min: 0, max: 23, step: true, wrap: true}
	defDOM     = fieldDef{name: "day-of-month", min: 1, max: 31, step: true, wrap: true}
	defMonth   = fieldDef{name: "month", min: 1, max: 12, step: true, wrap: true,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	defDOW = fieldDef{name: "day-of-week", min: 1, max: 7, step: false, wrap: true,
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
	defYear = fieldDef{name: "year", min: minYear, max: maxYear, step: true, wrap: false}
)

func (f *fieldDef) span() int { return f.max - f.min + 1 }

func (f *fieldDef) allowed() string {
	s := fmt.Sprintf("%d-%d", f.min, f.max)
	if f.names != nil {
		s += " or " + f.names[0] + "-" + f.names[len(f.names)-1]
	}
	return s
}

// part is one element of a comma-separated list: a value, a range, or either with a step.
type part struct {
	star   bool // *
	lo, hi int  // lo == hi for a single value; star: min-max
	rng    bool // written as lo-hi
	step   int  // 0: no step; a/step, lo-hi/step, */step
	open   bool // a/step: from a to the field's maximum
	names  bool // lo and hi were written as names
}

// field is one parsed cron field.
type field struct {
	parts []part
}

type domMode uint8

const (
	domSet         domMode = iota // numbers, ranges, steps, lists
	domLast                       // L or L-n (lastOffset = n)
	domLastWeekday                // LW
	domNearest                    // nW (nearest = n)
)

type dowMode uint8

const (
	dowSet  dowMode = iota // numbers, names, ranges, lists; a bare L means SAT
	dowLast                // nL: last weekday n of the month
	dowNth                 // n#k: k-th weekday n of the month
)

// cronSpec is a parsed cron() expression: the six fields as written (for String) and as bit sets
// (for Next).
type cronSpec struct {
	text [6]string // canonical text of each field

	minutes uint64    // bit m for minute m
	hours   uint64    // bit h for hour h
	months  uint64    // bit m for month m (1-12)
	years   [4]uint64 // bit y-1970 for year y
	never   bool      // the day-of-month rule selects no day of any selected month

	domAny bool // day-of-month is ?; day-of-week decides
	dom    domMode
	domSet uint64 // bit d for day d (1-31), domSet mode
	domArg int    // L-n offset, or the n of nW

	dow    dowMode
	dowSet uint8 // bit w for weekday w (0 = Sunday), dowSet mode
	dowDay int   // weekday (0 = Sunday) for nL and n#k
	dowNth int   // k of n#k
	dowMap [7]uint64
	// dowMap[w] is the day-of-month bit set matched by dowSet in a month whose first day is
	// weekday w.
}

func (c *cronSpec) String() string { return strings.Join(c.text[:], " ") }

func parseCron(body string) (*cronSpec, []error) {
	texts := strings.Split(body, " ")
	for _, t := range texts {
		if t == "" {
			return nil, []error{&Error{Field: "expression", Value: "cron(" + body + ")",
				Rule: "the six fields are separated by single spaces, with none before the first or after the last"}}
		}
	}
	if len(texts) != 6 {
		return nil, []error{&Error{Field: "expression", Value: "cron(" + body + ")",
			Rule: fmt.Sprintf("a cron expression has six fields (minutes hours day-of-month month day-of-week year), got %d", len(texts))}}
	}
	c := &cronSpec{}
	var errs []error
	add := func(e ...error) { errs = append(errs, e...) }

	if f, e := parseField(&defMinutes, texts[0]); e != nil {
		add(e...)
	} else {
		c.minutes = f.bits(&defMinutes)
		c.text[0] = f.String(&defMinutes)
	}
	if f, e := parseField(&defHours, texts[1]); e != nil {
		add(e...)
	} else {
		c.hours = f.bits(&defHours)
		c.text[1] = f.String(&defHours)
	}
	domOK := c.parseDOM(texts[2], add)
	if f, e := parseField(&defMonth, texts[3]); e != nil {
		add(e...)
	} else {
		c.months = f.bits(&defMonth)
		c.text[3] = f.String(&defMonth)
	}
	dowAny, dowOK := c.parseDOW(texts[4], add)
	if f, e := parseField(&defYear, texts[5]); e != nil {
		add(e...)
	} else {
		for _, p := range f.parts {
			p.each(&defYear, func(y int) { c.years[(y-minYear)/64] |= 1 << ((y - minYear) % 64) })
		}
		c.text[5] = f.String(&defYear)
	}
	if domOK && dowOK {
		switch {
		case c.domAny && dowAny:
			add(&Error{Field: "day-of-month", Value: "?",
				Rule: "day-of-month and day-of-week cannot both be ?; set one of them"})
		case !c.domAny && !dowAny:
			add(&Error{Field: "day-of-month", Value: texts[2],
				Rule: "day-of-month and day-of-week cannot both be set; put ? in one of them (day-of-week is " + strconv.Quote(texts[4]) + ")"})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	c.never = !c.canFire()
	return c, nil
}

// canFire reports whether a day-of-month rule selects a day in any of the selected months (with
// February at 29 days), so that Next answers at once for schedules such as cron(0 0 30 2 ? *)
// instead of walking every month up to 2199.
func (c *cronSpec) canFire() bool {
	if c.domAny || c.dom == domLastWeekday {
		return true
	}
	for m := 1; m <= 12; m++ {
		if c.months&(1<<m) == 0 {
			continue
		}
		n := daysIn(2000, m) // a leap year: February has 29 days
		switch c.dom {
		case domSet:
			if c.domSet&(uint64(1)<<(n+1)-2) != 0 {
				return true
			}
		case domNearest:
			if c.domArg <= n {
				return true
			}
		case domLast:
			if n-c.domArg >= 1 {
				return true
			}
		}
	}
	return false
}

// parseDOM parses the day-of-month field: ?, L, L-n, LW, nW, or the common syntax.
func (c *cronSpec) parseDOM(s string, add func(...error)) bool {
	u := strings.ToUpper(s)
	errf := func(rule string) bool {
		add(&Error{Field: "day-of-month", Value: s, Rule: rule})
		return false
	}
	switch {
	case u == "?":
		c.domAny = true
		c.text[2] = "?"
		return true
	case strings.ContainsAny(u, "LW") && strings.ContainsAny(u, ",/*"):
		return errf("L, LW and W stand alone: they cannot be combined with , / or * (use a single L, L-n, LW or nW)")
	case strings.Contains(u, "#"):
		return errf("# is allowed only in day-of-week; day-of-month takes , - * ? / L W")
	case u == "L":
		c.dom, c.text[2] = domLast, "L"
		return true
	case u == "LW":
		c.dom, c.text[2] = domLastWeekday, "LW"
		return true
	case strings.HasPrefix(u, "L-"):
		n, ok := number(u[2:])
		if !ok || n < 1 || n > 30 {
			return errf("L-n means n days before the last day of the month; n must be 1-30")
		}
		c.dom, c.domArg, c.text[2] = domLast, n, "L-"+strconv.Itoa(n)
		return true
	case strings.HasSuffix(u, "W"):
		n, ok := number(u[:len(u)-1])
		if !ok || n < 1 || n > 31 {
			return errf("nW means the weekday nearest day n and takes a single day n of 1-31 (no ranges or lists)")
		}
		c.dom, c.domArg, c.text[2] = domNearest, n, strconv.Itoa(n)+"W"
		return true
	case strings.ContainsAny(u, "LW"):
		return errf("L must stand alone as L, L-n or LW, and W must follow a single day (nW)")
	}
	f, e := parseField(&defDOM, s)
	if e != nil {
		add(e...)
		return false
	}
	c.dom, c.domSet, c.text[2] = domSet, f.bits(&defDOM), f.String(&defDOM)
	return true
}

// parseDOW parses the day-of-week field: ?, L, nL, n#k, or the common syntax without /.
func (c *cronSpec) parseDOW(s string, add func(...error)) (anyDay, ok bool) {
	u := strings.ToUpper(s)
	errf := func(rule string) (bool, bool) {
		add(&Error{Field: "day-of-week", Value: s, Rule: rule})
		return false, false
	}
	switch {
	case u == "?":
		c.text[4] = "?"
		return true, true
	case strings.Contains(u, "/"):
		return errf("/ is not allowed in day-of-week (AWS allows , - * ? L #); list the days instead, such as 2,4,6")
	case strings.Contains(u, "W"):
		if _, isName := weekdayName(u); !isName && !strings.Contains(u, "WED") {
			return errf("W is allowed only in day-of-month; day-of-week takes , - * ? L #")
		}
	}
	if strings.Contains(u, "#") {
		if strings.ContainsAny(u, ",-*L") {
			return errf("# stands alone: only one n#k expression is allowed in day-of-week (AWS: \"3#1,6#3\" is not valid)")
		}
		day, nth, _ := strings.Cut(u, "#")
		w, wok := weekdayValue(day)
		k, kok := number(nth)
		if !wok || !kok || k < 1 || k > 5 {
			return errf("n#k means the k-th weekday n of the month; n must be 1-7 or SUN-SAT and k 1-5")
		}
		c.dow, c.dowDay, c.dowNth = dowNth, w, k
		c.text[4] = weekdayText(day, w) + "#" + strconv.Itoa(k)
		return false, true
	}
	if u == "L" {
		// Quartz, whose dialect AWS uses: "L" alone in day-of-week means 7, Saturday, the last day
		// of the week (AWS: "specifies the last day of the month or week").
		c.dow, c.dowSet, c.text[4] = dowSet, 1<<6, "L"
		c.fillDowMap()
		return false, true
	}
	if strings.HasSuffix(u, "L") {
		day := u[:len(u)-1]
		w, wok := weekdayValue(day)
		if !wok || strings.ContainsAny(day, ",-*") {
			return errf("nL means the last weekday n of the month; n must be a single day 1-7 or SUN-SAT (no ranges or lists)")
		}
		c.dow, c.dowDay, c.text[4] = dowLast, w, weekdayText(day, w)+"L"
		return false, true
	}
	if strings.Contains(u, "L") {
		return errf("L must stand alone (L) or follow a single day (nL, such as 6L for the last Friday)")
	}
	f, e := parseField(&defDOW, s)
	if e != nil {
		add(e...)
		return false, false
	}
	var set uint8
	for _, p := range f.parts {
		p.each(&defDOW, func(v int) { set |= 1 << (v - 1) })
	}
	c.dow, c.dowSet, c.text[4] = dowSet, set, f.String(&defDOW)
	c.fillDowMap()
	return false, true
}

func (c *cronSpec) fillDowMap() {
	for first := 0; first < 7; first++ {
		var m uint64
		for d := 1; d <= 31; d++ {
			if c.dowSet&(1<<((first+d-1)%7)) != 0 {
				m |= 1 << d
			}
		}
		c.dowMap[first] = m
	}
}

// weekdayValue reads a day-of-week as 1-7 or SUN-SAT and returns it as 0 (Sunday) to 6.
func weekdayValue(s string) (int, bool) {
	if w, ok := weekdayName(s); ok {
		return w, true
	}
	n, ok := number(s)
	if !ok || n < 1 || n > 7 {
		return 0, false
	}
	return n - 1, true
}

func weekdayName(s string) (int, bool) {
	for i, n := range defDOW.names {
		if strings.EqualFold(s, n) {
			return i, true
		}
	}
	return 0, false
}

// weekdayText renders weekday w (0 = Sunday) as a name when it was written as one.
func weekdayText(written string, w int) string {
	if _, isName := weekdayName(written); isName {
		return defDOW.names[w]
	}
	return strconv.Itoa(w + 1)
}

// number parses 1 to 4 decimal digits.
func number(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// parseField parses the syntax common to all fields: *, values, names, ranges, steps and lists.
func parseField(def *fieldDef, s string) (*field, []error) {
	var errs []error
	bad := func(v, rule string) { errs = append(errs, &Error{Field: def.name, Value: v, Rule: rule}) }
	if s == "?" {
		bad(s, "? is allowed only in day-of-month and day-of-week")
		return nil, errs
	}
	f := &field{}
	items := strings.Split(s, ",")
	for _, item := range items {
		if item == "" {
			bad(s, "a list has an empty element; separate values with single commas")
			continue
		}
		p, rule := parsePart(def, item)
		if rule != "" {
			bad(item, rule)
			continue
		}
		if p.star && p.step == 0 && len(items) > 1 {
			bad(s, "* means every value and cannot be part of a list (*/n can)")
			continue
		}
		f.parts = append(f.parts, p)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return f, nil
}

func parsePart(def *fieldDef, item string) (part, string) {
	var p part
	base, stepText, hasStep := strings.Cut(item, "/")
	if hasStep {
		if !def.step {
			return p, "/ is not allowed in " + def.name
		}
		n, ok := number(stepText)
		if !ok || n < 1 || n > def.span() {
			return p, fmt.Sprintf("the increment after / must be a whole number 1-%d", def.span())
		}
		p.step = n
	}
	if base == "*" {
		p.star, p.lo, p.hi = true, def.min, def.max
		return p, ""
	}
	loText, hiText, isRange := strings.Cut(base, "-")
	lo, loName, rule := value(def, loText)
	if rule != "" {
		return p, rule
	}
	p.lo, p.hi, p.names = lo, lo, loName
	if isRange {
		hi, hiName, rule := value(def, hiText)
		if rule != "" {
			return p, rule
		}
		if hiName != loName {
			return p, "both ends of a range must be numbers or both names"
		}
		if hi < lo && !def.wrap {
			return p, fmt.Sprintf("a %s range must go upwards (start <= end)", def.name)
		}
		p.hi, p.rng = hi, true
	} else if hasStep {
		p.hi, p.open = def.max, true
	}
	return p, ""
}

func value(def *fieldDef, s string) (v int, isName bool, rule string) {
	for i, n := range def.names {
		if strings.EqualFold(s, n) {
			return def.min + i, true, ""
		}
	}
	n, ok := number(s)
	if !ok || n < def.min || n > def.max {
		return 0, false, "values must be " + def.allowed() + ", separated by , - or /"
	}
	return n, false, ""
}

// each calls fn for every value the part selects. A range whose end is below its start wraps
// around the field's maximum, as Quartz does (hours 20-2 is 20, 21, 22, 23, 0, 1, 2).
func (p part) each(def *fieldDef, fn func(int)) {
	step := p.step
	if step == 0 {
		step = 1
	}
	hi := p.hi
	if hi < p.lo {
		hi += def.span()
	}
	for i := p.lo; i <= hi; i += step {
		v := i
		if v > def.max {
			v -= def.span()
		}
		fn(v)
	}
}

func (f *field) bits(def *fieldDef) uint64 {
	var b uint64
	for _, p := range f.parts {
		p.each(def, func(v int) { b |= 1 << v })
	}
	return b
}

func (f *field) String(def *fieldDef) string {
	out := make([]string, len(f.parts))
	for i, p := range f.parts {
		var s string
		switch {
		case p.star:
			s = "*"
		case p.rng:
			s = render(def, p.lo, p.names) + "-" + render(def, p.hi, p.names)
		default:
			s = render(def, p.lo, p.names)
		}
		if p.step > 0 {
			s += "/" + strconv.Itoa(p.step)
		}
		out[i] = s
	}
	return strings.Join(out, ",")
}

func render(def *fieldDef, v int, name bool) string {
	if name {
		return def.names[v-def.min]
	}
	return strconv.Itoa(v)
}

// nextBit returns the lowest set bit of b at or above from.
func nextBit(b uint64, from int) (int, bool) {
	if from >= 64 {
		return 0, false
	}
	b >>= uint(from)
	if b == 0 {
		return 0, false
	}
	return from + bits.TrailingZeros64(b), true
}
