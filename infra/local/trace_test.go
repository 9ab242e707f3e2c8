package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/skeinhq/skein/functions/metrics/emftest"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/infra/local"
)

// syncBuffer is a bytes.Buffer safe for the handlers' concurrent writes.
type syncBuffer struct {
	ch  chan struct{}
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.ch <- struct{}{}
	defer func() { <-b.ch }()
	return b.buf.Write(p)
}

// One device is followed across both paths by one id: the transform's lines about a device
// carry the correlation id the export's lines carry (the execution and the item), for a device
// that was transformed and for one whose raw record the transform could not use.
// The run's EMF lines pass the specification's schema and count what the run did.
func TestOneCorrelationIDAcrossBothPaths(t *testing.T) {
	logs := &syncBuffer{ch: make(chan struct{}, 1)}
	env := start(t, local.Options{Date: "2026-11-23", Groups: 4, DevicesPerGroup: 25, Latency: time.Millisecond,
		FailFraction: 0.03, PoisonFraction: 0.1, Seed: 5, Log: logs})
	rep, err := env.Run(context.Background())
	if err != nil || rep.ExecutionError != nil || rep.Summary.Lost != 0 {
		t.Fatal(err, rep.ExecutionError, rep.Summary)
	}
	out := logs.buf.Bytes()
	checked := map[string]int{}
	for _, dev := range env.Vendor.Devices() {
		c, failed := rep.Captured[dev]
		tr := local.TraceDevice(out, dev)
		if len(tr.IDs) != 1 {
			t.Errorf("%s: want one correlation id (one execution), got %v", dev, tr.IDs)
			continue
		}
		if failed && c.Where == "failed" {
			// refused by the vendor: a failed raw record, carried on by the transform silently
			if tr.Functions[pipeline.FunctionVendor] == 0 || tr.Functions[pipeline.FunctionTransform] != 0 {
				t.Errorf("captured %s: lines by function %v", dev, tr.Functions)
			}
			checked["failed"]++
			continue
		}
		if tr.Functions[pipeline.FunctionVendor] == 0 || tr.Functions[pipeline.FunctionTransform] == 0 {
			t.Errorf("%s (%+v): want the export's and the transform's lines under %s, got %v", dev, c, tr.IDs[0], tr.Functions)
		}
		for _, l := range tr.Lines {
			var m map[string]any
			_ = json.Unmarshal(l, &m)
			if m["device"] != nil && m["device"] != dev {
				t.Errorf("%s's trace holds a line about %v: %s", dev, m["device"], l)
			}
		}
		if failed {
			checked[c.Where]++
		} else {
			checked["processed"]++
		}
	}
	if checked["failed"] == 0 || checked["transform"] == 0 || checked["processed"] == 0 {
		t.Errorf("the fixture must hold every kind of device, got %v", checked)
	}
	ms, err := emftest.Lines(out)
	if err != nil {
		t.Fatal(err)
	}
	fetch := map[string]string{pipeline.DimFunction: pipeline.FunctionVendor, pipeline.DimOperation: pipeline.OpFetchMetrics}
	if got := emftest.Sum(ms, pipeline.MetricCaptured, fetch); int(got) != checked["failed"] {
		t.Errorf("Captured %v, %d devices captured", got, checked["failed"])
	}
	if got := emftest.Sum(ms, pipeline.MetricFetched, fetch); int(got) != checked["processed"]+checked["transform"] {
		t.Errorf("Fetched %v, want %d", got, checked["processed"]+checked["transform"])
	}
	tf := map[string]string{pipeline.DimFunction: pipeline.FunctionTransform}
	if got := emftest.Sum(ms, pipeline.MetricTransformFailed, tf); int(got) != checked["transform"] {
		t.Errorf("TransformFailed %v, want the %d poisoned records", got, checked["transform"])
	}
	if !slices.ContainsFunc(ms, func(m emftest.Metric) bool {
		return m.Name == pipeline.MetricVendorCalls && m.Dimensions[pipeline.DimOperation] == pipeline.OpListGroups
	}) {
		t.Error("no VendorCalls metric for list-groups")
	}
}
