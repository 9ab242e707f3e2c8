package sfnlocal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/skeinhq/skein/components/sfnlocal"
)

func wantErrName(t *testing.T, err error, name, causePart string) {
	t.Helper()
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) || ee.Name != name || !strings.Contains(ee.Cause, causePart) {
		t.Fatalf("want %s (%q), got %v", name, causePart, err)
	}
}

// A cycle of Pass states stops at AWS's 25,000 history events (it ran forever before), with or
// without an event listener; the events written stay under the cap.
func TestHistoryEventLimit(t *testing.T) {
	const loop = `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}`
	e := mustEngine(t, loop, nil)
	_, err := e.Execute(context.Background(), nil)
	wantErrName(t, err, sfnlocal.ErrRuntime, "maximum number of history events (25000)")

	var n int64
	var last sfnlocal.Event
	e = mustEngine(t, loop, &sfnlocal.Options{OnEvent: func(ev sfnlocal.Event) { n++; last = ev }})
	_, err = e.Execute(context.Background(), nil)
	wantErrName(t, err, sfnlocal.ErrRuntime, "history events")
	if n != 25000 || last.Type != "ExecutionFailed" {
		t.Errorf("%d events, the last %s: want 25000 ending with ExecutionFailed", n, last.Type)
	}

	// An inline Map of 10,000 items writes about 40,000 events: over the quota too; a Catch
	// does not rescue it.
	items := `{"items":[` + strings.TrimSuffix(strings.Repeat("1,", 10000), ",") + `]}`
	e = mustEngine(t, `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},"Caught":{"Type":"Pass","End":true}}}`, nil)
	_, err = e.Execute(context.Background(), []byte(items))
	wantErrName(t, err, sfnlocal.ErrRuntime, "history events")

	// Limits.HistoryEvents lifts or moves the cap.
	e = mustEngine(t, `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
		&sfnlocal.Options{Limits: sfnlocal.Limits{HistoryEvents: -1}})
	if _, err := e.Execute(context.Background(), []byte(items)); err != nil {
		t.Errorf("without the cap: %v", err)
	}
}

// Execution inputs and state outputs over 256 KiB fail with States.DataLimitExceeded (a 10 MB
// input was accepted before); just under passes.
func TestPayloadLimit(t *testing.T) {
	e := mustEngine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, nil)
	over := []byte(`{"s":"` + strings.Repeat("a", 256<<10) + `"}`)
	_, err := e.Execute(context.Background(), over)
	wantErrName(t, err, sfnlocal.ErrDataLimitExceeded, "execution input")
	under := []byte(`{"s":"` + strings.Repeat("a", 256<<10-8) + `"}`)
	if out, err := e.Execute(context.Background(), under); err != nil || !bytes.Equal(out, under) {
		t.Fatalf("262,144 bytes exactly: %v", err)
	}

	// A state whose output grows past the limit fails, uncaught by its own Catch.
	e = mustEngine(t, `{"StartAt":"Grow","States":{"Grow":{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},"End":true}}}`, nil)
	half, _ := json.Marshal(map[string]string{"s": strings.Repeat("é", 40000)}) // 80 KB of UTF-8
	if _, err := e.Execute(context.Background(), half); err != nil {
		t.Fatalf("160 KB output: %v", err)
	}
	big, _ := json.Marshal(map[string]string{"s": strings.Repeat("é", 70000)})
	_, err = e.Execute(context.Background(), big)
	wantErrName(t, err, sfnlocal.ErrDataLimitExceeded, "'Grow'")

	e = mustEngine(t, `{"StartAt":"Grow","States":{"Grow":{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},"End":true}}}`,
		&sfnlocal.Options{Limits: sfnlocal.Limits{PayloadBytes: -1}})
	if _, err := e.Execute(context.Background(), big); err != nil {
		t.Errorf("without the cap: %v", err)
	}
}

// $..a over 20,000 nested objects selects 20,000 subtrees whose JSON would be about 1 GB: the
// state's output check stops at 256 KiB instead of encoding it (BenchmarkDeepDescent measures
// the memory).
func TestDeepDescentStopsAtTheLimit(t *testing.T) {
	e := mustEngine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"$..a"},"End":true}}}`, nil)
	_, err := e.Execute(context.Background(), []byte(deepInput(20000)))
	wantErrName(t, err, sfnlocal.ErrDataLimitExceeded, "'P'")
}

func deepInput(depth int) string {
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

// BenchmarkDeepDescent reports the memory one $..a over 20,000 nested objects takes.
func BenchmarkDeepDescent(b *testing.B) {
	e := mustEngineB(b, `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"$..a"},"End":true}}}`, nil)
	in := []byte(deepInput(20000))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, _ = e.Execute(context.Background(), in)
	}
}
