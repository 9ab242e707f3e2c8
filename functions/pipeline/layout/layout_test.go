package layout_test

import (
	"testing"

	"github.com/skeinhq/skein/functions/pipeline/layout"
)

func TestPartKeysRoundTrip(t *testing.T) {
	key := layout.Part(layout.Raw, "2026-11-23", "g0001-d0001-0123456789ab")
	if key != "raw/date=2026-11-23/part=g0001-d0001-0123456789ab.jsonl" {
		t.Fatalf("key %q", key)
	}
	d, id, ok := layout.ParsePart(layout.Raw, key)
	if !ok || d != "2026-11-23" || id != "g0001-d0001-0123456789ab" {
		t.Errorf("ParsePart(%q) = %q, %q, %v", key, d, id, ok)
	}
	for _, bad := range []string{
		"processed/date=2026-11-23/part=x.jsonl", // another prefix
		"raw/date=2026-11-23/part=x.json",        // another suffix
		"raw/date=2026-11-23/group=g/device=d.json",
		"raw/date=2026-11-23/part=.jsonl",
		"raw/date=2026-11-23/x/part=a.jsonl",
		"raw/date=/part=a.jsonl",
	} {
		if _, _, ok := layout.ParsePart(layout.Raw, bad); ok {
			t.Errorf("ParsePart(%q) accepted it", bad)
		}
	}
}

func TestManifestKeys(t *testing.T) {
	for got, want := range map[string]string{
		layout.GroupManifest("2026-11-23", "g1"):       "manifests/date=2026-11-23/groups/group=g1.json",
		layout.Manifest("2026-11-23"):                  "manifests/date=2026-11-23/items.json",
		layout.RedriveManifest("2026-11-23", "ab"):     "manifests/date=2026-11-23/redrive/ab.json",
		layout.DatePrefix(layout.Failed, "2026-11-23"): "failed/date=2026-11-23/",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
