package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/skeinhq/skein/functions/pipeline/layout"
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
// export's log lines about the item carry it; its raw part carries the execution id as metadata
// (MetaExecution), from which the transform's lines about the item carry the same id; a refetch
// message carries it as its BatchInput.ExecutionID and items.
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
// letter or digit. Ids become parts of S3 keys (a part's id starts with its first device's id), so
// nothing that could change a key's structure ("/", "=", "..") is accepted.
func ValidID(field, id string) error {
	if len(id) == 0 || len(id) > MaxIDLength || !idPattern.MatchString(id) || strings.Contains(id, "..") {
		return inputError(field, "must be 1..128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit, without \"..\"", id)
	}
	return nil
}

// checkIDs checks the ids of a vendor listing: each a ValidID, each unique in the listing
// (where names it); field names the list ("groups" gives "groups[3].id").
func checkIDs(field, where string, ids []string) []error {
	var problems []error
	seen := map[string]bool{}
	for i, id := range ids {
		f := field + "[" + strconv.Itoa(i) + "].id"
		problems = append(problems, ValidID(f, id))
		if seen[id] {
			problems = append(problems, inputError(f, "must be unique in "+where, id))
		}
		seen[id] = true
	}
	return problems
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

// PartID is the id of the part that holds items: the first device in (group, device) order
// (its first 64 characters), for readability, then the first 12 hex digits of the SHA-256 of the sorted items
// ("<date>/<group>/<device>" lines). The same items always make the same id, in any order, so
// the same manifest makes the same batches and the same keys on a re-run.
func PartID(items []Item) string {
	sorted := sortUnique(append([]Item(nil), items...))
	if len(sorted) == 0 {
		return "empty"
	}
	sum := sha256.New()
	for _, it := range sorted {
		_, _ = fmt.Fprintf(sum, "%s/%s/%s\n", it.Date, it.Group, it.Device)
	}
	first := sorted[0].Device
	if len(first) > partIDDevice {
		first = first[:partIDDevice]
	}
	return first + "-" + hex.EncodeToString(sum.Sum(nil))[:12]
}

// partIDDevice is the most characters of the first device a part id shows.
const partIDDevice = 64

// RawPart is the raw part of a batch's items of one date: raw/date=<d>/part=<PartID>.jsonl.
func RawPart(date string, items []Item) string { return layout.Part(layout.Raw, date, PartID(items)) }

// ParsePartKey reads the date and the part id back from a part's key under prefix (such as
// layout.Raw). Keys as S3 event notifications send them (URL-encoded, "=" as "%3D") are
// accepted too.
func ParsePartKey(prefix, key string) (date, id string, err error) {
	if strings.ContainsAny(key, "%+") {
		if dec, derr := url.QueryUnescape(key); derr == nil {
			key = dec
		}
	}
	date, id, ok := layout.ParsePart(prefix, key)
	if !ok || ValidDate("key.date", date) != nil || ValidID("key.part", id) != nil {
		return "", "", inputError("key", "must be "+prefix+"date=<yyyy-mm-dd>/part=<id>"+layout.PartSuffix, key)
	}
	return date, id, nil
}
