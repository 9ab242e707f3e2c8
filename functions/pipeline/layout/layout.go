// Package layout is the reference pipeline's data layout and wiring names in one place: the
// data bucket's key prefixes and key shapes, and the environment variables the handlers read.
// The handlers (functions/...) and the Pulumi program (infra/stack) both use it, so a prefix,
// a suffix or a variable's name cannot drift between the code that writes and the
// infrastructure that grants, routes and configures. It depends on the standard library only:
// the Pulumi program imports it without linking the AWS SDK.
//
// Every key is hive-style (name=value path segments) and deterministic, so re-running a day
// overwrites the same objects.
package layout

import (
	"fmt"
	"strings"
)

// Key prefixes of the data bucket.
const (
	// Raw holds the fetch's parts: raw/date=<d>/part=<id>.jsonl, one per batch, one JSON line
	// per device with its status.
	Raw = "raw/"
	// Processed holds the transform's parts: processed/date=<d>/part=<id>.jsonl, one per raw
	// part, the same devices in the same order.
	Processed = "processed/"
	// Failed holds the failed records of the raw parts that have any:
	// failed/date=<d>/part=<id>.jsonl, the part's id as under Raw.
	Failed = "failed/"
	// Manifests holds the group manifests, the day's manifest and the redrive manifests.
	Manifests = "manifests/"
	// Results holds the Distributed Map's ResultWriter files (ResultsExport).
	Results = "results/"
	// ResultsExport is where the export's ResultWriter writes (a key prefix, no slash).
	ResultsExport = Results + "export"
)

// PartSuffix ends every part's key: JSON Lines. The transform's event rule matches Raw and it.
const PartSuffix = ".jsonl"

// Environment variables of the handlers. The Pulumi program sets them from these names; the
// mains read them with these names.
const (
	// EnvDataBucket is the data bucket's name (every handler).
	EnvDataBucket = "DATA_BUCKET"
	// EnvFailedPrefix is where the vendor worker copies each part's failed records (Failed);
	// unset means permanent failures fail their batch.
	EnvFailedPrefix = "FAILED_PREFIX"
	// EnvBatchConcurrency is how many devices of a batch the vendor worker fetches at once.
	EnvBatchConcurrency = "BATCH_CONCURRENCY"
	// EnvTransformConcurrency is how many records of an SQS event the transform runs at once.
	EnvTransformConcurrency = "TRANSFORM_CONCURRENCY"
	// EnvVendorURL is the vendor API's base URL.
	EnvVendorURL = "VENDOR_URL"
	// EnvVendorTokenParam names the SSM SecureString parameter holding the vendor token.
	EnvVendorTokenParam = "VENDOR_TOKEN_PARAM"
	// EnvVendorMaxAttempts and EnvVendorPageSize tune the vendor client.
	EnvVendorMaxAttempts = "VENDOR_MAX_ATTEMPTS"
	EnvVendorPageSize    = "VENDOR_PAGE_SIZE"
	// EnvS3UsePathStyle switches the S3 client to path-style addressing (local servers).
	EnvS3UsePathStyle = "S3_USE_PATH_STYLE"
	// EnvLogLevel is DEBUG, INFO, WARN or ERROR.
	EnvLogLevel = "LOG_LEVEL"
	// EnvMemorySize is the function's memory, set by Lambda.
	EnvMemorySize = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
)

// DatePrefix is the prefix of one day's objects under prefix: <prefix>date=<d>/.
func DatePrefix(prefix, date string) string { return prefix + "date=" + date + "/" }

// Part is a part's key: <prefix>date=<d>/part=<id>.jsonl.
func Part(prefix, date, id string) string {
	return DatePrefix(prefix, date) + "part=" + id + PartSuffix
}

// ParsePart reads the date and the part id back from a part's key under prefix; ok is false
// for any other key. It checks the shape only: the caller validates the date and the id.
func ParsePart(prefix, key string) (date, id string, ok bool) {
	rest, ok1 := strings.CutPrefix(key, prefix+"date=")
	rest, ok2 := strings.CutSuffix(rest, PartSuffix)
	date, rest, ok3 := strings.Cut(rest, "/")
	id, ok4 := strings.CutPrefix(rest, "part=")
	if !ok1 || !ok2 || !ok3 || !ok4 || date == "" || id == "" || strings.Contains(id, "/") {
		return "", "", false
	}
	return date, id, true
}

// GroupManifest is where list-devices writes one group's items:
// manifests/date=<d>/groups/group=<id>.json.
func GroupManifest(date, group string) string {
	return fmt.Sprintf("%sgroups/group=%s.json", DatePrefix(Manifests, date), group)
}

// Manifest is the day's single manifest, the one the Distributed Map reads:
// manifests/date=<d>/items.json.
func Manifest(date string) string { return DatePrefix(Manifests, date) + "items.json" }

// RedriveManifest is a redrive manifest: manifests/date=<d>/redrive/<name>.json.
func RedriveManifest(date, name string) string {
	return DatePrefix(Manifests, date) + "redrive/" + name + ".json"
}
