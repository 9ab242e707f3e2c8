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
	"github.com/skeinhq/skein/components/policy"
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

// NilGrantees calls grant with each nil grantee (by name: an untyped nil, typed nil pointers) and
// returns the errors by name; a grant returned for one fails the test. what names the grant.
func NilGrantees(t testing.TB, what string, grant func(policy.Grantee) (*policy.Grant, error), grantees map[string]policy.Grantee) map[string]error {
	t.Helper()
	errs := map[string]error{}
	for name, g := range grantees {
		got, err := grant(g)
		if got != nil {
			t.Errorf("%s(%s) returned a grant", what, name)
		}
		errs[name] = err
	}
	return errs
}

// CheckGrant checks what a grant named what did: it attached one role policy (policies counts
// the plan's role policies) and returned it with its statements, and it refused each nil grantee
// in nilErrs (see NilGrantees) with a *check.FieldError on what.
func CheckGrant(t testing.TB, what string, policies int, got *policy.Grant, nilErrs map[string]error) {
	t.Helper()
	if policies != 1 || got == nil || got.Policy == nil || len(got.Document.Statements) == 0 {
		t.Fatalf("%d role policies, grant %+v; want one policy, returned with its statements", policies, got)
	}
	for name, err := range nilErrs {
		var fe *check.FieldError
		if !errors.As(err, &fe) || fe.Field != what {
			t.Errorf("%s(%s) = %v, want a *check.FieldError on %s", what, name, err, what)
		}
	}
}
