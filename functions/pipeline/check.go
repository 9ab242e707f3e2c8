package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// ErrNameTooManyFailures is the error of a run that captured more failed items than it
// tolerates. Do not retry: the run fails so that an operator looks (the captured items are under failed/,
// and a re-run with skipExisting fetches them again once the cause is fixed).
const ErrNameTooManyFailures = "TooManyFailuresError"

// CheckInput asks merge-manifests to check a finished Distributed Map run: Results is its
// ResultWriterDetails (the manifest.json the ResultWriter wrote), Items the number of items the
// run was given, and TolerancePercent the share of them that may have been captured as failed.
type CheckInput struct {
	Results          ObjectRef `json:"results"`
	Items            int       `json:"items"`
	TolerancePercent float64   `json:"tolerancePercent"`
	// Stored are the day's devices the run's manifest left out because they were stored ok
	// already (MergeOutput.Stored): they count as items and as skipped. Zero means none.
	Stored int `json:"stored,omitempty"`
}

// CheckOutput counts a run's items by outcome.
type CheckOutput struct {
	Items     int `json:"items"`
	Succeeded int `json:"succeeded"`
	Skipped   int `json:"skipped"`
	// Captured items failed permanently and are kept under failed/.
	Captured int `json:"captured"`
	// InFailedBatches are the items of batches that failed or never ran (the ResultWriter's
	// FAILED and PENDING files); the Distributed Map's own tolerance counts them.
	InFailedBatches int     `json:"inFailedBatches"`
	CapturedPercent float64 `json:"capturedPercent"`
}

// TooManyFailuresError says that a run captured more failed items than it tolerates.
type TooManyFailuresError struct {
	Check     CheckOutput
	Tolerated float64
}

func (e *TooManyFailuresError) Error() string {
	return fmt.Sprintf("%d of %d items (%.2f%%) failed permanently and were captured under failed/, above the %.2f%% the run tolerates (succeeded %d, skipped %d, in failed batches %d)",
		e.Check.Captured, e.Check.Items, e.Check.CapturedPercent, e.Tolerated, e.Check.Succeeded, e.Check.Skipped, e.Check.InFailedBatches)
}

// resultManifest is the ResultWriter's manifest.json.
type resultManifest struct {
	DestinationBucket string `json:"DestinationBucket"`
	ResultFiles       map[string][]struct {
		Key string `json:"Key"`
	} `json:"ResultFiles"`
}

// check reads a run's result files and fails with *TooManyFailuresError when the captured items
// exceed the tolerance. Captured failures do not fail their batch (so a few dead devices do not
// spend the Map's tolerance), so without this check a vendor that refuses every device would
// leave a green run.
func (h *MergeManifests) check(ctx context.Context, in CheckInput) (*CheckOutput, error) {
	log := logger(h.Log)
	b, err := getObject(ctx, h.Store, in.Results.Bucket, in.Results.Key)
	if err != nil {
		return nil, err
	}
	var m resultManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, inputError("check.results", "must be a ResultWriter manifest.json", in.Results.Key+": "+err.Error())
	}
	bucket := m.DestinationBucket
	if bucket == "" {
		bucket = in.Results.Bucket
	}
	out := &CheckOutput{Items: in.Items + in.Stored, Skipped: in.Stored}
	for _, status := range []string{"SUCCEEDED", "FAILED", "PENDING"} {
		for _, f := range m.ResultFiles[status] {
			data, err := getObject(ctx, h.Store, bucket, f.Key)
			if err != nil {
				return nil, err
			}
			recs, err := resultRecords(data)
			if err != nil {
				return nil, inputError("check.results", "must list ResultWriter records", f.Key+": "+err.Error())
			}
			for i, r := range recs {
				if r.Status == "SUCCEEDED" {
					var o FetchOutput
					if err := json.Unmarshal([]byte(r.Output), &o); err != nil {
						return nil, inputError("check.results", "must hold fetch-metrics outputs", fmt.Sprintf("%s record %d: %v", f.Key, i, err))
					}
					out.Succeeded += o.Succeeded
					out.Skipped += o.Skipped
					out.Captured += o.Failed
					continue
				}
				var fin FetchInput
				if err := json.Unmarshal([]byte(r.Input), &fin); err != nil {
					return nil, inputError("check.results", "must hold fetch-metrics inputs", fmt.Sprintf("%s record %d: %v", f.Key, i, err))
				}
				its, _ := fin.items()
				out.InFailedBatches += len(its)
			}
		}
	}
	if in.Items == 0 {
		out.Items = out.Succeeded + out.Skipped + out.Captured + out.InFailedBatches
	}
	if out.Items > 0 {
		out.CapturedPercent = float64(out.Captured) * 100 / float64(out.Items)
	}
	log.InfoContext(ctx, "run checked", "items", out.Items, "succeeded", out.Succeeded, "skipped", out.Skipped, "captured", out.Captured, "inFailedBatches", out.InFailedBatches)
	if out.CapturedPercent > in.TolerancePercent {
		err := &TooManyFailuresError{Check: *out, Tolerated: in.TolerancePercent}
		log.ErrorContext(ctx, "too many failures", "error", err)
		return nil, err
	}
	return out, nil
}

// resultRecords reads a ResultWriter file: a JSON array of records or JSON Lines.
func resultRecords(b []byte) ([]resultRecord, error) {
	var recs []resultRecord
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		err := json.Unmarshal(trimmed, &recs)
		return recs, err
	}
	sc := bufio.NewScanner(bytes.NewReader(trimmed))
	sc.Buffer(make([]byte, 1<<20), maxObjectBytes)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r resultRecord
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("line %s: %w", strconv.Itoa(n), err)
		}
		recs = append(recs, r)
	}
	return recs, sc.Err()
}
