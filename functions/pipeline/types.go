package pipeline

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/skeinhq/skein/functions/vendorapi"
)

// Group is a vendor device group.
type Group = vendorapi.Group

// Item is one unit of work of the Distributed Map: one device's metrics for one day. Manifests
// are JSON arrays of Items, which a Distributed Map's ItemReader reads with
// ReaderConfig.InputType JSON.
type Item struct {
	Date   string `json:"date"`   // yyyy-mm-dd
	Group  string `json:"group"`  // group id
	Device string `json:"device"` // device id
}

// ItemCorrelation is the correlation id of an item in an export: the execution id and the item,
// "<executionId>/<date>/<group>/<device>" ("<date>/<group>/<device>" without an execution). The
// export's log lines about the item carry it, its raw object carries it as metadata
// (MetaCorrelation), and the transform's lines carry it from there; a refetch message carries it
// as its BatchInput.ExecutionID and items.
func ItemCorrelation(executionID string, it Item) string {
	id := it.Date + "/" + it.Group + "/" + it.Device
	if executionID == "" {
		return id
	}
	return executionID + "/" + id
}

// ObjectRef names one S3 object.
type ObjectRef struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

// MaxIDLength is the longest group or device id accepted.
const MaxIDLength = 128

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ValidID checks a group or device id: 1..128 characters of A-Z a-z 0-9 . _ - starting with a
// letter or digit. Ids become parts of S3 keys (hive-style "device=<id>"), so nothing that could
// change a key's structure ("/", "=", "..") is accepted.
func ValidID(field, id string) error {
	if len(id) == 0 || len(id) > MaxIDLength || !idPattern.MatchString(id) || strings.Contains(id, "..") {
		return inputError(field, "must be 1..128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit, without \"..\"", id)
	}
	return nil
}

// ValidDate checks a yyyy-mm-dd calendar date.
func ValidDate(field, d string) error {
	if t, err := time.Parse(time.DateOnly, d); err != nil || t.Format(time.DateOnly) != d {
		return inputError(field, "must be a calendar date yyyy-mm-dd", d)
	}
	return nil
}

// Validate checks every field of the item; prefix is prepended to the field names. The result
// is nil or an *InputError listing every problem.
func (it Item) Validate(prefix string) error {
	return joinInput(ValidDate(prefix+"date", it.Date), ValidID(prefix+"group", it.Group), ValidID(prefix+"device", it.Device))
}

// Key prefixes of the data bucket.
const (
	PrefixRaw       = "raw/"
	PrefixProcessed = "processed/"
	PrefixResults   = "results/"
	PrefixManifests = "manifests/"
)

// GroupManifestKey is where list-devices writes one group's items:
// manifests/date=<d>/groups/group=<id>.json.
func GroupManifestKey(date, group string) string {
	return fmt.Sprintf("%sdate=%s/groups/group=%s.json", PrefixManifests, date, group)
}

// ManifestKey is where merge-manifests writes the day's single manifest, the one the
// Distributed Map reads: manifests/date=<d>/items.json.
func ManifestKey(date string) string {
	return fmt.Sprintf("%sdate=%s/items.json", PrefixManifests, date)
}

// RedriveManifestKey is where merge-manifests writes the items recovered from failed results.
func RedriveManifestKey(date, name string) string {
	return fmt.Sprintf("%sdate=%s/redrive/%s.json", PrefixManifests, date, name)
}

// RawKey is the raw object of an item: raw/date=<d>/group=<g>/device=<id>.json. The same item
// always has the same key, so re-running a day overwrites.
func RawKey(it Item) string { return hiveKey(PrefixRaw, it) }

// ProcessedKey is the transform's output for an item: processed/date=<d>/group=<g>/device=<id>.json.
func ProcessedKey(it Item) string { return hiveKey(PrefixProcessed, it) }

// FailedKey is where fetch-metrics captures an item that failed permanently (FetchMetrics.
// FailedPrefix): <prefix>date=<d>/group=<g>/device=<id>.json.
func FailedKey(prefix string, it Item) string { return hiveKey(prefix, it) }

func hiveKey(prefix string, it Item) string {
	return fmt.Sprintf("%sdate=%s/group=%s/device=%s.json", prefix, it.Date, it.Group, it.Device)
}

// ParseRawKey reads the item back from a raw key. Keys as S3 event notifications send them
// (URL-encoded, "=" as "%3D") are accepted too.
func ParseRawKey(key string) (Item, error) {
	it, err := parseHive(PrefixRaw, key)
	if err != nil && strings.ContainsAny(key, "%+") {
		if dec, derr := url.QueryUnescape(key); derr == nil {
			if it2, err2 := parseHive(PrefixRaw, dec); err2 == nil {
				return it2, nil
			}
		}
	}
	return it, err
}

func parseHive(prefix, key string) (Item, error) {
	bad := inputError("key", "must be "+prefix+"date=<yyyy-mm-dd>/group=<id>/device=<id>.json", key)
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return Item{}, bad
	}
	rest, ok = strings.CutSuffix(rest, ".json")
	if !ok {
		return Item{}, bad
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return Item{}, bad
	}
	var it Item
	for i, name := range []string{"date", "group", "device"} {
		v, ok := strings.CutPrefix(parts[i], name+"=")
		if !ok {
			return Item{}, bad
		}
		switch i {
		case 0:
			it.Date = v
		case 1:
			it.Group = v
		case 2:
			it.Device = v
		}
	}
	if it.Validate("key.") != nil {
		return Item{}, bad
	}
	return it, nil
}
