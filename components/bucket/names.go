package bucket

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Bucket name limits, from https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html.
const (
	MinNameLength = 3
	MaxNameLength = 63
	// autoSuffixLength is what Pulumi appends to an auto-named bucket: "-" and 7 random characters.
	autoSuffixLength = 8
	// MaxKeyPrefixBytes is the longest object key (and so key prefix) S3 accepts, in UTF-8 bytes.
	MaxKeyPrefixBytes = 1024
)

var reservedNamePrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}

// reservedNameSuffixes are kept for access point aliases (-s3alias), Object Lambda access point
// aliases (--ol-s3), Multi-Region Access Points (.mrap), directory buckets (--x-s3) and table
// buckets (--table-s3).
var reservedNameSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}

// NameProblems returns every rule of S3's general purpose bucket naming rules that name breaks,
// or nil when the name is valid. Each problem reads as a rule ("must not contain two adjacent
// periods").
func NameProblems(name string) []string {
	var p []string
	if n := len(name); n < MinNameLength || n > MaxNameLength {
		p = append(p, fmt.Sprintf("must be %d..%d characters long (it has %d)", MinNameLength, MaxNameLength, n))
	}
	for _, r := range name {
		if !nameRune(r) && r != '.' {
			p = append(p, fmt.Sprintf("must contain only lowercase letters, digits, periods and hyphens (found %q)", r))
			break
		}
	}
	if name != "" && !alnum(name[0]) {
		p = append(p, "must begin with a lowercase letter or a digit")
	}
	if name != "" && !alnum(name[len(name)-1]) {
		p = append(p, "must end with a lowercase letter or a digit")
	}
	if strings.Contains(name, "..") {
		p = append(p, "must not contain two adjacent periods")
	}
	if looksLikeIPv4(name) {
		p = append(p, "must not be formatted as an IP address")
	}
	for _, pre := range reservedNamePrefixes {
		if strings.HasPrefix(name, pre) {
			p = append(p, fmt.Sprintf("must not start with the reserved prefix %q", pre))
		}
	}
	for _, suf := range reservedNameSuffixes {
		if strings.HasSuffix(name, suf) {
			p = append(p, fmt.Sprintf("must not end with the reserved suffix %q", suf))
		}
	}
	return p
}

// looksLikeIPv4 reports four dot-separated groups of digits, such as 192.168.5.4 (S3 rejects
// these whatever the group values).
func looksLikeIPv4(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) != 4 {
		return false
	}
	for _, part := range parts {
		if part == "" || strings.Trim(part, "0123456789") != "" {
			return false
		}
	}
	return true
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// autoNameProblems checks the base Pulumi auto-names a bucket from: the logical name lowercased,
// followed by "-" and 7 random lowercase letters or digits.
func autoNameProblems(logical string) []string {
	base := strings.ToLower(logical)
	if len(base)+autoSuffixLength > MaxNameLength {
		return []string{fmt.Sprintf("must be at most %d characters (Pulumi appends %d characters)", MaxNameLength-autoSuffixLength, autoSuffixLength)}
	}
	// A sample of what Pulumi generates; the random part only ever holds [a-z0-9].
	return NameProblems(base + "-abc1234")
}

// prefixProblem checks an object key prefix that skein writes into policies, lifecycle rules or
// event patterns. It returns "" when the prefix is acceptable.
func prefixProblem(prefix string) string {
	switch {
	case prefix == "":
		return "must not be empty (omit it to mean the whole bucket)"
	case len(prefix) > MaxKeyPrefixBytes:
		return fmt.Sprintf("must be at most %d bytes (it has %d)", MaxKeyPrefixBytes, len(prefix))
	case !utf8.ValidString(prefix):
		return "must be valid UTF-8"
	case strings.HasPrefix(prefix, "/"):
		return `must not start with "/" (S3 keys have no leading slash)`
	case strings.ContainsAny(prefix, "*?"):
		return `must not contain "*" or "?" (IAM would read them as wildcards and widen the grant)`
	case strings.Contains(prefix, "${"):
		return `must not contain "${" (IAM would read it as a policy variable)`
	}
	for _, r := range prefix {
		if r < 0x20 || r == 0x7f {
			return "must not contain control characters"
		}
	}
	return ""
}
