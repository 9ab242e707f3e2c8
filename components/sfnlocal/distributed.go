package sfnlocal

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// bucketParams evaluates the Parameters of an ItemReader or a ResultWriter (field names the
// field in errors) and returns them with their Bucket, which must be a non-empty string; it
// fails with errName otherwise.
func bucketParams(t *template, eff any, cf ctxSource, errName, field string) (*object, string, error) {
	pv, err := t.eval(eff, cf)
	if err != nil {
		return nil, "", err
	}
	p, _ := pv.(*object)
	if p == nil {
		p = newObject(0)
	}
	bucket, _ := p.str("Bucket")
	if bucket == "" {
		bv, _ := p.get("Bucket")
		return nil, "", newErr(errName, "%s.Parameters.Bucket must be a non-empty string, got %s", field, mustJSONString(bv))
	}
	return p, bucket, nil
}

// readItems runs the ItemReader
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html).
func (x *execution) readItems(ctx context.Context, r *itemReader, eff any, cf ctxSource) ([]any, error) {
	p, bucket, err := bucketParams(r.params, eff, cf, ErrItemReaderFailed, "ItemReader")
	if err != nil {
		return nil, err
	}
	maxItems := r.maxItems
	if r.maxItemsPath != nil {
		n, err := intAt(r.maxItemsPath, eff, cf, 1, 100000000, "ReaderConfig.MaxItemsPath", "a whole number in 1..100000000")
		if err != nil {
			return nil, err
		}
		maxItems = int(n)
	}
	store := x.r.eng.opts.Store
	fail := func(err error) error {
		return newErr(ErrItemReaderFailed, "%v", err)
	}
	var items []any
	if r.inputType == "LISTING" {
		prefix, _ := p.str("Prefix")
		objs, err := store.ListObjects(ctx, bucket, prefix)
		if err != nil {
			return nil, fail(err)
		}
		for _, o := range objs {
			items = append(items, obj(
				"Etag", o.ETag, "Key", o.Key, "LastModified", o.LastModified.Unix(), "Size", o.Size, "StorageClass", o.StorageClass,
			))
		}
	} else {
		key, _ := p.str("Key")
		if key == "" {
			kv, _ := p.get("Key")
			return nil, newErr(ErrItemReaderFailed, "ItemReader.Parameters.Key must be a non-empty string, got %s", mustJSONString(kv))
		}
		body, err := store.GetObject(ctx, bucket, key)
		if err != nil {
			return nil, fail(err)
		}
		switch r.inputType {
		case "JSON":
			v, err := parseJSON(body)
			if err != nil {
				return nil, fail(fmt.Errorf("s3://%s/%s is not JSON: %v", bucket, key, err))
			}
			arr, ok := v.([]any)
			if !ok {
				return nil, fail(fmt.Errorf("s3://%s/%s must hold a JSON array, got %s", bucket, key, typeName(v)))
			}
			items = arr
		case "JSONL":
			for i, line := range bytes.Split(body, []byte("\n")) {
				line = bytes.TrimSpace(line)
				if len(line) == 0 {
					continue
				}
				v, err := parseJSON(line)
				if err != nil {
					return nil, fail(fmt.Errorf("s3://%s/%s line %d is not JSON: %v", bucket, key, i+1, err))
				}
				items = append(items, v)
			}
		case "CSV":
			items, err = readCSV(body, r.headerLoc, r.headers, r.delimiter)
			if err != nil {
				return nil, fail(fmt.Errorf("s3://%s/%s: %v", bucket, key, err))
			}
		case "MANIFEST":
			items, err = x.readManifest(ctx, bucket, key, body, maxItems)
			if err != nil {
				return nil, fail(err)
			}
		}
	}
	if maxItems > 0 && len(items) > maxItems {
		items = items[:maxItems]
	}
	if items == nil {
		items = []any{}
	}
	return items, nil
}

// readCSV turns CSV rows into objects keyed by the header; every value is a string, as in AWS.
func readCSV(body []byte, headerLoc string, given []string, delim rune) ([]any, error) {
	rd := csv.NewReader(bytes.NewReader(body))
	rd.Comma = delim
	rd.FieldsPerRecord = -1
	rows, err := rd.ReadAll()
	if err != nil {
		return nil, err
	}
	headers := given
	if headerLoc != "GIVEN" {
		if len(rows) == 0 {
			return []any{}, nil
		}
		headers, rows = rows[0], rows[1:]
	}
	items := make([]any, 0, len(rows))
	for i, row := range rows {
		if len(row) > len(headers) {
			return nil, fmt.Errorf("row %d has %d fields but there are %d headers", i+1, len(row), len(headers))
		}
		m := newObject(len(headers))
		for j, h := range headers {
			if j < len(row) {
				m.add(h, row[j])
			} else {
				m.add(h, "")
			}
		}
		items = append(items, m)
	}
	return items, nil
}

// readManifest reads an S3 Inventory manifest.json and the (gzipped) CSV files it lists; each
// item is an object keyed by the manifest's fileSchema (Bucket, Key, Size...).
func (x *execution) readManifest(ctx context.Context, bucket, key string, body []byte, maxItems int) ([]any, error) {
	v, err := parseJSON(body)
	if err != nil {
		return nil, fmt.Errorf("manifest s3://%s/%s is not JSON: %v", bucket, key, err)
	}
	m, _ := v.(*object)
	if m == nil {
		m = newObject(0)
	}
	if f, _ := m.str("fileFormat"); f != "" && f != "CSV" {
		return nil, fmt.Errorf("manifest s3://%s/%s: only CSV inventories are supported, got fileFormat %q", bucket, key, f)
	}
	schema, _ := m.str("fileSchema")
	if schema == "" {
		return nil, fmt.Errorf("manifest s3://%s/%s has no fileSchema", bucket, key)
	}
	var headers []string
	for _, h := range strings.Split(schema, ",") {
		headers = append(headers, strings.TrimSpace(h))
	}
	fv, _ := m.get("files")
	files, _ := fv.([]any)
	var items []any
	for _, f := range files {
		var fk string
		if fm, ok := f.(*object); ok {
			fk, _ = fm.str("key")
		}
		data, err := x.r.eng.opts.Store.GetObject(ctx, bucket, fk)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(fk, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, fmt.Errorf("inventory file %s: %v", fk, err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				return nil, fmt.Errorf("inventory file %s: %v", fk, err)
			}
		}
		rows, err := readCSV(data, "GIVEN", headers, ',')
		if err != nil {
			return nil, fmt.Errorf("inventory file %s: %v", fk, err)
		}
		items = append(items, rows...)
		if maxItems > 0 && len(items) >= maxItems {
			break
		}
	}
	return items, nil
}

// makeBatches groups selected items into child inputs {"BatchInput":...,"Items":[...]}
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html).
func (x *execution) makeBatches(b *itemBatcher, eff any, cf ctxSource, items []any) ([]any, [][2]int, error) {
	maxItems, maxBytes := b.maxItems, b.maxBytes
	if b.maxItemsPath != nil {
		n, err := intAt(b.maxItemsPath, eff, cf, 1, math.MaxInt64, "MaxItemsPerBatchPath", "a whole number >= 1")
		if err != nil {
			return nil, nil, err
		}
		maxItems = int(n)
	}
	if b.maxBytesPath != nil {
		n, err := intAt(b.maxBytesPath, eff, cf, 1, maxPayloadBytes, "MaxInputBytesPerBatchPath", "a whole number in 1..262144")
		if err != nil {
			return nil, nil, err
		}
		maxBytes = int(n)
	}
	if maxBytes == 0 {
		maxBytes = maxPayloadBytes
	}
	var batchInput any
	hasBI := b.batchInput != nil
	baseSize := len(`{"Items":[]}`)
	if hasBI {
		v, err := b.batchInput.eval(eff, cf)
		if err != nil {
			return nil, nil, err
		}
		batchInput = v
		baseSize += len(`,"BatchInput":`) + len(jsonText(v))
	}
	var batches []any
	var spans [][2]int
	start, size := 0, baseSize
	flush := func(end int) {
		m := newObject(2)
		if hasBI {
			m.add("BatchInput", batchInput)
		}
		m.add("Items", append([]any{}, items[start:end]...))
		batches = append(batches, m)
		spans = append(spans, [2]int{start, end})
		start, size = end, baseSize
	}
	for i, it := range items {
		n := len(jsonText(it))
		if i > start {
			n++ // comma
		}
		if baseSize+len(jsonText(it)) > maxBytes {
			return nil, nil, newErr(ErrDataLimitExceeded, "item %d is %d bytes, more than MaxInputBytesPerBatch (%d) allows with the batch envelope", i, len(jsonText(it)), maxBytes)
		}
		if i > start && (size+n > maxBytes || (maxItems > 0 && i-start >= maxItems)) {
			flush(i)
			n = len(jsonText(it))
		}
		size += n
	}
	if start < len(items) {
		flush(len(items))
	}
	return batches, spans, nil
}

// childRecord is one child execution as ResultWriter writes it.
type childRecord struct {
	ran         bool // the child execution ran (its name is <run id prefix>_<index>)
	input, out  any
	err         *ExecutionError
	start, stop time.Time
	status      string // SUCCEEDED, FAILED, PENDING
	items       int
	redrives    int // times a STANDARD child was redriven (Express children start anew: 0)
}

// runDistributed runs a Distributed Map: reads the items, selects and batches them, runs one
// child execution per item or batch with MaxConcurrency in flight, enforces the tolerated
// failure threshold and writes the results.
//
// In a redrive of the parent (sc.prev() holding the Map Run that failed) the Map Run keeps its ARN
// and items, emits MapRunRedriven, and runs again only the children that did not succeed.
func (x *execution) runDistributed(ctx context.Context, s *state, eff any, sc *stateCtx) (any, error) {
	cf := sc.fn()
	d := s.dist
	var memo *mapRunMemo
	if p := sc.prev(); p != nil {
		memo = p.dist
	}
	if memo != nil {
		return x.runMapRun(ctx, s, eff, sc, memo)
	}
	var items []any
	if d.reader != nil {
		var err error
		if items, err = x.readItems(ctx, d.reader, eff, cf); err != nil {
			return nil, err
		}
	} else {
		var err error
		if items, err = itemsOf(s, eff, cf); err != nil {
			return nil, err
		}
	}
	selected, err := selectItems(s, eff, items, sc)
	if err != nil {
		return nil, err
	}
	inputs := selected
	var spans [][2]int
	if d.batcher != nil {
		if inputs, spans, err = x.makeBatches(d.batcher, eff, cf, selected); err != nil {
			return nil, err
		}
	}
	x.r.mu.Lock()
	label := d.label
	if label == "" {
		label = s.name
	}
	runID := newUUID()
	x.r.mu.Unlock()
	memo = &mapRunMemo{runID: runID, label: label, records: make([]childRecord, len(inputs)), start: time.Now().UTC()}
	memo.arn = fmt.Sprintf("arn:aws:states:%s:%s:mapRun:%s/%s:%s", x.r.eng.opts.Region, x.r.eng.opts.Account, x.smName, label, runID)
	for i := range memo.records {
		n := 1
		if spans != nil {
			n = spans[i][1] - spans[i][0]
		}
		memo.records[i] = childRecord{status: "PENDING", input: inputs[i], items: n}
	}
	return x.runMapRun(ctx, s, eff, sc, memo)
}

// mapRunMemo is a Map Run: its identity, every child's latest outcome and, for STANDARD children
// that failed, where they stopped; what a redrive of the parent continues.
type mapRunMemo struct {
	arn, runID, label string
	records           []childRecord
	frames            []*frame // by child; nil until a STANDARD child fails
	redrives          int      // times the Map Run was redriven
	start             time.Time
	redriveDate       time.Time
	written           map[string]bool // ResultWriter files written by an earlier attempt
}

// runMapRun runs the children of a Map Run that have not succeeded yet (all of them the first
// time), enforces the tolerated failure threshold over the whole run and writes the results.
func (x *execution) runMapRun(ctx context.Context, s *state, eff any, sc *stateCtx, memo *mapRunMemo) (any, error) {
	cf := sc.fn()
	d := s.dist
	conc, err := x.concurrency(s, eff, cf)
	if err != nil {
		return nil, err
	}
	if conc == 0 {
		conc = x.r.eng.opts.MaxDistributedConcurrency
	}
	tolPct, tolCount := -1.0, -1
	if d.tolPctSet {
		tolPct = d.tolPct
	}
	if d.tolCountSet {
		tolCount = d.tolCount
	}
	if d.tolPctPath != nil {
		v, ok := d.tolPctPath.get(eff, cf)
		f, isNum := toFloat(v)
		if !ok || !isNum || f < 0 || f > 100 {
			return nil, newErr(ErrRuntime, "ToleratedFailurePercentagePath %s must select a number in 0..100, got %s", d.tolPctPath.src, mustJSONString(v))
		}
		tolPct = f
	}
	if d.tolCountPath != nil {
		n, err := intAt(d.tolCountPath, eff, cf, 0, math.MaxInt64, "ToleratedFailureCountPath", "a whole number >= 0")
		if err != nil {
			return nil, err
		}
		tolCount = int(n)
	}
	if tolPct < 0 && tolCount < 0 {
		tolCount = 0 // no tolerance configured: any failure fails the Map Run
	}

	runID, mapRunArn, label, records := memo.runID, memo.arn, memo.label, memo.records
	childSM := fmt.Sprintf("%s/%s", x.smName, label)
	childSMArn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", x.r.eng.opts.Region, x.r.eng.opts.Account, childSM)
	standard := s.processor.execType != "EXPRESS"
	total := 0
	// todo lists the children to run (nil: all of them, the first time)
	var todo []int
	redrive := sc.prev() != nil // the parent's redrive continues this Map Run
	if redrive {
		memo.redrives++
		todo = []int{}
		for i := range records {
			r := &records[i]
			total += r.items
			if r.status == "SUCCEEDED" {
				continue
			}
			todo = append(todo, i)
			r.status, r.err, r.out, r.ran = "PENDING", nil, nil, false
			r.start, r.stop = time.Time{}, time.Time{}
		}
		memo.redriveDate = time.Now().UTC()
		x.emit("MapRunRedriven", map[string]any{"mapRunArn": mapRunArn, "redriveCount": int64(memo.redrives)})
	} else {
		for i := range records {
			total += records[i].items
		}
		x.emit("MapRunStarted", map[string]any{"mapRunArn": mapRunArn})
	}
	n := len(records)
	if todo != nil {
		n = len(todo)
	}
	if p := x.r.prog; p != nil {
		for j := 0; j < n; j++ {
			i := j
			if todo != nil {
				i = todo[j]
			}
			p.total.Add(int64(records[i].items))
		}
	}
	var (
		mu          sync.Mutex
		failedItems int
		exceeded    bool
	)
	over := func(failed int) bool {
		if tolCount >= 0 && failed > tolCount {
			return true
		}
		if tolPct >= 0 && total > 0 && float64(failed)*100/float64(total) > tolPct {
			return true
		}
		return false
	}
	runCtx, cancelRun := context.WithCancelCause(ctx)
	defer cancelRun(nil)
	execPrefix := strings.Replace(childSMArn, ":stateMachine:", ":execution:", 1)
	if s.processor.execType == "EXPRESS" {
		execPrefix = strings.Replace(childSMArn, ":stateMachine:", ":express:", 1)
	}
	_ = forEach(runCtx, n, conc, func(cctx context.Context, i int) error {
		if todo != nil {
			i = todo[i]
		}
		n := records[i].items
		if p := x.r.prog; p != nil {
			p.inFlight.Add(int64(n))
			defer p.inFlight.Add(-int64(n))
		}
		name := fmt.Sprintf("%s_%d", runID[:8], i)
		childArn := execPrefix + ":" + runID + ":" + name
		start := time.Now().UTC()
		cx := x.r.newExecution(s.processor, childSMArn, childSM, name, childArn, records[i].input)
		var prev *frame
		if redrive && standard {
			// a STANDARD child that ran is redriven from where it stopped; one that never
			// started starts now, and an EXPRESS child starts anew
			mu.Lock()
			if memo.frames != nil {
				prev = memo.frames[i]
			}
			if prev != nil {
				records[i].redrives++
				cx.redriven(records[i].redrives, start)
			}
			mu.Unlock()
		}
		out, fr, err := x.r.executeX(cctx, cx, s.processor, s.processor.timeout, prev)
		stop := time.Now().UTC()
		mu.Lock()
		defer mu.Unlock()
		rec := &records[i]
		switch {
		case standard && fr != nil:
			if memo.frames == nil {
				memo.frames = make([]*frame, len(records))
			}
			memo.frames[i] = fr
		case memo.frames != nil:
			memo.frames[i] = nil
		}
		rec.ran, rec.start, rec.stop = true, start, stop
		if err != nil {
			if cctx.Err() != nil && !isExecErr(err) {
				return nil // aborted because the run stopped: stays PENDING
			}
			rec.status = "FAILED"
			rec.err = asExecErr(err, ErrTaskFailed)
			failedItems += n
			if p := x.r.prog; p != nil {
				p.failed.Add(int64(n))
			}
			if !exceeded && over(failedItems) {
				exceeded = true
				cancelRun(errThresholdExceeded)
			}
			return nil
		}
		rec.status = "SUCCEEDED"
		rec.out = out
		if p := x.r.prog; p != nil {
			p.done.Add(int64(n))
		}
		return nil
	})
	described := func(status string, written bool) {
		x.r.eng.describeMapRun(x.arn, memo, status, conc, tolCount, tolPct, written)
	}
	if ctx.Err() != nil {
		sc.leave(&subRun{dist: memo})
		described(StatusAborted, false)
		return nil, context.Cause(ctx)
	}

	var result any
	if d.writer != nil {
		result, err = x.writeResults(ctx, d.writer, eff, cf, mapRunArn, runID, childSMArn, execPrefix, records, memo)
		if err != nil {
			sc.leave(&subRun{dist: memo})
			described(StatusFailed, false)
			x.emit("MapRunFailed", map[string]any{"error": ErrResultWriterFailed})
			return nil, err
		}
	}
	if exceeded {
		first := ""
		for i, r := range records {
			if r.err != nil {
				first = fmt.Sprintf("; the first failed child (input %d) failed with %s: %s", i, r.err.Name, truncate(r.err.Cause, 300))
				break
			}
		}
		cause := fmt.Sprintf("The specified tolerated failure threshold was exceeded: %d of %d items failed (ToleratedFailureCount %s, ToleratedFailurePercentage %s)%s",
			failedItems, total, fmtTol(float64(tolCount)), fmtTol(tolPct), first)
		sc.leave(&subRun{dist: memo})
		described(StatusFailed, d.writer != nil && d.writer.params != nil)
		x.emit("MapRunFailed", map[string]any{"error": ErrExceedToleratedFailure, "cause": cause})
		return nil, &ExecutionError{Name: ErrExceedToleratedFailure, Cause: cause}
	}
	described(StatusSucceeded, d.writer != nil && d.writer.params != nil)
	x.emit("MapRunSucceeded", nil)
	if result != nil {
		return result, nil
	}
	out := make([]any, len(records))
	for i, r := range records {
		if r.status == "SUCCEEDED" {
			out[i] = r.out
		} else if r.err != nil {
			out[i] = obj("Error", r.err.Name, "Cause", r.err.Cause)
		}
	}
	return out, nil
}

var errThresholdExceeded = errors.New("the tolerated failure threshold was exceeded")

func isExecErr(err error) bool {
	var ee *ExecutionError
	return errors.As(err, &ee)
}

func fmtTol(v float64) string {
	if v < 0 {
		return "not set"
	}
	if v == math.Trunc(v) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%v", v)
}

// writeResults implements ResultWriter
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html): with an
// S3 destination it writes <Prefix>/<map run id>/manifest.json and SUCCEEDED_0.json,
// FAILED_0.json, PENDING_0.json (JSON arrays of execution records, or JSON Lines), and the Map
// state's result is {"MapRunArn":...,"ResultWriterDetails":{"Bucket":...,"Key":...manifest.json}}.
// With WriterConfig alone the result is the transformed outputs.
//
// Each record's StateMachineArn is the child state machine's (<state machine>/<label>), the one
// the child executions' ARNs and their $$.StateMachine.Id name.
//
// A redriven Map Run writes every file again under the same <map run id>, each child with its
// latest outcome; a file an earlier attempt wrote that has no entries now is overwritten empty
// (the manifest does not list it), so no stale FAILED or PENDING record remains.
func (x *execution) writeResults(ctx context.Context, w *resultWriter, eff any, cf ctxSource, mapRunArn, runID, childSMArn, execPrefix string, recs []childRecord, memo *mapRunMemo) (any, error) {
	// entry is what a file holds for a child: its output (COMPACT and FLATTEN, for succeeded
	// children) or its execution record.
	rn := recordNames{runID: runID, childSMArn: childSMArn, execPrefix: execPrefix}
	entry := func(i int) any {
		r := &recs[i]
		if w.transformation != "NONE" && r.status == "SUCCEEDED" {
			return r.out
		}
		return fromGo(rn.record(r, i))
	}
	flatten := func(v any, dst []any) []any {
		if arr, ok := v.([]any); ok && w.transformation == "FLATTEN" {
			return append(dst, arr...)
		}
		return append(dst, v)
	}
	if w.params == nil {
		all := []any{}
		for i := range recs {
			if recs[i].status != "PENDING" {
				all = flatten(entry(i), all)
			}
		}
		return all, nil
	}
	p, bucket, err := bucketParams(w.params, eff, cf, ErrResultWriterFailed, "ResultWriter")
	if err != nil {
		return nil, err
	}
	prefix, _ := p.str("Prefix")
	base := runID
	if prefix != "" {
		base = strings.TrimSuffix(prefix, "/") + "/" + runID
	}
	store := x.r.eng.opts.Store
	files := map[string][]any{"SUCCEEDED": {}, "FAILED": {}, "PENDING": {}}
	ext := ".json"
	if w.outputType == "JSONL" {
		ext = ".jsonl"
	}
	jsonl := w.outputType == "JSONL"
	written := map[string]bool{}
	blank := func(key string) error {
		if !memo.written[key] {
			return nil
		}
		empty := []byte("[]")
		if jsonl {
			empty = []byte{}
		}
		if _, err := store.PutObject(ctx, bucket, key, empty); err != nil {
			return newErr(ErrResultWriterFailed, "writing s3://%s/%s: %v", bucket, key, err)
		}
		return nil
	}
	for _, status := range []string{"SUCCEEDED", "FAILED", "PENDING"} {
		key := fmt.Sprintf("%s/%s_0%s", base, status, ext)
		var idx []int
		for i := range recs {
			if recs[i].status == status {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			if err := blank(key); err != nil {
				return nil, err
			}
			continue
		}
		body, err := encodeResultFile(idx, jsonl, func(dst []byte, i int) ([]byte, error) {
			if w.transformation == "NONE" || status != "SUCCEEDED" {
				dst = rn.appendRecord(dst, &recs[i], i)
				if jsonl {
					dst = append(dst, '\n')
				}
				return dst, nil
			}
			for j, v := range flatten(recs[i].out, nil) {
				if j > 0 && !jsonl {
					dst = append(dst, ',')
				}
				var err error
				if dst, err = appendJSON(dst, v); err != nil {
					return nil, newErr(ErrResultWriterFailed, "encoding a %s result: %v", status, err)
				}
				if jsonl {
					dst = append(dst, '\n')
				}
			}
			return dst, nil
		})
		if err != nil {
			return nil, err
		}
		if len(body) == 0 {
			if err := blank(key); err != nil {
				return nil, err
			}
			continue // only empty FLATTENed arrays
		}
		written[key] = true
		if _, err := store.PutObject(ctx, bucket, key, body); err != nil {
			return nil, newErr(ErrResultWriterFailed, "writing s3://%s/%s: %v", bucket, key, err)
		}
		files[status] = append(files[status], map[string]any{"Key": key, "Size": int64(len(body))})
	}
	manifest := map[string]any{
		"DestinationBucket": bucket,
		"MapRunArn":         mapRunArn,
		"ResultFiles":       map[string]any{"FAILED": files["FAILED"], "PENDING": files["PENDING"], "SUCCEEDED": files["SUCCEEDED"]},
	}
	mkey := base + "/manifest.json"
	if _, err := store.PutObject(ctx, bucket, mkey, []byte(jsonText(manifest))); err != nil {
		return nil, newErr(ErrResultWriterFailed, "writing s3://%s/%s: %v", bucket, mkey, err)
	}
	memo.written = written
	return obj("MapRunArn", mapRunArn, "ResultWriterDetails", obj("Bucket", bucket, "Key", mkey)), nil
}

// encodeResultFile encodes the entries of one ResultWriter file (a JSON array, or JSON Lines)
// on every core: the indices are split into contiguous runs, each run is encoded on its own
// goroutine, and the parts are joined in order into one buffer of the exact size. It returns
// nil when every entry encoded to nothing (FLATTENed empty arrays).
func encodeResultFile(idx []int, jsonl bool, enc func(dst []byte, i int) ([]byte, error)) ([]byte, error) {
	workers := min(runtime.GOMAXPROCS(0), max(1, len(idx)/256))
	parts := make([][]byte, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := len(idx)*w/workers, len(idx)*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			var part []byte
			for _, i := range idx[lo:hi] {
				n := len(part)
				comma := n > 0 && !jsonl
				if comma {
					part = append(part, ',')
				}
				var err error
				if part, err = enc(part, i); err != nil {
					errs[w] = err
					return
				}
				if n == 0 && len(part) > 0 {
					// size the part once from its first entry: growing by doubling would
					// allocate (and leave for the collector) about twice the file
					part = slices.Grow(part, len(part)*(hi-lo)*9/8+64)
				}
				if comma && len(part) == n+1 {
					part = part[:n] // the entry was empty: no comma for it
				}
			}
			parts[w] = part
		}()
	}
	wg.Wait()
	size := 2
	for w := range parts {
		if errs[w] != nil {
			return nil, errs[w]
		}
		size += len(parts[w]) + 1
	}
	if size == 2+len(parts) {
		return nil, nil
	}
	out := make([]byte, 0, size)
	if !jsonl {
		out = append(out, '[')
	}
	first := true
	for _, p := range parts {
		if len(p) == 0 {
			continue
		}
		if !first && !jsonl {
			out = append(out, ',')
		}
		out = append(out, p...)
		first = false
	}
	if !jsonl {
		out = append(out, ']')
	}
	return out, nil
}

// recordNames names a Map Run's child executions in ResultWriter records.
type recordNames struct{ runID, childSMArn, execPrefix string }

// record is a child execution's record as ResultWriter writes it, with AWS's field names: a
// plain JSON object, so that paths after a WriterConfig-only Map can address it.
func (rn recordNames) record(r *childRecord, i int) map[string]any {
	var name, arn string
	if r.ran {
		name = fmt.Sprintf("%s_%d", rn.runID[:8], i)
		arn = rn.execPrefix + ":" + rn.runID + ":" + name
	}
	rec := map[string]any{
		"ExecutionArn": arn, "Name": name, "Input": jsonText(r.input), "InputDetails": map[string]any{"Included": true},
		"RedriveCount": int64(r.redrives), "RedriveStatus": "NOT_REDRIVABLE",
		"RedriveStatusReason": "Execution is " + r.status + " and cannot be redriven",
		"StateMachineArn":     rn.childSMArn, "Status": r.status,
	}
	if !r.start.IsZero() {
		rec["StartDate"] = r.start.Format("2006-01-02T15:04:05.000Z")
		rec["StopDate"] = r.stop.Format("2006-01-02T15:04:05.000Z")
	}
	switch r.status {
	case "SUCCEEDED":
		rec["Output"], rec["OutputDetails"] = jsonText(r.out), map[string]any{"Included": true}
	case "FAILED":
		rec["Error"], rec["Cause"] = r.err.Name, r.err.Cause
	}
	return rec
}

// appendRecord appends the JSON of rn.record(r, i), field by field in the sorted key order
// appendJSON uses: 100,000 records encode much faster without a map for each.
func (rn recordNames) appendRecord(dst []byte, r *childRecord, i int) []byte {
	dst = append(dst, '{')
	if r.status == "FAILED" {
		dst = append(dst, `"Cause":`...)
		dst = appendJSONString(dst, r.err.Cause)
		dst = append(dst, `,"Error":`...)
		dst = appendJSONString(dst, r.err.Name)
		dst = append(dst, ',')
	}
	var name string
	if r.ran {
		name = fmt.Sprintf("%s_%d", rn.runID[:8], i)
	}
	dst = append(dst, `"ExecutionArn":`...)
	if r.ran {
		dst = appendJSONString(dst, rn.execPrefix+":"+rn.runID+":"+name)
	} else {
		dst = append(dst, `""`...)
	}
	dst = append(dst, `,"Input":`...)
	dst = appendJSONString(dst, jsonText(r.input))
	dst = append(dst, `,"InputDetails":{"Included":true},"Name":`...)
	dst = appendJSONString(dst, name)
	if r.status == "SUCCEEDED" {
		dst = append(dst, `,"Output":`...)
		dst = appendJSONString(dst, jsonText(r.out))
		dst = append(dst, `,"OutputDetails":{"Included":true}`...)
	}
	dst = append(dst, `,"RedriveCount":`...)
	dst = strconv.AppendInt(dst, int64(r.redrives), 10)
	dst = append(dst, `,"RedriveStatus":"NOT_REDRIVABLE","RedriveStatusReason":"Execution is `...)
	dst = append(dst, r.status...)
	dst = append(dst, ` and cannot be redriven"`...)
	if !r.start.IsZero() {
		dst = append(dst, `,"StartDate":"`...)
		dst = r.start.AppendFormat(dst, "2006-01-02T15:04:05.000Z")
		dst = append(dst, '"')
	}
	dst = append(dst, `,"StateMachineArn":`...)
	dst = appendJSONString(dst, rn.childSMArn)
	dst = append(dst, `,"Status":"`...)
	dst = append(dst, r.status...)
	dst = append(dst, '"')
	if !r.start.IsZero() {
		dst = append(dst, `,"StopDate":"`...)
		dst = r.stop.AppendFormat(dst, "2006-01-02T15:04:05.000Z")
		dst = append(dst, '"')
	}
	return append(dst, '}')
}
