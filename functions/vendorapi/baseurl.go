package vendorapi

import (
	"net"
	"net/url"
	"strings"
)

// CheckBaseURL says what is wrong with a vendor API base URL, or "" when nothing is: it must be
// absolute https (http only for a loopback host: "localhost" or a loopback IP, never a name
// that merely starts with "127."), without user info (credentials would land in environment
// variables, plans and logs), a query or a fragment (the client builds its own). shown is the
// URL safe to print in an error: scheme, host and path only.
func CheckBaseURL(raw string) (problem, shown string) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "must be an absolute https:// URL (http:// only for a loopback host)", redactURL(raw)
	}
	shown = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	switch {
	case u.User != nil:
		return "must not hold user info (pass the token as a secret, never in the URL)", shown
	case u.RawQuery != "" || u.ForceQuery:
		return "must not hold a query (the client builds its own)", shown
	case u.Fragment != "":
		return "must not hold a fragment", shown
	case u.Scheme == "https":
		return "", shown
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return "", shown
	}
	return "must be an absolute https:// URL (http:// only for a loopback host)", shown
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactURL is what an error may print of a string that did not parse as a URL: the part before
// any "@", "?" or "#" is dropped or cut, so credentials and queries never reach a log.
func redactURL(raw string) string {
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		if j := strings.Index(raw, "://"); j >= 0 && j < i {
			raw = raw[:j+3] + "[redacted]@" + raw[i+1:]
		} else {
			raw = "[redacted]@" + raw[i+1:]
		}
	}
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	return raw
}
