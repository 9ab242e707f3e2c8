package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Unit is a CloudWatch metric unit.
type Unit string

// The units CloudWatch accepts (the specification's list, the same as MetricDatum's).
const (
	Seconds            Unit = "Seconds"
	Microseconds       Unit = "Microseconds"
	Milliseconds       Unit = "Milliseconds"
	Bytes              Unit = "Bytes"
	Kilobytes          Unit = "Kilobytes"
	Megabytes          Unit = "Megabytes"
	Gigabytes          Unit = "Gigabytes"
	Terabytes          Unit = "Terabytes"
	Bits               Unit = "Bits"
	Kilobits           Unit = "Kilobits"
	Megabits           Unit = "Megabits"
	Gigabits           Unit = "Gigabits"
	Terabits           Unit = "Terabits"
	Percent            Unit = "Percent"
	Count              Unit = "Count"
	BytesPerSecond     Unit = "Bytes/Second"
	KilobytesPerSecond Unit = "Kilobytes/Second"
	MegabytesPerSecond Unit = "Megabytes/Second"
	GigabytesPerSecond Unit = "Gigabytes/Second"
	TerabytesPerSecond Unit = "Terabytes/Second"
	BitsPerSecond      Unit = "Bits/Second"
	KilobitsPerSecond  Unit = "Kilobits/Second"
	MegabitsPerSecond  Unit = "Megabits/Second"
	GigabitsPerSecond  Unit = "Gigabits/Second"
	TerabitsPerSecond  Unit = "Terabits/Second"
	CountPerSecond     Unit = "Count/Second"
	None               Unit = "None"
)

// Units returns every accepted unit (a fresh slice on every call).
func Units() []Unit { return slices.Clone(units) }

var units = []Unit{Seconds, Microseconds, Milliseconds, Bytes, Kilobytes, Megabytes, Gigabytes, Terabytes,
	Bits, Kilobits, Megabits, Gigabits, Terabits, Percent, Count, BytesPerSecond, KilobytesPerSecond,
	MegabytesPerSecond, GigabytesPerSecond, TerabytesPerSecond, BitsPerSecond, KilobitsPerSecond,
	MegabitsPerSecond, GigabitsPerSecond, TerabitsPerSecond, CountPerSecond, None}

// Limits of the specification and of CloudWatch.
const (
	MaxDimensions       = 30  // dimensions in a dimension set
	MaxMetricsPerLine   = 100 // metric definitions in one directive
	MaxValuesPerMetric  = 100 // values of one metric in one line
	MaxNameLength       = 255 // namespace, metric and dimension names
	MaxDimensionValue   = 1024
	DefaultNamespace    = "skein"
	EnvNamespace        = "SKEIN_METRICS_NAMESPACE"
	reservedMember      = "_aws"
	invalidNamespaceMsg = "must be 1..255 characters, not start with \":\" and not be only whitespace"
)

// Dimension is one dimension's name and value.
type Dimension struct {
	Name, Value string
}

// Dim is a Dimension.
func Dim(name, value string) Dimension { return Dimension{Name: name, Value: value} }

// Emitter writes the lines of the Sets it starts.
type Emitter struct {
	// Namespace of every metric; empty means DefaultNamespace.
	Namespace string
	// Dimensions every line carries (such as the function); nil means none.
	Dimensions []Dimension
	// W receives the lines; nil means os.Stdout (Lambda sends it to CloudWatch Logs).
	W io.Writer
	// Now stamps the lines; nil means time.Now.
	Now func() time.Time

	mu sync.Mutex // one line at a time on W
}

// FromEnv returns an Emitter on os.Stdout whose namespace is EnvNamespace's value (unset or
// empty means DefaultNamespace), with dims on every line. It fails when the namespace or a
// dimension breaks the specification's rules.
func FromEnv(lookup func(string) (string, bool), dims ...Dimension) (*Emitter, error) {
	ns, _ := lookup(EnvNamespace)
	e := &Emitter{Namespace: ns, Dimensions: dims}
	return e, e.Validate()
}

// Validate checks the namespace and the dimensions, every problem at once.
func (e *Emitter) Validate() error {
	var errs []error
	if ns := e.namespace(); !validName(ns) || strings.HasPrefix(ns, ":") {
		errs = append(errs, fmt.Errorf("metrics: Namespace %s, got %q", invalidNamespaceMsg, ns))
	}
	errs = append(errs, checkDimensions(e.Dimensions)...)
	return errors.Join(errs...)
}

func (e *Emitter) namespace() string {
	if e.Namespace == "" {
		return DefaultNamespace
	}
	return e.Namespace
}

func validName(s string) bool {
	return len(s) >= 1 && len(s) <= MaxNameLength && strings.TrimSpace(s) != ""
}

func checkDimensions(dims []Dimension) []error {
	var errs []error
	if len(dims) > MaxDimensions {
		errs = append(errs, fmt.Errorf("metrics: at most %d dimensions, got %d", MaxDimensions, len(dims)))
	}
	seen := map[string]bool{}
	for i, d := range dims {
		if !validName(d.Name) || strings.HasPrefix(d.Name, ":") || d.Name == reservedMember {
			errs = append(errs, fmt.Errorf("metrics: Dimensions[%d].Name must be 1..255 characters, not start with \":\", not be %q, got %q", i, reservedMember, d.Name))
		}
		if len(d.Value) < 1 || len(d.Value) > MaxDimensionValue || strings.TrimSpace(d.Value) == "" {
			errs = append(errs, fmt.Errorf("metrics: Dimensions[%d].Value (%s) must be 1..%d characters, not only whitespace, got %q", i, d.Name, MaxDimensionValue, d.Value))
		}
		if seen[d.Name] {
			errs = append(errs, fmt.Errorf("metrics: Dimensions[%d].Name %q repeats a dimension", i, d.Name))
		}
		seen[d.Name] = true
	}
	return errs
}

// Start opens a Set carrying the Emitter's dimensions and dims. A nil Emitter returns a nil Set.
func (e *Emitter) Start(dims ...Dimension) *Set {
	if e == nil {
		return nil
	}
	return &Set{e: e, dims: append(slices.Clip(e.Dimensions), dims...), values: map[string]*metric{}}
}

type metric struct {
	unit   Unit
	sum    float64
	values []float64 // Observe; nil for a counter
}

// Set is one invocation's metrics. Safe for concurrent use; a nil Set ignores everything.
type Set struct {
	e      *Emitter
	dims   []Dimension
	mu     sync.Mutex
	order  []string
	values map[string]*metric
	errs   []error
}

func (s *Set) get(name string, unit Unit) *metric {
	m := s.values[name]
	if m == nil {
		m = &metric{unit: unit}
		s.values[name] = m
		s.order = append(s.order, name)
	} else if m.unit != unit {
		s.errs = append(s.errs, fmt.Errorf("metrics: metric %q used with units %s and %s", name, m.unit, unit))
	}
	return m
}

// Add adds v to the counter name (written as one value: the sum). Adding 0 still writes the
// metric, so a period with nothing counted shows 0, not missing data.
func (s *Set) Add(name string, unit Unit, v float64) {
	s.update(name, unit, func(m *metric) { m.sum += v })
}

// Observe records one value of name (written as an array of values: CloudWatch computes the
// statistics over each of them, as for a latency).
func (s *Set) Observe(name string, unit Unit, v float64) {
	s.update(name, unit, func(m *metric) { m.values = append(m.values, v) })
}

// update applies f to the metric name under the Set's lock; a nil Set does nothing.
func (s *Set) update(name string, unit Unit, f func(*metric)) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.get(name, unit))
}

type directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []definition `json:"Metrics"`
}

type definition struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit,omitempty"`
}

// Lines builds the Set's EMF lines (without a trailing newline), stamped at now; extra members
// (such as a correlation id) are added to every line unless they collide with a metric, a
// dimension or "_aws". No line is built when any rule is broken: the error names every problem.
func (s *Set) Lines(now time.Time, extra map[string]any) ([][]byte, error) {
	if s == nil {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := append([]error(nil), s.errs...)
	if err := s.e.Validate(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, checkDimensions(s.dims)...)
	dimNames := make([]string, len(s.dims))
	isDim := map[string]bool{}
	for i, d := range s.dims {
		dimNames[i] = d.Name
		isDim[d.Name] = true
	}
	for _, name := range s.order {
		m := s.values[name]
		if !validName(name) || name == reservedMember || isDim[name] {
			errs = append(errs, fmt.Errorf("metrics: metric name must be 1..255 characters and differ from %q and the dimensions, got %q", reservedMember, name))
		}
		if !slices.Contains(units, m.unit) {
			errs = append(errs, fmt.Errorf("metrics: metric %q: unit must be one of the CloudWatch units, got %q", name, m.unit))
		}
		for _, v := range append([]float64{m.sum}, m.values...) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				errs = append(errs, fmt.Errorf("metrics: metric %q: values must be finite numbers, got %v", name, v))
				break
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(s.order) == 0 {
		return nil, nil
	}
	// Each line: up to 100 metrics, each with up to 100 values.
	type chunk struct {
		name string
		val  any
	}
	var chunks [][]chunk // per line
	cur := []chunk{}
	pending := map[string][]float64{}
	for _, name := range s.order {
		if m := s.values[name]; m.values != nil {
			pending[name] = m.values
		}
	}
	for round := 0; ; round++ {
		if len(cur) > 0 { // a metric appears once per line: each round of values starts a line
			chunks, cur = append(chunks, cur), []chunk{}
		}
		for _, name := range s.order {
			m := s.values[name]
			var val any
			if m.values == nil {
				if round > 0 {
					continue
				}
				val = m.sum
			} else {
				vs := pending[name]
				if len(vs) == 0 {
					continue
				}
				n := min(len(vs), MaxValuesPerMetric)
				val, pending[name] = vs[:n], vs[n:]
			}
			cur = append(cur, chunk{name, val})
			if len(cur) == MaxMetricsPerLine {
				chunks, cur = append(chunks, cur), []chunk{}
			}
		}
		more := false
		for _, vs := range pending {
			more = more || len(vs) > 0
		}
		if !more {
			break
		}
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	var lines [][]byte
	for _, ch := range chunks {
		doc := map[string]any{}
		for k, v := range extra {
			doc[k] = v
		}
		for _, d := range s.dims {
			doc[d.Name] = d.Value
		}
		dir := directive{Namespace: s.e.namespace(), Dimensions: [][]string{dimNames}}
		for _, c := range ch {
			dir.Metrics = append(dir.Metrics, definition{Name: c.name, Unit: s.values[c.name].unit})
			doc[c.name] = c.val
		}
		doc[reservedMember] = map[string]any{"Timestamp": now.UnixMilli(), "CloudWatchMetrics": []directive{dir}}
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		lines = append(lines, b)
	}
	return lines, nil
}

// Flush writes the Set's lines, each followed by a newline, and empties the Set. A nil Set
// writes nothing.
func (s *Set) Flush(extra map[string]any) error {
	if s == nil {
		return nil
	}
	now := time.Now
	if s.e.Now != nil {
		now = s.e.Now
	}
	lines, err := s.Lines(now(), extra)
	s.mu.Lock()
	s.order, s.values, s.errs = nil, map[string]*metric{}, nil
	s.mu.Unlock()
	if err != nil || len(lines) == 0 {
		return err
	}
	w := s.e.W
	if w == nil {
		w = os.Stdout
	}
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	for _, l := range lines {
		if _, err := w.Write(append(l, '\n')); err != nil {
			return err
		}
	}
	return nil
}

type setKey struct{}

// With returns a context carrying s.
func With(ctx context.Context, s *Set) context.Context { return context.WithValue(ctx, setKey{}, s) }

// From returns the Set on ctx, or nil (which ignores everything).
func From(ctx context.Context) *Set {
	s, _ := ctx.Value(setKey{}).(*Set)
	return s
}
