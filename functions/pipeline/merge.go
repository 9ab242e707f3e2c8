package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strconv"

	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/pipeline/layout"
)

// MergeInput is merge-manifests' input. Either Groups (the inline Map's results, to build the
// day's manifest) or Failed (ResultWriter files of an earlier run, to build a redrive manifest).
type MergeInput struct {
	Date string `json:"date"`
	// Groups are list-devices' results for the day.
	Groups []ListDevicesOutput `json:"groups,omitempty"`
	// Failed are ResultWriter result files (FAILED_n.json, PENDING_n.json; JSON array or JSON
	// Lines) of an earlier Distributed Map run: every item of every failed or pending batch is
	// put in a redrive manifest.
	Failed      []ObjectRef `json:"failed,omitempty"`
	ExecutionID string      `json:"executionId,omitempty"`
	// SkipExisting, with Groups, drops from the manifest every device that has an ok record in
	// the day's raw parts (listed and read: one GET per part) and is passed on to the output
	// (a re-run of the day that fetches only the missing devices); a redrive from Failed always
	// does both.
	SkipExisting bool `json:"skipExisting,omitempty"`
	// Check, instead of Groups or Failed, checks a finished fetch run: the output's Check counts
	// its items, or the call fails with TooManyFailuresError.
	Check *CheckInput `json:"check,omitempty"`
}

// MergeOutput says where the single manifest is; it is the Distributed Map's ItemReader input.
type MergeOutput struct {
	Date     string    `json:"date"`
	Count    int       `json:"count"`
	Groups   int       `json:"groups"`
	Manifest ObjectRef `json:"manifest"`
	// SkipExisting is true for a manifest without the devices already stored (a skipExisting
	// re-run, a redrive): pass it on in the ItemBatcher's BatchInput, so that a retried batch
	// keeps whatever its part holds.
	SkipExisting bool `json:"skipExisting"`
	// Stored counts the devices left out of the manifest because the day's raw parts hold an
	// ok record of them (SkipExisting); CheckFailures counts them as skipped.
	Stored int `json:"stored"`
	// Check is the outcome of a Check input.
	Check *CheckOutput `json:"check,omitempty"`
}

// MergeManifests is the merge-manifests handler. It reads every group manifest named in its
// input and writes one JSON array of Items, sorted by group then device and without duplicates,
// to layout.Manifest(date); or, given ResultWriter files, the items of the failed batches to
// layout.RedriveManifest(date, <hash of the sources>).
//
// With SkipExisting (or Failed), the Store also lists raw/date=<d>/ (s3:ListBucket on raw/).
type MergeManifests struct {
	Store interface {
		ObjectGetter
		ObjectPutter
		ObjectLister
	}
	Bucket string
	Log    *slog.Logger
}

// ManifestReaders is how many group manifests merge-manifests reads at once.
const ManifestReaders = 16

// MaxManifestItems bounds a manifest (the Distributed Map reads up to 100,000,000 items; this
// handler holds them in memory, so it stops well before).
const MaxManifestItems = 5_000_000

// Handle implements the Lambda handler.
func (h *MergeManifests) Handle(ctx context.Context, in MergeInput) (*MergeOutput, error) {
	log := logger(h.Log)
	errs := []error{ValidDate("date", in.Date)}
	if (len(in.Groups) == 0) == (len(in.Failed) == 0) && len(in.Groups)+len(in.Failed) > 0 {
		errs = append(errs, inputError("groups", "and failed are alternatives: give one", fmt.Sprintf("%d groups, %d failed", len(in.Groups), len(in.Failed))))
	}
	for i, g := range in.Groups {
		p := "groups[" + strconv.Itoa(i) + "]."
		errs = append(errs, ValidID(p+"group.id", g.Group.ID))
		if g.Date != in.Date {
			errs = append(errs, inputError(p+"date", "must equal the run date "+in.Date, g.Date))
		}
		if g.Manifest.Bucket == "" || g.Manifest.Key == "" {
			errs = append(errs, inputError(p+"manifest", "must name a bucket and a key", g.Manifest.Bucket+"/"+g.Manifest.Key))
		}
	}
	for i, f := range in.Failed {
		if f.Bucket == "" || f.Key == "" {
			errs = append(errs, inputError("failed["+strconv.Itoa(i)+"]", "must name a bucket and a key", f.Bucket+"/"+f.Key))
		}
	}
	if c := in.Check; c != nil {
		if len(in.Groups)+len(in.Failed) > 0 {
			errs = append(errs, inputError("check", "is an alternative to groups and failed", ""))
		}
		if c.Results.Bucket == "" || c.Results.Key == "" {
			errs = append(errs, inputError("check.results", "must name a bucket and a key (the ResultWriterDetails)", c.Results.Bucket+"/"+c.Results.Key))
		}
		if c.Items < 0 || !(c.TolerancePercent >= 0 && c.TolerancePercent <= 100) {
			errs = append(errs, inputError("check", "must have items >= 0 and tolerancePercent 0..100", fmt.Sprintf("%d, %v", c.Items, c.TolerancePercent)))
		}
	}
	if err := joinInput(errs...); err != nil {
		log.ErrorContext(ctx, "invalid input", "error", err)
		return nil, err
	}
	ctx = logx.WithCorrelation(ctx, correlation(ctx, in.ExecutionID, "date="+in.Date))
	if in.Check != nil {
		out, err := h.check(ctx, *in.Check)
		if err != nil {
			return nil, err
		}
		return &MergeOutput{Date: in.Date, Count: out.Items, Check: out}, nil
	}

	var items []Item
	var key string
	redrive := len(in.Failed) > 0
	if !redrive {
		// The group manifests are read ManifestReaders at a time (one GET each, hundreds of
		// groups), then checked and appended in the order of the groups.
		parts := make([][]Item, len(in.Groups))
		err := forEach(len(in.Groups), ManifestReaders, func(i int) error {
			g := in.Groups[i]
			b, err := getObject(ctx, h.Store, g.Manifest.Bucket, g.Manifest.Key)
			if err != nil {
				log.ErrorContext(ctx, "reading a group manifest failed", "key", g.Manifest.Key, "error", err)
				return err
			}
			if err := json.Unmarshal(b, &parts[i]); err != nil {
				return inputError("groups.manifest", "must be a JSON array of items", g.Manifest.Key+": "+err.Error())
			}
			if len(parts[i]) != g.Count {
				return inputError("groups.count", "must equal the manifest's length "+strconv.Itoa(len(parts[i])), g.Manifest.Key+": "+strconv.Itoa(g.Count))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for i := range in.Groups {
			items = append(items, parts[i]...)
		}
		key = layout.Manifest(in.Date)
	} else {
		sum := sha256.New()
		for _, f := range in.Failed {
			b, err := getObject(ctx, h.Store, f.Bucket, f.Key)
			if err != nil {
				log.ErrorContext(ctx, "reading a result file failed", "key", f.Key, "error", err)
				return nil, err
			}
			part, err := itemsFromResults(b)
			if err != nil {
				return nil, inputError("failed", "must be ResultWriter files (JSON array or JSON Lines of execution records)", f.Key+": "+err.Error())
			}
			items = append(items, part...)
			_, _ = fmt.Fprintf(sum, "%s/%s\n", f.Bucket, f.Key)
		}
		key = layout.RedriveManifest(in.Date, hex.EncodeToString(sum.Sum(nil))[:16])
	}
	var problems []error
	for i, it := range items {
		if it.Date != in.Date {
			problems = append(problems, inputError("items["+strconv.Itoa(i)+"].date", "must equal the run date "+in.Date, it.Date))
		}
		problems = append(problems, it.Validate("items["+strconv.Itoa(i)+"]."))
		if len(problems) > 100 {
			break
		}
	}
	if err := joinInput(problems...); err != nil {
		log.ErrorContext(ctx, "manifests hold invalid items", "error", err)
		return nil, err
	}
	if len(items) > MaxManifestItems {
		return nil, inputError("items", "must be at most "+strconv.Itoa(MaxManifestItems), strconv.Itoa(len(items)))
	}
	items = sortUnique(items)
	stored := 0
	if skip := redrive || in.SkipExisting; skip {
		// Only the devices without an ok record in the day's raw parts are fetched again: the
		// parts are listed and read (one GET per part, never a request per device).
		ok, parts, err := StoredOK(ctx, h.Store, h.Bucket, in.Date)
		if err != nil {
			log.ErrorContext(ctx, "reading the day's raw parts failed", "error", err)
			return nil, err
		}
		kept := items[:0]
		for _, it := range items {
			if !ok[it] {
				kept = append(kept, it)
			}
		}
		stored = len(items) - len(kept)
		log.InfoContext(ctx, "dropped the devices already stored", "parts", parts, "stored", stored, "kept", len(kept))
		items = kept
	}
	n, err := putJSON(ctx, h.Store, h.Bucket, key, items, nil)
	if err != nil {
		log.ErrorContext(ctx, "writing the manifest failed", "key", key, "error", err)
		return nil, err
	}
	groups := map[string]bool{}
	for _, it := range items {
		groups[it.Group] = true
	}
	log.InfoContext(ctx, "wrote manifest", "key", key, "items", len(items), "groups", len(groups), "bytes", n, "redrive", redrive)
	return &MergeOutput{Date: in.Date, Count: len(items), Groups: len(groups), Manifest: ObjectRef{Bucket: h.Bucket, Key: key}, SkipExisting: redrive || in.SkipExisting, Stored: stored}, nil
}

func sortUnique(items []Item) []Item {
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		return a.Device < b.Device
	})
	out := items[:0]
	for i, it := range items {
		if i > 0 && it == items[i-1] {
			continue
		}
		out = append(out, it)
	}
	if out == nil {
		out = []Item{}
	}
	return out
}

// resultRecord is one execution record of a ResultWriter file
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
type resultRecord struct {
	Input  string `json:"Input"`
	Output string `json:"Output"`
	Status string `json:"Status"`
}

// itemsFromResults extracts the items of every record that did not succeed. A record's Input
// is the child execution's input as JSON text: a batch {"Items":[...]} or a single item.
func itemsFromResults(b []byte) ([]Item, error) {
	recs, err := resultRecords(b)
	if err != nil {
		return nil, err
	}
	var items []Item
	for i, r := range recs {
		if r.Status == "SUCCEEDED" {
			continue
		}
		var in FetchInput
		if err := json.Unmarshal([]byte(r.Input), &in); err != nil {
			return nil, fmt.Errorf("record %d: Input is not a fetch-metrics input: %v", i, err)
		}
		its, err := in.items()
		if err != nil {
			return nil, fmt.Errorf("record %d: %v", i, err)
		}
		items = append(items, its...)
	}
	return items, nil
}
