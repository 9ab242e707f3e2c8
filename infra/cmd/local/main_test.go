package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// make local's contract (ARCHITECTURE.md): the output ends with one line of JSON holding the
// summary's keys; the exit code is 0 when nothing is lost.
func TestSummaryLine(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-groups", "2", "-devices", "10", "-latency", "1ms", "-fail", "0.1", "-quiet", "-date", "2026-11-23",
		"-runs", "2", "-refetch", "5", "-rate", "300/s", "-set", "pipeline:toleratedFailurePercent=20"}, &stdout, &stderr)
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

// Every bad flag is reported at once, naming the flag, the range and the value, and nothing runs.
func TestEveryBadFlagAtOnce(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-groups", "0", "-devices", "-3", "-latency", "-1ms", "-poison", "1.5", "-duplicates", "-1", "-fail", "2",
		"-date", "2026-02-30", "-timescale", "-1", "-refetch", "-1"}, &stdout, &stderr)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, stderr.String())
	}
	for _, want := range []string{"-groups must be 1..100000, got 0", "-devices must be 1..100000, got -3", "-latency must be 0 (none)..1m0s, got -1ms",
		"-poison must be a fraction 0..1, got 1.5", "-duplicates must be a fraction 0..1, got -1", "-fail must be a fraction 0..1, got 2",
		`-date must be a date yyyy-mm-dd, got "2026-02-30"`, "-timescale must be 0 (the default)..1000, got -1", "-refetch must be 0..1000000, got -1"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if stdout.Len() != 0 || strings.Contains(stderr.String(), "planning") {
		t.Errorf("something ran: %s %s", stdout.String(), stderr.String())
	}
}

// A run where the vendor refuses every device is not green: the execution fails
// (TooManyFailuresError) and the command exits 1, with nothing lost.
func TestNothingSucceededExitsNonZero(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-groups", "2", "-devices", "5", "-latency", "0", "-fail", "1", "-quiet", "-date", "2026-11-23"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "TooManyFailuresError") {
		t.Fatalf("exit %d, want 1 with the run's TooManyFailuresError\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"succeeded":0`) || !strings.Contains(stdout.String(), `"lost":0`) {
		t.Errorf("summary %s", stdout.String())
	}
}

// An interrupted run (SIGINT, as Ctrl-C sends; SIGTERM alike) says so and exits 130; it does not
// report the devices in flight as lost, and prints no summary.
func TestInterruptedRunIsReportedAsInterrupted(t *testing.T) {
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"-groups", "40", "-devices", "50", "-rate", "100/s", "-quiet", "-date", "2026-11-23"}, &stdout, &stderr)
	}()
	// The signal handler is in place once the run has started exporting.
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(string(stderr.Bytes()), "local: exporting") {
		if time.Now().After(deadline) {
			t.Fatalf("the run did not start:\n%s", stderr.Bytes())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code := <-done
	errs := string(stderr.Bytes())
	if code != 130 || !strings.Contains(errs, "local: interrupted") {
		t.Errorf("exit %d, want 130 with 'interrupted'\n%s", code, errs)
	}
	if strings.Contains(errs, "LOST") || len(stdout.Bytes()) != 0 {
		t.Errorf("an interrupted run reported a summary or lost devices:\n%s\n%s", stdout.Bytes(), errs)
	}
}

// Without -trace, make local prints the first device the transform failed (a device both the
// export and the transform logged), each carrying the one correlation id it names.
func TestTraceOfAFailedDevice(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-groups", "2", "-devices", "10", "-latency", "1ms", "-fail", "0", "-poison", "0.2", "-quiet", "-date", "2026-11-23"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	out := stderr.String()
	i := strings.Index(out, "local: trace ")
	if i < 0 {
		t.Fatalf("no trace:\n%s", out)
	}
	head, rest, _ := strings.Cut(out[i:], "\n")
	var device, id string
	var n, fromExport, fromTransform int
	if _, err := fmt.Sscanf(head, "local: trace %s (correlation id %s %d lines, %d from the export (vendor), %d from the transform", &device, &id, &n, &fromExport, &fromTransform); err != nil {
		t.Fatalf("trace header %q: %v", head, err)
	}
	id = strings.TrimSuffix(id, "):")
	if fromExport == 0 || fromTransform == 0 || !strings.HasSuffix(id, "/"+device) {
		t.Errorf("want the export's and the transform's lines of %s: %q", device, head)
	}
	got := 0
	for _, l := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(l, "  {") {
			break
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(strings.TrimSpace(l)), &m); err != nil || m["correlationId"] != id {
			t.Errorf("trace line without %s: %s", id, l)
		}
		got++
	}
	if got != min(n, maxTraceLines) {
		t.Errorf("%d trace lines printed, header says %d", got, n)
	}

	stderr.Reset()
	if code := run([]string{"-trace", "../x"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "-trace") {
		t.Errorf("-trace ../x: exit %d, %s", code, stderr.String())
	}
}

// make local -redrive runs the documented path: the outage fails the run, then RedriveExecution
// of the same execution completes it with nothing lost.
func TestRedriveFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-redrive", "-groups", "4", "-devices", "25", "-fail", "0.1", "-latency", "0", "-quiet", "-date", "2026-11-23"}, &stdout, &stderr)
	if code != 0 || !strings.Contains(stderr.String(), "States.ExceedToleratedFailureThreshold") || !strings.Contains(stderr.String(), "redriving arn:aws:states:") {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	var s map[string]float64
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil || s["items"] != 100 || s["succeeded"] != 100 || s["lost"] != 0 {
		t.Errorf("summary after the redrive: %s (%v)", stdout.String(), err)
	}
}
