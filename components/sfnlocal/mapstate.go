package sfnlocal

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"

	"github.com/skeinhq/skein/components/asl"
)

// distSpec holds the Distributed Map fields
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html).
type distSpec struct {
	reader       *itemReader
	batcher      *itemBatcher
	writer       *resultWriter
	tolPct       float64
	tolPctSet    bool
	tolPctPath   *jpath
	tolCount     int
	tolCountSet  bool
	tolCountPath *jpath
	label        string
}

type itemReader struct {
	resource     string
	params       *template
	inputType    string // JSON, JSONL, CSV, MANIFEST; LISTING for listObjectsV2
	headerLoc    string // FIRST_ROW or GIVEN
	headers      []string
	delimiter    rune
	maxItems     int
	maxItemsPath *jpath
}

type itemBatcher struct {
	maxItems     int
	maxItemsPath *jpath
	maxBytes     int
	maxBytesPath *jpath
	batchInput   *template
}

type resultWriter struct {
	params         *template // nil: no export to S3 (WriterConfig only)
	outputType     string    // JSON or JSONL
	transformation string    // NONE, COMPACT or FLATTEN
}

func wholeIn(v float64, lo, hi float64) bool { return v == math.Trunc(v) && v >= lo && v <= hi }

// intAt is the integer p selects from eff, which must lie in lo..hi; otherwise it fails with
// States.Runtime: "<field> <path> must select <want>, got <value>".
func intAt(p *jpath, eff any, cf ctxSource, lo, hi int64, field, want string) (int64, error) {
	v, ok := p.get(eff, cf)
	n, isInt := toInt(v)
	if !ok || !isInt || n < lo || n > hi {
		return 0, newErr(ErrRuntime, "%s %s must select %s, got %s", field, p.src, want, mustJSONString(v))
	}
	return n, nil
}

func (c *compiler) mapState(where string, rs *asl.State, s *state) {
	proc := rs.ItemProcessor
	if proc == nil {
		proc = rs.Iterator
	}
	if (rs.ItemProcessor == nil) == (rs.Iterator == nil) {
		c.bad(where, "exactly one of ItemProcessor or Iterator (its older name) is required")
	}
	if proc != nil {
		s.processor = c.machine(proc, where+".ItemProcessor", true)
	}
	distributed := s.processor != nil && s.processor.distrib
	if rs.ItemsPath != "" {
		s.itemsPath = c.path(where, "ItemsPath", rs.ItemsPath)
	}
	if rs.Parameters != nil && rs.ItemSelector == nil {
		s.itemSel, s.params = s.params, nil // Parameters is the older name of ItemSelector in a Map
	}
	limit := 1e9
	if distributed {
		limit = maxDistributedConcurrency
	}
	if rs.MaxConcurrency != nil {
		if !wholeIn(*rs.MaxConcurrency, 0, limit) {
			c.bad(where, "MaxConcurrency must be a whole number in 0..%v (0 means no limit), got %v", limit, *rs.MaxConcurrency)
		}
		s.maxConc = int(*rs.MaxConcurrency)
	}
	if rs.MaxConcurrency != nil && rs.MaxConcurrencyPath != "" {
		c.bad(where, "MaxConcurrency and MaxConcurrencyPath are alternatives")
	}
	s.maxConcPath = c.path(where, "MaxConcurrencyPath", rs.MaxConcurrencyPath)

	distOnly := map[string]bool{
		"ItemReader": rs.ItemReader != nil, "ItemBatcher": rs.ItemBatcher != nil, "ResultWriter": rs.ResultWriter != nil,
		"ToleratedFailurePercentage": rs.ToleratedFailurePercentage != nil, "ToleratedFailurePercentagePath": rs.ToleratedFailurePercentagePath != "",
		"ToleratedFailureCount": rs.ToleratedFailureCount != nil, "ToleratedFailureCountPath": rs.ToleratedFailureCountPath != "",
		"Label": rs.Label != "",
	}
	if !distributed {
		for _, f := range []string{"ItemReader", "ItemBatcher", "ResultWriter", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath", "Label"} {
			if distOnly[f] {
				c.bad(where, "%s is only allowed in a Distributed Map (ItemProcessor.ProcessorConfig.Mode DISTRIBUTED)", f)
			}
		}
		return
	}
	d := &distSpec{label: rs.Label}
	s.dist = d
	if len(rs.Label) > 40 {
		c.bad(where, "Label must be at most 40 characters, got %d", len(rs.Label))
	}
	if v := rs.ToleratedFailurePercentage; v != nil {
		if *v < 0 || *v > 100 {
			c.bad(where, "ToleratedFailurePercentage must be in 0..100, got %v", *v)
		}
		d.tolPct, d.tolPctSet = *v, true
	}
	if v := rs.ToleratedFailureCount; v != nil {
		if !wholeIn(*v, 0, 1e12) {
			c.bad(where, "ToleratedFailureCount must be a whole number >= 0, got %v", *v)
		}
		d.tolCount, d.tolCountSet = int(*v), true
	}
	if rs.ToleratedFailurePercentage != nil && rs.ToleratedFailurePercentagePath != "" {
		c.bad(where, "ToleratedFailurePercentage and ToleratedFailurePercentagePath are alternatives")
	}
	if rs.ToleratedFailureCount != nil && rs.ToleratedFailureCountPath != "" {
		c.bad(where, "ToleratedFailureCount and ToleratedFailureCountPath are alternatives")
	}
	d.tolPctPath = c.path(where, "ToleratedFailurePercentagePath", rs.ToleratedFailurePercentagePath)
	d.tolCountPath = c.path(where, "ToleratedFailureCountPath", rs.ToleratedFailureCountPath)

	if ir := rs.ItemReader; ir != nil {
		w := where + ".ItemReader"
		if rs.ItemsPath != "" {
			c.bad(where, "ItemsPath and ItemReader are alternatives: the items come from the ItemReader")
		}
		r := &itemReader{resource: ir.Resource, params: c.tmpl(w, "Parameters", ir.Parameters), headerLoc: "FIRST_ROW", delimiter: ','}
		if r.params == nil {
			c.bad(w, "Parameters (with Bucket and Key, or Bucket and Prefix) is required")
		}
		switch ir.Resource {
		case "arn:aws:states:::s3:listObjectsV2":
			r.inputType = "LISTING"
			if ir.ReaderConfig != nil && ir.ReaderConfig.InputType != "" {
				c.bad(w, "ReaderConfig.InputType is not used with s3:listObjectsV2")
			}
		case "arn:aws:states:::s3:getObject":
			r.inputType = "JSON"
		default:
			c.bad(w, "Resource must be arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2, got %q", ir.Resource)
		}
		if rc := ir.ReaderConfig; rc != nil {
			if r.inputType != "LISTING" {
				switch rc.InputType {
				case "JSON", "JSONL", "CSV", "MANIFEST":
					r.inputType = rc.InputType
				default:
					c.bad(w, "ReaderConfig.InputType must be JSON, JSONL, CSV or MANIFEST, got %q", rc.InputType)
				}
			}
			switch rc.CSVHeaderLocation {
			case "", "FIRST_ROW":
			case "GIVEN":
				r.headerLoc = "GIVEN"
				if len(rc.CSVHeaders) == 0 {
					c.bad(w, "ReaderConfig.CSVHeaders is required when CSVHeaderLocation is GIVEN")
				}
			default:
				c.bad(w, "ReaderConfig.CSVHeaderLocation must be FIRST_ROW or GIVEN, got %q", rc.CSVHeaderLocation)
			}
			if len(rc.CSVHeaders) > 0 && rc.CSVHeaderLocation != "GIVEN" {
				c.bad(w, "ReaderConfig.CSVHeaders is only used with CSVHeaderLocation GIVEN")
			}
			r.headers = rc.CSVHeaders
			switch rc.CSVDelimiter {
			case "", "COMMA":
			case "PIPE":
				r.delimiter = '|'
			case "SEMICOLON":
				r.delimiter = ';'
			case "SPACE":
				r.delimiter = ' '
			case "TAB":
				r.delimiter = '\t'
			default:
				c.bad(w, "ReaderConfig.CSVDelimiter must be COMMA, PIPE, SEMICOLON, SPACE or TAB, got %q", rc.CSVDelimiter)
			}
			if (rc.CSVHeaderLocation != "" || rc.CSVDelimiter != "") && r.inputType != "CSV" && r.inputType != "MANIFEST" {
				c.bad(w, "CSV options need ReaderConfig.InputType CSV")
			}
			if rc.MaxItems != nil {
				if !wholeIn(*rc.MaxItems, 1, 100000000) {
					c.bad(w, "ReaderConfig.MaxItems must be a whole number in 1..100000000, got %v", *rc.MaxItems)
				}
				r.maxItems = int(*rc.MaxItems)
			}
			r.maxItemsPath = c.path(w, "ReaderConfig.MaxItemsPath", rc.MaxItemsPath)
		} else if r.inputType == "JSON" && ir.Resource == "arn:aws:states:::s3:getObject" {
			c.bad(w, "ReaderConfig.InputType (JSON, JSONL, CSV or MANIFEST) is required with s3:getObject")
		}
		d.reader = r
	}
	if ib := rs.ItemBatcher; ib != nil {
		w := where + ".ItemBatcher"
		b := &itemBatcher{batchInput: c.tmpl(w, "BatchInput", ib.BatchInput)}
		if ib.MaxItemsPerBatch != nil {
			if !wholeIn(*ib.MaxItemsPerBatch, 1, 1e9) {
				c.bad(w, "MaxItemsPerBatch must be a whole number >= 1, got %v", *ib.MaxItemsPerBatch)
			}
			b.maxItems = int(*ib.MaxItemsPerBatch)
		}
		if ib.MaxInputBytesPerBatch != nil {
			if !wholeIn(*ib.MaxInputBytesPerBatch, 1, maxPayloadBytes) {
				c.bad(w, "MaxInputBytesPerBatch must be a whole number in 1..262144 (256 KiB), got %v", *ib.MaxInputBytesPerBatch)
			}
			b.maxBytes = int(*ib.MaxInputBytesPerBatch)
		}
		b.maxItemsPath = c.path(w, "MaxItemsPerBatchPath", ib.MaxItemsPerBatchPath)
		b.maxBytesPath = c.path(w, "MaxInputBytesPerBatchPath", ib.MaxInputBytesPerBatchPath)
		if ib.MaxItemsPerBatch == nil && ib.MaxInputBytesPerBatch == nil && b.maxItemsPath == nil && b.maxBytesPath == nil {
			c.bad(w, "at least one of MaxItemsPerBatch, MaxInputBytesPerBatch (or their Path forms) is required")
		}
		d.batcher = b
	}
	if rw := rs.ResultWriter; rw != nil {
		w := where + ".ResultWriter"
		r := &resultWriter{outputType: "JSON", transformation: "NONE"}
		if rw.Resource != "" || rw.Parameters != nil {
			if rw.Resource != "arn:aws:states:::s3:putObject" {
				c.bad(w, "Resource must be arn:aws:states:::s3:putObject, got %q", rw.Resource)
			}
			r.params = c.tmpl(w, "Parameters", rw.Parameters)
			if r.params == nil {
				c.bad(w, "Parameters (Bucket and Prefix) is required with Resource")
			}
		}
		if wc := rw.WriterConfig; wc != nil {
			switch wc.OutputType {
			case "", "JSON", "JSONL":
				if wc.OutputType != "" {
					r.outputType = wc.OutputType
				}
			default:
				c.bad(w, "WriterConfig.OutputType must be JSON or JSONL, got %q", wc.OutputType)
			}
			switch wc.Transformation {
			case "", "NONE", "COMPACT", "FLATTEN":
				if wc.Transformation != "" {
					r.transformation = wc.Transformation
				}
			default:
				c.bad(w, "WriterConfig.Transformation must be NONE, COMPACT or FLATTEN, got %q", wc.Transformation)
			}
		} else if r.params == nil {
			c.bad(w, "needs Resource and Parameters, WriterConfig, or both")
		}
		d.writer = r
	}
}

// itemsOf selects a Map state's items from its effective input with its ItemsPath; they must
// be an array.
func itemsOf(s *state, eff any, cf ctxSource) ([]any, error) {
	src := eff
	if s.itemsPath != nil {
		v, ok := s.itemsPath.get(eff, cf)
		if !ok {
			return nil, newErr(ErrRuntime, "Invalid path '%s': The ItemsPath does not exist in the input", s.itemsPath.src)
		}
		src = v
	}
	items, ok := src.([]any)
	if !ok {
		return nil, newErr(ErrRuntime, "Map state %q: the items (ItemsPath %s) must be a JSON array, got %s", s.name, pathSrc(s.itemsPath), typeName(src))
	}
	return items, nil
}

// runMap runs a Map state's iterations on its effective input and returns the results.
func (x *execution) runMap(ctx context.Context, s *state, eff any, sc *stateCtx) (any, error) {
	cf := sc.fn()
	if s.dist != nil {
		return x.runDistributed(ctx, s, eff, sc)
	}
	items, err := itemsOf(s, eff, cf)
	if err != nil {
		return nil, err
	}
	conc, err := x.concurrency(s, eff, cf)
	if err != nil {
		return nil, err
	}
	inputs, err := selectItems(s, eff, items, sc)
	if err != nil {
		return nil, err
	}
	if x.listening() {
		x.emit("MapStateStarted", map[string]any{"length": int64(len(items))})
	} else {
		x.tally(1)
	}
	if p := x.r.prog; p != nil {
		p.total.Add(int64(len(items)))
	}
	results := make([]any, len(inputs))
	// what a redrive needs if the Map fails: which iterations succeeded, where the others
	// stopped (frames allocated on the first failure only)
	done := make([]bool, len(inputs))
	var (
		framesMu sync.Mutex
		frames   []*frame
	)
	prev := sc.prev()
	if prev != nil && len(prev.ok) != len(inputs) {
		prev = nil // the items changed: nothing to reuse
	}
	if prev != nil {
		for i := range inputs {
			if prev.succeeded(i) {
				results[i], done[i] = prev.outs[i], true
			}
		}
	}
	err = forEach(ctx, len(inputs), conc, func(ctx context.Context, i int) error {
		if done[i] {
			return nil // succeeded before the redrive: not run again
		}
		if p := x.r.prog; p != nil {
			p.inFlight.Add(1)
			defer p.inFlight.Add(-1)
		}
		if x.listening() {
			x.emit("MapIterationStarted", map[string]any{"name": s.name, "index": int64(i)})
		} else {
			x.tally(1)
		}
		out, fr, err := x.runMachine(ctx, s.processor, inputs[i], nil, prev.frame(i))
		if err != nil {
			framesMu.Lock()
			if frames == nil {
				frames = make([]*frame, len(inputs))
			}
			frames[i] = fr
			framesMu.Unlock()
			if p := x.r.prog; p != nil {
				p.failed.Add(1)
			}
			if x.listening() {
				typ := "MapIterationFailed"
				if errors.Is(err, errBranchCancelled) {
					typ = "MapIterationAborted"
				}
				x.emit(typ, map[string]any{"name": s.name, "index": int64(i)})
			} else {
				x.tally(1)
			}
			return err
		}
		if p := x.r.prog; p != nil {
			p.done.Add(1)
		}
		if x.listening() {
			x.emit("MapIterationSucceeded", map[string]any{"name": s.name, "index": int64(i)})
		} else {
			x.tally(1)
		}
		results[i], done[i] = out, true
		return nil
	})
	if err != nil {
		framesMu.Lock()
		sc.leave(&subRun{outs: results, ok: done, frames: frames})
		framesMu.Unlock()
		x.emit("MapStateFailed", nil)
		return nil, err
	}
	if x.listening() {
		x.emit("MapStateSucceeded", nil)
	} else {
		x.tally(1)
	}
	return results, nil
}

func pathSrc(p *jpath) string {
	if p == nil {
		return "$"
	}
	return p.src
}

// selectItems applies ItemSelector (or the older Parameters) to every item, with $$.Map.Item.
func selectItems(s *state, eff any, items []any, sc *stateCtx) ([]any, error) {
	if s.itemSel == nil {
		return items, nil
	}
	out := make([]any, len(items))
	for i, it := range items {
		ic := &stateCtx{x: sc.x, s: s, entered: sc.entered, retries: sc.retries, item: &mapItem{index: i, value: it}}
		v, err := s.itemSel.eval(eff, ic.fn())
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (x *execution) concurrency(s *state, eff any, cf ctxSource) (int, error) {
	if s.maxConcPath == nil {
		return s.maxConc, nil
	}
	n, err := intAt(s.maxConcPath, eff, cf, 0, math.MaxInt64, "MaxConcurrencyPath", "a whole number >= 0")
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

// maxWorkers bounds the goroutines of a Map whose MaxConcurrency is 0 ("as many as possible"):
// AWS itself runs about 40 inline iterations at a time, and a goroutine per item for 100,000
// items costs more than it gives.
const maxWorkers = 1024

// forEach calls fn for 0..n-1 with at most conc calls in flight (0 means as many as possible,
// up to maxWorkers). The first
// error cancels the calls not yet finished (their context ends with errBranchCancelled) and is
// returned once every call has returned.
func forEach(ctx context.Context, n, conc int, fn func(context.Context, int) error) error {
	if n == 0 {
		return nil
	}
	if conc <= 0 || conc > n {
		conc = min(n, maxWorkers)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() {
						firstErr = err
						cancel(errBranchCancelled)
					})
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return context.Cause(ctx)
}
