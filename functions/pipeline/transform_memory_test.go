package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/skeinhq/skein/functions/vendorapi"
)

// rawOfSize is a raw record's JSON line of about n bytes (at most n), the shape fetch-metrics
// writes.
func rawOfSize(t *testing.T, n int) []byte {
	t.Helper()
	m := &vendorapi.Metrics{Device: "d", Date: "2026-11-23", Series: []vendorapi.Series{{Name: "cpu", Unit: "%"}}}
	raw := RawRecord{Date: "2026-11-23", Group: "g", Device: "d", Status: StatusOK, Metrics: m}
	b, _ := json.Marshal(raw)
	point, _ := json.Marshal(vendorapi.Point{T: "2026-11-23T00:00:00Z", V: 12.345678})
	k := (n - len(b)) / (len(point) + 1)
	m.Series[0].Points = make([]vendorapi.Point, k)
	for i := range m.Series[0].Points {
		m.Series[0].Points[i] = vendorapi.Point{T: "2026-11-23T00:00:00Z", V: 12.345678}
	}
	b, err := json.Marshal(raw)
	if err != nil || len(b) > n {
		t.Fatalf("%d bytes, want at most %d: %v", len(b), n, err)
	}
	return b
}

// At the cap, reading and transforming a raw record allocates at most TransformDecodeFactor
// bytes per byte of it, so Concurrency records at once stay within half of MemoryMB; a line
// above the cap fails alone (a failed record naming the cap) and the next line is still
// transformed.
func TestTransformMemoryAtTheCap(t *testing.T) {
	const memoryMB, concurrency = 128, 10
	limit := TransformObjectCap(memoryMB, concurrency)
	if limit != 128<<20/2/10/TransformDecodeFactor {
		t.Fatalf("cap %d", limit)
	}
	body := rawOfSize(t, limit)
	if len(body) < limit-100 {
		t.Fatalf("record of %d bytes, want about %d", len(body), limit)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var got []ProcessedRecord
	err := scanLines(bytes.NewReader(body), limit, func(b []byte, tooLong bool) error {
		pr, err := transformLine(b, tooLong, limit, "2026-11-23", "k")
		got = append(got, pr)
		return err
	})
	runtime.ReadMemStats(&after)
	if err != nil || len(got) != 1 || got[0].Status != StatusOK || got[0].Metrics[0].Count == 0 {
		t.Fatalf("%v: %+v", err, got)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	if float64(alloc) > TransformDecodeFactor*float64(len(body)) {
		t.Errorf("transforming %d bytes allocated %d (%.2f per byte), above TransformDecodeFactor %d", len(body), alloc, float64(alloc)/float64(len(body)), TransformDecodeFactor)
	}
	t.Logf("transforming %d bytes allocated %.2f bytes per byte", len(body), float64(alloc)/float64(len(body)))

	over := rawOfSize(t, limit+100)
	if len(over) <= limit {
		t.Fatalf("over-cap record of %d bytes", len(over))
	}
	small := rawOfSize(t, 1000)
	part := bytes.Join([][]byte{over, small}, []byte("\n"))
	got = nil
	err = scanLines(bytes.NewReader(part), limit, func(b []byte, tooLong bool) error {
		pr, _ := transformLine(b, tooLong, limit, "2026-11-23", "k")
		got = append(got, pr)
		return nil
	})
	if err != nil || len(got) != 2 {
		t.Fatalf("%v: %d records", err, len(got))
	}
	if got[0].Status != StatusFailed || got[0].Error != ErrNameInput || !strings.Contains(got[0].Message, fmt.Sprintf("must be at most %d bytes", limit)) {
		t.Errorf("the over-cap line gave %+v, want a failed record naming the cap", got[0])
	}
	if got[1].Status != StatusOK {
		t.Errorf("the line after it gave %+v, want ok", got[1])
	}
}
