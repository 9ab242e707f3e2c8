package vendorapi

import (
	"strings"
	"testing"
)

func TestCheckBaseURL(t *testing.T) {
	ok := []string{"https://api.vendor.example/v1", "http://127.0.0.1:8080", "http://127.1.2.3/api", "http://[::1]:9/", "http://localhost:3000", "HTTP://LOCALHOST"}
	for _, raw := range ok {
		if problem, _ := CheckBaseURL(raw); problem != "" {
			t.Errorf("CheckBaseURL(%q) = %q, want accepted", raw, problem)
		}
	}
	bad := []struct{ raw, says, shown string }{
		// A host name that only starts with 127. is not loopback: the token would go over plain
		// HTTP to whoever owns the name.
		{"http://127.evil.example.com/v1", "http:// only for a loopback host", "http://127.evil.example.com/v1"},
		{"http://127.0.0.1.nip.io", "http:// only for a loopback host", "http://127.0.0.1.nip.io"},
		{"http://api.vendor.example", "http:// only for a loopback host", "http://api.vendor.example"},
		{"https://bob:hunter2@api.vendor.example/v1", "must not hold user info", "https://api.vendor.example/v1"},
		{"https://api.vendor.example/v1?key=hunter2", "must not hold a query", "https://api.vendor.example/v1"},
		{"https://api.vendor.example/v1?", "must not hold a query", "https://api.vendor.example/v1"},
		{"https://api.vendor.example/v1#x", "must not hold a fragment", "https://api.vendor.example/v1"},
		{"ftp://api.vendor.example", "absolute https://", "ftp://api.vendor.example"},
		{"api.vendor.example/v1", "absolute https://", "api.vendor.example/v1"},
		{"https://bob:hunter2@[bad/v1?key=hunter2", "absolute https://", "https://[redacted]@[bad/v1"},
	}
	for _, b := range bad {
		problem, shown := CheckBaseURL(b.raw)
		if !strings.Contains(problem, b.says) || shown != b.shown {
			t.Errorf("CheckBaseURL(%q) = %q, %q; want a problem with %q, shown as %q", b.raw, problem, shown, b.says, b.shown)
		}
		if strings.Contains(shown, "hunter2") {
			t.Errorf("CheckBaseURL(%q) shows the secret: %q", b.raw, shown)
		}
	}
	if _, err := New(Config{BaseURL: "http://127.evil.example.com", Token: "t"}); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("New accepts a non-loopback http URL: %v", err)
	}
	if _, err := New(Config{BaseURL: "https://u:hunter2@api.vendor.example", Token: "t"}); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("New with user info: %v", err)
	}
}
