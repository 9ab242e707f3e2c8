package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// make local's contract (ARCHITECTURE.md): the output ends with one line of JSON holding the
// summary's keys; the exit code is 0 when nothing is lost.
func TestSummaryLine(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-groups", "2", "-devices", "10", "-latency", "1ms", "-fail", "0.1", "-quiet", "-date", "2026-11-23"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	var s map[string]float64
	if err := json.Unmarshal([]byte(last), &s); err != nil {
		t.Fatalf("last line is not JSON: %q", last)
	}
	for _, k := range []string{"items", "succeeded", "failed", "lost", "peakConcurrency", "maxConcurrency", "wallSeconds", "idealSeconds"} {
		if _, ok := s[k]; !ok {
			t.Errorf("summary has no %s: %s", k, last)
		}
	}
	if s["items"] != 20 || s["lost"] != 0 || s["succeeded"]+s["failed"] != 20 || s["peakConcurrency"] > s["maxConcurrency"] {
		t.Errorf("summary %s", last)
	}
	if s["failed"] > 0 && !strings.Contains(stderr.String(), "local: failed ") {
		t.Errorf("failed devices are not named on stderr:\n%s", stderr.String())
	}
}

func TestBadFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-groups", "x"}, &stdout, &stderr); code != 2 {
		t.Errorf("exit %d", code)
	}
}
