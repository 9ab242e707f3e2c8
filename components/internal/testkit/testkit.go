// Package testkit holds helpers the components' tests share: writing a tree of files and reading
// back an IAM policy document as IAM reads it. It is imported by tests only.
package testkit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skeinhq/skein/components/check"
)

// WriteFiles writes files (slash-separated path relative to dir -> content) under dir, creating
// the directories they need; any failure ends the test.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Statement is one statement of a policy document as IAM reads it: Principal, Action and Resource
// are a string or a list (see Strings), Condition maps an operator to its keys and values.
type Statement struct {
	Sid       string
	Effect    string
	Principal any
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

// Document is a policy document as IAM reads it.
type Document struct {
	Version   string
	Statement []Statement
}

// Strings returns a policy element that is a string or a list of strings as a list; nil for
// anything else.
func Strings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i], _ = e.(string)
		}
		return out
	}
	return nil
}

// Rejected checks what a constructor does with invalid arguments: err is not nil, its text names
// field and value, and nothing was registered (registered is the plan's resource count).
func Rejected(t testing.TB, err error, registered int, field, value string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error")
	}
	if !strings.Contains(err.Error(), field) || !strings.Contains(err.Error(), value) {
		t.Errorf("error %q lacks %q or %q", err, field, value)
	}
	if registered != 0 {
		t.Errorf("%d resources registered despite the error", registered)
	}
}

// FieldError checks a validation error: err holds a *check.FieldError, and one of its lines names
// the component (`queue "jobs"`) and the field, and holds value.
func FieldError(t testing.TB, err error, component, field, value string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var fe *check.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("not a *check.FieldError: %v", err)
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.Contains(line, component+": "+field+" ") && strings.Contains(line, value) {
			return
		}
	}
	t.Errorf("error does not name %s of %s with %s:\n%v", field, component, value, err)
}
