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
	code := run([]string{"-groups", "2", "-devices", "10", "-latency", "1ms", "-fail", "0.1", "-quiet", "-date", "2026-11-23",
		"-runs", "2", "-refetch", "5", "-rate", "300/s"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	var s map[string]float64
	if err := json.Unmarshal([]byte(last), &s); err != nil {
		t.Fatalf("last line is not JSON: %q", last)
	}
	for _, k := range []string{"items", "succeeded", "failed", "lost", "peakConcurrency", "maxConcurrency", "wallSeconds", "idealSeconds", "runs", "peakRate", "rateLimit"} {
		if _, ok := s[k]; !ok {
			t.Errorf("summary has no %s: %s", k, last)
		}
	}
	if s["items"] != 20 || s["lost"] != 0 || s["succeeded"]+s["failed"] != 20 || s["peakConcurrency"] > s["maxConcurrency"] ||
		s["runs"] != 2 || s["rateLimit"] != 300 || s["peakRate"] > s["rateLimit"] || s["peakRate"] < 1 {
		t.Errorf("summary %s", last)
	}
	if s["failed"] > 0 && !strings.Contains(stderr.String(), "local: failed ") {
		t.Errorf("failed devices are not named on stderr:\n%s", stderr.String())
	}
}

func TestBadFlag(t *testing.T) {
	for _, args := range [][]string{{"-groups", "x"}, {"-runs", "0"}, {"-set", "pipeline:batchSize"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}

// A -rate the stage's settings refuse fails with the setting's error.
func TestBadRateIsTheStagesError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-groups", "1", "-devices", "5", "-latency", "1ms", "-fail", "0", "-quiet", "-date", "2026-11-23", "-rate", "bad"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "vendorRate") {
		t.Errorf("a bad rate: exit %d\n%s", code, stderr.String())
	}
}
