// Package judge locates the independent tools that skein's tests use to check our output: Node 22,
// asl-validator, aws-local-stepfunctions, aws-cron-parser and @cloud-copilot/iam-simulate. They are
// installed from the lockfile in .tools/ at the repository root (`make tools`, which `make test`
// runs first).
//
// A test that needs a judge and cannot find it fails with a hint; it never skips, because a test
// that silently skips its judge proves nothing.
package judge

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Root returns the repository root: the directory holding go.mod above this file.
func Root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("judge: cannot locate the source file")
	}
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("judge: no go.mod above " + file)
		}
		dir = parent
	}
}

// ToolsDir returns the absolute path of .tools/node_modules, failing the test when the tools have
// not been installed.
func ToolsDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(Root(t), ".tools", "node_modules")
	if _, err := os.Stat(filepath.Join(dir, ".bin", "node")); err != nil {
		t.Fatalf("judge: the independent tools are not installed in %s (run `make tools`): %v", dir, err)
	}
	return dir
}

// Node returns the path of the Node 22 binary installed in .tools.
func Node(t testing.TB) string {
	t.Helper()
	return filepath.Join(ToolsDir(t), ".bin", "node")
}

// Module returns the directory of an installed npm package, such as "asl-validator" or
// "@cloud-copilot/iam-simulate", suitable for require() from a Node script.
func Module(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(ToolsDir(t), filepath.FromSlash(name))
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		t.Fatalf("judge: npm package %s is not installed (run `make tools`): %v", name, err)
	}
	return dir
}

// RunNode runs a Node script with Node 22, feeding stdin, and returns its standard output. It
// fails the test when the script exits non-zero, showing its standard error. NODE_PATH points at
// the tools' node_modules, so scripts can require packages by name.
func RunNode(t testing.TB, script string, stdin []byte, args ...string) []byte {
	t.Helper()
	out, err := TryNode(t, script, stdin, args...)
	if err != nil {
		t.Fatalf("judge: node %s: %v", script, err)
	}
	return out
}

// Batch sends every case to a Node script in one process (RunNode), as a JSON array on
// standard input, and returns its answers: a JSON array on standard output, one answer per case
// in the same order. It fails the test, naming tool, when the script answers otherwise.
func Batch[Case, Answer any](t testing.TB, tool, script string, cases []Case, args ...string) []Answer {
	t.Helper()
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatalf("judge: %s: %v", tool, err)
	}
	out := RunNode(t, script, in, args...)
	var answers []Answer
	if err := json.Unmarshal(out, &answers); err != nil {
		t.Fatalf("judge: %s output %q: %v", tool, out, err)
	}
	if len(answers) != len(cases) {
		t.Fatalf("judge: %s answered %d of %d cases", tool, len(answers), len(cases))
	}
	return answers
}

// TryNode is RunNode that returns the failure instead of failing the test; the error carries the
// script's standard error.
func TryNode(t testing.TB, script string, stdin []byte, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(Node(t), append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+ToolsDir(t))
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), errors.Join(err, errors.New(stderr.String()))
	}
	return stdout.Bytes(), nil
}
