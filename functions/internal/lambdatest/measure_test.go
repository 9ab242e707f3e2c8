package lambdatest_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/skeinhq/skein/functions/internal/lambdatest"
)

// TestMain serves the handlers below when the test binary is started as a Lambda runtime.
func TestMain(m *testing.M) {
	lambdatest.Serve(map[string]any{
		// alloc touches n MiB and writes n log lines.
		"alloc": func(_ context.Context, n int) (int, error) {
			buf := make([]byte, n<<20)
			for i := 0; i < len(buf); i += 4096 {
				buf[i] = 1
			}
			for i := range n {
				fmt.Printf("{\"line\":%d}\n", i)
			}
			return int(buf[len(buf)-4096]), nil
		},
	})
	os.Exit(m.Run())
}

// TestMeasureReadsTheProcess: the peak RSS covers what the handler touched, the log is counted
// line by line, and CPU time is reported; a larger allocation reads as a larger peak.
func TestMeasureReadsTheProcess(t *testing.T) {
	measure := func(mib int) lambdatest.Usage {
		r, u, err := lambdatest.Measure([]string{os.Args[0], "-test.run=^$"}, []string{"SKEIN_LAMBDATEST_HANDLER=alloc"}, fmt.Appendf(nil, "%d", mib), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if r.ErrorType != "" || string(r.Payload) != "1" {
			t.Fatalf("answer %q, error %s %s", r.Payload, r.ErrorType, r.ErrorMessage)
		}
		return u
	}
	small, large := measure(1), measure(64)
	if large.MaxRSS < 64<<20 || large.MaxRSS < small.MaxRSS+60<<20 {
		t.Errorf("peak RSS %d bytes after touching 64 MiB, %d after 1 MiB", large.MaxRSS, small.MaxRSS)
	}
	if small.LogLines != 1 || large.LogLines != 64 || large.LogBytes != int64(len(`{"line":0}`)+1)*10+int64(len(`{"line":10}`)+1)*54 {
		t.Errorf("log %d lines %d bytes, and %d lines %d bytes", small.LogLines, small.LogBytes, large.LogLines, large.LogBytes)
	}
	if large.CPU <= 0 {
		t.Errorf("CPU %v", large.CPU)
	}
}
