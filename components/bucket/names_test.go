package bucket

import (
	"strings"
	"testing"

	"github.com/skeinhq/skein/components/policy"
)

// The valid and invalid examples of
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html, plus one row per
// rule.
func TestNameProblems(t *testing.T) {
	valid := []string{
		"docexamplebucket1", "log-delivery-march-2020", "my-hosted-content",
		"docexamplewebsite.com", "www.docexamplewebsite.com", "my.example.s3.bucket",
		"abc", strings.Repeat("a", 63), "1bucket", "bucket1", "a-b.c-d",
		"xn-single-hyphen", "sthree", "my-s3alias-bucket", "192.168.5.4.5", "10.0.0.a",
	}
	for _, n := range valid {
		if p := NameProblems(n); p != nil {
			t.Errorf("NameProblems(%q) = %v, want none", n, p)
		}
	}
	invalid := map[string]string{
		"doc_example_bucket":     "lowercase letters, digits, periods and hyphens",
		"DocExampleBucket":       "lowercase letters, digits, periods and hyphens",
		"doc-example-bucket-":    "must end with",
		"-docexample":            "must begin with",
		".docexample":            "must begin with",
		"docexample.":            "must end with",
		"example..com":           "two adjacent periods",
		"192.168.5.4":            "IP address",
		"ab":                     "3..63",
		strings.Repeat("a", 64):  "3..63",
		"xn--bucket":             `"xn--"`,
		"sthree-bucket":          `"sthree-"`,
		"sthree-configurator-x":  `"sthree-"`,
		"amzn-s3-demo-bucket":    `"amzn-s3-demo-"`,
		"bucket-s3alias":         `"-s3alias"`,
		"bucket--ol-s3":          `"--ol-s3"`,
		"bucket.mrap":            `".mrap"`,
		"bucket--usw2-az1--x-s3": `"--x-s3"`,
		"bucket--table-s3":       `"--table-s3"`,
		"bücket":                 "lowercase letters",
		"bucket name":            "lowercase letters",
	}
	for n, want := range invalid {
		p := NameProblems(n)
		if !strings.Contains(strings.Join(p, "; "), want) {
			t.Errorf("NameProblems(%q) = %v, want a problem containing %q", n, p, want)
		}
	}
}

func TestAutoNameProblems(t *testing.T) {
	if p := autoNameProblems("Raw-Data"); p != nil {
		t.Errorf("uppercase component names are lowercased by the auto-namer: %v", p)
	}
	if p := autoNameProblems(strings.Repeat("a", 55)); p != nil {
		t.Errorf("55 characters fit: %v", p)
	}
	for _, n := range []string{strings.Repeat("a", 56), "raw_data", "-raw", "xn--raw", "a..b"} {
		if autoNameProblems(n) == nil {
			t.Errorf("autoNameProblems(%q) found nothing", n)
		}
	}
}

func TestPrefixProblem(t *testing.T) {
	for _, ok := range []string{"raw/", "raw", "a/b/c/", "2026-11-23/", "données/", strings.Repeat("x", 1024), "with space/", "(x)!'.-_"} {
		if p := prefixProblem(ok); p != "" {
			t.Errorf("prefixProblem(%q) = %s", ok, p)
		}
	}
	for bad, want := range map[string]string{
		"":                        "empty",
		"/raw":                    "leading slash",
		"raw/*":                   "wildcards",
		"raw?":                    "wildcards",
		"${aws:username}/":        "policy variable",
		strings.Repeat("x", 1025): "1024 bytes",
		"raw\n":                   "control",
		string([]byte{0xff, 'a'}): "UTF-8",
	} {
		if p := prefixProblem(bad); !strings.Contains(p, want) {
			t.Errorf("prefixProblem(%q) = %q, want it to mention %q", bad, p, want)
		}
	}
}

func TestGrantName(t *testing.T) {
	tests := []struct {
		prefixes []string
		want     string
	}{
		{nil, "data-read"},
		{[]string{"raw/"}, "data-read-raw"},
		{[]string{"raw/", "processed/2026/"}, "data-read-raw-processed-2026"},
		{[]string{"///"}, "data-read-"},
	}
	for _, tt := range tests {
		got := grantName("data", Read, tt.prefixes)
		if tt.want == "data-read-" {
			if !strings.HasPrefix(got, "data-read-") || len(got) != len("data-read-")+8 {
				t.Errorf("grantName(%q) = %q, want a hashed name", tt.prefixes, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("grantName(%q) = %q, want %q", tt.prefixes, got, tt.want)
		}
	}
	long := grantName("data", Write, []string{strings.Repeat("segment/", 20)})
	if len(long) > len("data-write-")+40 {
		t.Errorf("long grant name %q (%d characters)", long, len(long))
	}
	if long == grantName("data", Write, []string{strings.Repeat("segment/", 21)}) {
		t.Error("two long prefixes share a name")
	}
}

// errOf keeps a grant's error, for tests that only look at it.
func errOf(_ *policy.Grant, err error) error { return err }
