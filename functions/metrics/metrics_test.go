package metrics_test

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/metrics/emftest"
)

var at = time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)

func TestLinesPassTheSpecification(t *testing.T) {
	var buf bytes.Buffer
	e := &metrics.Emitter{Namespace: "skein/demo/dev", Dimensions: []metrics.Dimension{metrics.Dim("function", "vendor")}, W: &buf, Now: func() time.Time { return at }}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	s := e.Start(metrics.Dim("operation", "fetch-metrics"))
	s.Add("Fetched", metrics.Count, 3)
	s.Add("Fetched", metrics.Count, 2)
	s.Add("Captured", metrics.Count, 0)
	for i := range 250 {
		s.Observe("VendorLatency", metrics.Milliseconds, float64(i))
	}
	if err := s.Flush(map[string]any{"correlationId": "exec-1"}); err != nil {
		t.Fatal(err)
	}
	ms, err := emftest.Lines(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n"); n != 3 {
		t.Errorf("250 values at 100 a line: want 3 lines, got %d:\n%s", n, buf.String())
	}
	dims := map[string]string{"function": "vendor", "operation": "fetch-metrics"}
	if got := emftest.Sum(ms, "Fetched", dims); got != 5 {
		t.Errorf("Fetched = %v, want 5", got)
	}
	if got := emftest.Sum(ms, "VendorLatency", dims); got != 249*250/2 {
		t.Errorf("VendorLatency sum = %v, want %v", got, 249*250/2)
	}
	var captured int
	for _, m := range ms {
		if m.Name == "Captured" {
			captured++
			if m.Namespace != "skein/demo/dev" || m.Unit != "Count" || len(m.Values) != 1 || m.Values[0] != 0 {
				t.Errorf("Captured: %+v", m)
			}
		}
	}
	if captured != 1 {
		t.Errorf("a counter is written once, got %d", captured)
	}
	if !strings.Contains(buf.String(), `"Timestamp":1796281200000`) || !strings.Contains(buf.String(), `"correlationId":"exec-1"`) {
		t.Errorf("timestamp or extra member missing:\n%s", buf.String())
	}
	buf.Reset()
	if err := s.Flush(nil); err != nil || buf.Len() != 0 {
		t.Errorf("a flushed set is empty: %v %q", err, buf.String())
	}
}

func TestManyMetricsAreSplitAt100(t *testing.T) {
	var buf bytes.Buffer
	s := (&metrics.Emitter{W: &buf}).Start()
	for i := range 230 {
		s.Add("m"+strings.Repeat("x", i%3)+string(rune('A'+i/26))+string(rune('a'+i%26)), metrics.Count, 1)
	}
	if err := s.Flush(nil); err != nil {
		t.Fatal(err)
	}
	ms, err := emftest.Lines(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 230 || strings.Count(buf.String(), "\n") != 3 {
		t.Errorf("want 230 metrics on 3 lines, got %d on %d", len(ms), strings.Count(buf.String(), "\n"))
	}
	if ms[0].Namespace != metrics.DefaultNamespace {
		t.Errorf("namespace %q", ms[0].Namespace)
	}
}

func TestRulesAreEnforced(t *testing.T) {
	tooMany := make([]metrics.Dimension, 31)
	for i := range tooMany {
		tooMany[i] = metrics.Dim("d"+string(rune('a'+i%26))+string(rune('a'+i/26)), "v")
	}
	cases := []struct {
		name string
		e    *metrics.Emitter
		add  func(*metrics.Set)
		want string
	}{
		{"namespace colon", &metrics.Emitter{Namespace: ":x"}, nil, "Namespace"},
		{"namespace blank", &metrics.Emitter{Namespace: "   "}, nil, "Namespace"},
		{"namespace long", &metrics.Emitter{Namespace: strings.Repeat("n", 256)}, nil, "Namespace"},
		{"31 dimensions", &metrics.Emitter{Dimensions: tooMany}, nil, "at most 30 dimensions"},
		{"empty dimension value", &metrics.Emitter{Dimensions: []metrics.Dimension{metrics.Dim("function", "")}}, nil, "Value"},
		{"unit", &metrics.Emitter{}, func(s *metrics.Set) { s.Add("x", "Furlongs", 1) }, "unit"},
		{"NaN", &metrics.Emitter{}, func(s *metrics.Set) { s.Observe("x", metrics.Count, math.NaN()) }, "finite"},
		{"Inf", &metrics.Emitter{}, func(s *metrics.Set) { s.Add("x", metrics.Count, math.Inf(1)) }, "finite"},
		{"two units", &metrics.Emitter{}, func(s *metrics.Set) { s.Add("x", metrics.Count, 1); s.Add("x", metrics.Seconds, 1) }, "units"},
		{"metric named like a dimension", &metrics.Emitter{Dimensions: []metrics.Dimension{metrics.Dim("function", "f")}}, func(s *metrics.Set) { s.Add("function", metrics.Count, 1) }, "differ"},
		{"_aws", &metrics.Emitter{}, func(s *metrics.Set) { s.Add("_aws", metrics.Count, 1) }, "differ"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			c.e.W = &buf
			s := c.e.Start()
			if c.add != nil {
				c.add(s)
			} else {
				s.Add("ok", metrics.Count, 1)
			}
			err := s.Flush(nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("want an error naming %q, got %v", c.want, err)
			}
			if buf.Len() != 0 {
				t.Errorf("a set breaking a rule is not written: %s", buf.String())
			}
		})
	}
}

func TestTheJudgeRefusesWhatTheSpecificationRefuses(t *testing.T) {
	bad := []string{
		`{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["f"]],"Metrics":[{"Name":"x","Unit":"Furlongs"}]}]},"f":"v","x":1}`,
		`{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["f"]],"Metrics":[{"Name":"x"}]}]},"f":"v","x":"1"}`,
		`{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["f"]],"Metrics":[{"Name":"x"}]}]},"x":1}`,
		`{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"","Dimensions":[[]],"Metrics":[{"Name":"x"}]}]},"x":1}`,
		`{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[[]],"Metrics":[{"Name":"x"},{"Name":"x"}]}]},"x":1}`,
		`{"_aws":{"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[[]],"Metrics":[{"Name":"x"}]}]},"x":1}`,
	}
	for _, l := range bad {
		if _, err := emftest.Check([]byte(l)); err == nil {
			t.Errorf("the judge accepted %s", l)
		}
	}
	if _, err := emftest.Check([]byte(`{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["f"]],"Metrics":[{"Name":"x","Unit":"Count"}]}]},"f":"v","x":[1,2]}`)); err != nil {
		t.Errorf("the judge refused a valid line: %v", err)
	}
}

func TestNilSetAndEmitterDoNothing(t *testing.T) {
	var e *metrics.Emitter
	s := e.Start()
	s.Add("x", metrics.Count, 1)
	s.Observe("x", metrics.Count, 1)
	if err := s.Flush(nil); err != nil {
		t.Fatal(err)
	}
	if metrics.From(t.Context()) != nil {
		t.Error("From of a bare context")
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{metrics.EnvNamespace: "skein/p/dev"}
	e, err := metrics.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, metrics.Dim("function", "transform"))
	if err != nil || e.Namespace != "skein/p/dev" {
		t.Fatalf("%v %+v", err, e)
	}
	env[metrics.EnvNamespace] = ":bad"
	if _, err := metrics.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err == nil {
		t.Error("a namespace starting with : is refused")
	}
}
