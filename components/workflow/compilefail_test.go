package workflow_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A task typed by what it calls refuses the wrong kind of target at compile time: the Go
// compiler, not a check of ours, judges testdata/compilefail, where every line marked "want"
// hands a task a queue for a function, a worker for a queue or a state machine, and so on.
func TestWrongTargetsDoNotCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	src := filepath.Join("testdata", "compilefail", "main.go")
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []int
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), "// want ") {
			want = append(want, n)
		}
	}
	if len(want) == 0 {
		t.Fatal("no line marked want")
	}
	cmd := exec.Command("go", "build", "-o", os.DevNull, "./testdata/compilefail")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("testdata/compilefail compiled; every marked line should be a type error")
	}
	for _, n := range want {
		prefix := fmt.Sprintf("main.go:%d:", n)
		found := false
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, prefix) && strings.Contains(line, "does not implement") {
				found = true
			}
		}
		if !found {
			t.Errorf("line %d compiled (or failed for another reason); go build said:\n%s", n, out)
		}
	}
}
