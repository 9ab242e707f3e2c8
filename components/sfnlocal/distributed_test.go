package sfnlocal_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skeinhq/skein/components/sfnlocal"
)

// recorder is a Lambda handler (run through lambda.NewHandler, as in production) that records
// every payload it receives and tracks how many calls are in flight.
type recorder struct {
	mu       sync.Mutex
	payloads []json.RawMessage
	inFlight atomic.Int64
	peak     atomic.Int64
	delay    time.Duration
	failIf   func(json.RawMessage) error
}

func (r *recorder) handle(ctx context.Context, in json.RawMessage) (json.RawMessage, error) {
	n := r.inFlight.Add(1)
	defer r.inFlight.Add(-1)
	for {
		p := r.peak.Load()
		if n <= p || r.peak.CompareAndSwap(p, n) {
			break
		}
	}
	r.mu.Lock()
	r.payloads = append(r.payloads, append(json.RawMessage(nil), in...))
	r.mu.Unlock()
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	if r.failIf != nil {
		if err := r.failIf(in); err != nil {
			return nil, err
		}
	}
	return in, nil
}

func mustEngine(t *testing.T, def string, opts *sfnlocal.Options) *sfnlocal.Engine {
	t.Helper()
	d, err := sfnlocal.Parse([]byte(def))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	e, err := sfnlocal.New(d, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

func distMap(extra, processor string) string {
	if processor == "" {
		processor = `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","End":true}}}`
	}
	var p map[string]any
	_ = json.Unmarshal([]byte(processor), &p)
	p["ProcessorConfig"] = map[string]any{"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}
	pb, _ := json.Marshal(p)
	return `{"StartAt":"Map","States":{"Map":{"Type":"Map",` + extra + `"ItemProcessor":` + string(pb) + `,"End":true}}}`
}

func setup(t *testing.T, r *recorder) (*sfnlocal.Functions, *sfnlocal.MemStore) {
	t.Helper()
	fs := &sfnlocal.Functions{}
	if err := fs.RegisterFunc("work", r.handle); err != nil {
		t.Fatal(err)
	}
	return fs, sfnlocal.NewMemStore()
}

// The ItemBatcher example of the AWS documentation
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html): each
// child execution receives {"BatchInput": ..., "Items": [...]}, at most MaxItemsPerBatch items.
func TestDistributedItemBatcherShape(t *testing.T) {
	r := &recorder{}
	fs, store := setup(t, r)
	var items []any
	for i := 0; i < 7; i++ {
		items = append(items, map[string]any{"verdict": "true", "statement_date": fmt.Sprintf("6/%d/2022", i+1), "statement_source": "news"})
	}
	body, _ := json.Marshal(items)
	_, _ = store.PutObject(context.Background(), "bucket", "facts.json", body)
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bucket","Key.$":"$.key"}},
		"ItemBatcher":{"MaxItemsPerBatch":3,"BatchInput":{"factCheck":"TRUE","from.$":"$.who"}},"MaxConcurrency":1,`, "")
	e := mustEngine(t, def, &sfnlocal.Options{Functions: fs, Store: store})
	out, err := e.Execute(context.Background(), []byte(`{"key":"facts.json","who":"desk"}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.payloads) != 3 {
		t.Fatalf("%d child executions, want 3 batches (3+3+1)", len(r.payloads))
	}
	sizes := []int{3, 3, 1}
	next := 0
	for i, p := range r.payloads {
		var b struct {
			BatchInput map[string]any   `json:"BatchInput"`
			Items      []map[string]any `json:"Items"`
		}
		if err := json.Unmarshal(p, &b); err != nil {
			t.Fatal(err)
		}
		if b.BatchInput["factCheck"] != "TRUE" || b.BatchInput["from"] != "desk" {
			t.Errorf("batch %d BatchInput = %v", i, b.BatchInput)
		}
		if len(b.Items) != sizes[i] {
			t.Errorf("batch %d has %d items, want %d", i, len(b.Items), sizes[i])
		}
		for _, it := range b.Items {
			if it["statement_date"] != fmt.Sprintf("6/%d/2022", next+1) {
				t.Errorf("batch %d item out of order: %v", i, it)
			}
			next++
		}
	}
	var res []any
	_ = json.Unmarshal(out, &res)
	if len(res) != 3 {
		t.Errorf("Map output has %d entries, want one per child execution (3): %s", len(res), out)
	}
}

// MaxInputBytesPerBatch bounds the serialised child input; items stay in order and none is lost.
func TestDistributedMaxInputBytesPerBatch(t *testing.T) {
	r := &recorder{}
	fs, _ := setup(t, r)
	var items []any
	for i := 0; i < 50; i++ {
		items = append(items, map[string]any{"id": i, "pad": strings.Repeat("x", i%7*10)})
	}
	in, _ := json.Marshal(map[string]any{"items": items})
	const max = 300
	def := distMap(fmt.Sprintf(`"ItemsPath":"$.items","ItemBatcher":{"MaxInputBytesPerBatch":%d},`, max), "")
	e := mustEngine(t, def, &sfnlocal.Options{Functions: fs})
	if _, err := e.Execute(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	seen := map[float64]bool{}
	for _, p := range r.payloads {
		if len(p) > max {
			t.Errorf("child input is %d bytes, more than MaxInputBytesPerBatch %d: %s", len(p), max, p)
		}
		var b struct{ Items []map[string]any }
		_ = json.Unmarshal(p, &b)
		for _, it := range b.Items {
			seen[it["id"].(float64)] = true
		}
	}
	if len(seen) != 50 {
		t.Errorf("%d distinct items reached the children, want 50", len(seen))
	}
	if len(r.payloads) < 2 {
		t.Errorf("only %d batches: the byte limit was not applied", len(r.payloads))
	}
}

// ItemReader input types from the AWS documentation
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html).
func TestDistributedItemReaders(t *testing.T) {
	ctx := context.Background()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("bucket-a,images/1.jpg,100\nbucket-a,images/2.jpg,200\n"))
	_ = zw.Close()
	cases := []struct {
		name   string
		reader string
		setup  func(*sfnlocal.MemStore)
		want   []string // JSON of each child input
	}{
		{"json", `{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"k.json"}}`,
			func(s *sfnlocal.MemStore) { _, _ = s.PutObject(ctx, "b", "k.json", []byte(`[{"a":1},"two",3]`)) },
			[]string{`{"a":1}`, `"two"`, `3`}},
		{"jsonl", `{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSONL"},"Parameters":{"Bucket":"b","Key":"k.jsonl"}}`,
			func(s *sfnlocal.MemStore) {
				_, _ = s.PutObject(ctx, "b", "k.jsonl", []byte("{\"a\":1}\n\n{\"a\":2}\n"))
			},
			[]string{`{"a":1}`, `{"a":2}`}},
		{"csv-first-row", `{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},"Parameters":{"Bucket":"b","Key":"k.csv"}}`,
			func(s *sfnlocal.MemStore) {
				_, _ = s.PutObject(ctx, "b", "k.csv", []byte("movieId,title\n1,\"Toy Story, 1995\"\n2,Jumanji\n"))
			},
			[]string{`{"movieId":"1","title":"Toy Story, 1995"}`, `{"movieId":"2","title":"Jumanji"}`}},
		{"csv-given-max-items", `{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["id","name"],"MaxItems":2},"Parameters":{"Bucket":"b","Key":"k.csv"}}`,
			func(s *sfnlocal.MemStore) { _, _ = s.PutObject(ctx, "b", "k.csv", []byte("1,a\n2,b\n3,c\n")) },
			[]string{`{"id":"1","name":"a"}`, `{"id":"2","name":"b"}`}},
		{"csv-pipe", `{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVDelimiter":"PIPE"},"Parameters":{"Bucket":"b","Key":"k.csv"}}`,
			func(s *sfnlocal.MemStore) { _, _ = s.PutObject(ctx, "b", "k.csv", []byte("x|y\n1|2\n")) },
			[]string{`{"x":"1","y":"2"}`}},
		{"listing", `{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"b","Prefix":"in/"}}`,
			func(s *sfnlocal.MemStore) {
				_, _ = s.PutObject(ctx, "b", "in/2", []byte("22"))
				_, _ = s.PutObject(ctx, "b", "in/1", []byte("1"))
				_, _ = s.PutObject(ctx, "b", "other", []byte("x"))
			},
			[]string{`in/1:1`, `in/2:2`}},
		{"manifest", `{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"MANIFEST"},"Parameters":{"Bucket":"inv","Key":"manifest.json"}}`,
			func(s *sfnlocal.MemStore) {
				_, _ = s.PutObject(ctx, "inv", "data/1.csv.gz", gz.Bytes())
				_, _ = s.PutObject(ctx, "inv", "manifest.json", []byte(`{"sourceBucket":"bucket-a","destinationBucket":"arn:aws:s3:::inv","version":"2016-11-30","fileFormat":"CSV","fileSchema":"Bucket, Key, Size","files":[{"key":"data/1.csv.gz","size":50,"MD5checksum":"x"}]}`))
			},
			[]string{`{"Bucket":"bucket-a","Key":"images/1.jpg","Size":"100"}`, `{"Bucket":"bucket-a","Key":"images/2.jpg","Size":"200"}`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &recorder{}
			fs, store := setup(t, r)
			c.setup(store)
			e := mustEngine(t, distMap(`"ItemReader":`+c.reader+`,"MaxConcurrency":1,`, ""), &sfnlocal.Options{Functions: fs, Store: store})
			if _, err := e.Execute(ctx, nil); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range r.payloads {
				if c.name == "listing" {
					// the AWS documentation's listing item:
					// {"Etag":"\"05704fbdccb224cb01c59005bebbad28\"","Key":"...","LastModified":1668699881,"Size":34785,"StorageClass":"STANDARD"}
					var o struct {
						Key          string
						Size         int
						Etag         string
						LastModified json.Number
						StorageClass string
					}
					dec := json.NewDecoder(bytes.NewReader(p))
					dec.UseNumber()
					_ = dec.Decode(&o)
					if len(o.Etag) != 34 || o.Etag[0] != '"' || o.Etag[33] != '"' {
						t.Errorf("listing item Etag is not a quoted MD5: %s", p)
					}
					if sec, err := o.LastModified.Int64(); err != nil || time.Since(time.Unix(sec, 0)) > time.Hour || time.Since(time.Unix(sec, 0)) < -time.Minute {
						t.Errorf("listing item LastModified is not Unix seconds: %s", p)
					}
					if o.StorageClass != "STANDARD" {
						t.Errorf("listing item StorageClass: %s", p)
					}
					got = append(got, fmt.Sprintf("%s:%d", o.Key, o.Size))
					continue
				}
				got = append(got, string(p))
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("children received\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestDistributedItemReaderMissingObject(t *testing.T) {
	r := &recorder{}
	fs, store := setup(t, r)
	store.CreateBucket("b")
	e := mustEngine(t, distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"nope.json"}},`, ""),
		&sfnlocal.Options{Functions: fs, Store: store})
	_, err := e.Execute(context.Background(), nil)
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) || ee.Name != sfnlocal.ErrItemReaderFailed {
		t.Fatalf("got %v, want %s", err, sfnlocal.ErrItemReaderFailed)
	}
}

// Tolerated failure thresholds (https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html):
// the Map Run fails with States.ExceedToleratedFailureThreshold once the failed items exceed the
// count or the percentage; with neither set, one failure is enough.
func TestDistributedToleratedFailures(t *testing.T) {
	items := `{"items":[0,1,2,3,4,5,6,7,8,9]}` // 0, 3, 6 and 9 fail: 4 of 10
	failing := func(in json.RawMessage) error {
		var n int
		_ = json.Unmarshal(in, &n)
		if n%3 == 0 {
			return fmt.Errorf("item %d is divisible by 3", n)
		}
		return nil
	}
	cases := []struct {
		tolerance string
		fail      bool
	}{
		{``, true},
		{`"ToleratedFailureCount":4,`, false},
		{`"ToleratedFailureCount":3,`, true},
		{`"ToleratedFailurePercentage":40,`, false},
		{`"ToleratedFailurePercentage":39.9,`, true},
		{`"ToleratedFailurePercentage":100,"ToleratedFailureCount":0,`, true},
		{`"ToleratedFailureCountPath":"$.tol",`, false},
	}
	for _, c := range cases {
		t.Run(c.tolerance, func(t *testing.T) {
			r := &recorder{failIf: failing}
			fs, _ := setup(t, r)
			in := items
			if strings.Contains(c.tolerance, "Path") {
				in = `{"tol":5,"items":[0,1,2,3,4,5,6,7,8,9]}`
			}
			e := mustEngine(t, distMap(`"ItemsPath":"$.items","MaxConcurrency":1,`+c.tolerance, ""), &sfnlocal.Options{Functions: fs})
			out, err := e.Execute(context.Background(), []byte(in))
			var ee *sfnlocal.ExecutionError
			if c.fail {
				if !errors.As(err, &ee) || ee.Name != sfnlocal.ErrExceedToleratedFailure {
					t.Fatalf("got %v %s, want %s", err, out, sfnlocal.ErrExceedToleratedFailure)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want success within the tolerance", err)
			}
			var res []any
			_ = json.Unmarshal(out, &res)
			failed := 0
			for _, v := range res {
				if m, ok := v.(map[string]any); ok && m["Error"] == "errorString" {
					failed++
				}
			}
			if len(res) != 10 || failed != 4 {
				t.Errorf("output %s: want 10 entries, 4 of them errorString failures", out)
			}
		})
	}
}

// ResultWriter (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html):
// <Prefix>/<map run id>/manifest.json lists SUCCEEDED_0.json and FAILED_0.json, whose entries
// are execution records, and the Map state's output is the ResultWriterDetails.
func TestDistributedResultWriter(t *testing.T) {
	r := &recorder{failIf: func(in json.RawMessage) error {
		if string(in) == `"bad"` {
			return errors.New("bad item")
		}
		return nil
	}}
	fs, store := setup(t, r)
	def := distMap(`"ItemsPath":"$.items","ToleratedFailureCount":1,"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"results","Prefix":"runs/csvJobs"}},"ResultPath":"$.map",`, "")
	e := mustEngine(t, def, &sfnlocal.Options{Functions: fs, Store: store, Name: "csvProcess"})
	out, err := e.Execute(context.Background(), []byte(`{"items":["a","bad","c"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Map struct {
			MapRunArn           string
			ResultWriterDetails struct{ Bucket, Key string }
		}
	}
	if err := json.Unmarshal(out, &o); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(o.Map.MapRunArn, "arn:aws:states:us-east-1:123456789012:mapRun:csvProcess/Map:") {
		t.Errorf("MapRunArn = %q", o.Map.MapRunArn)
	}
	runID := o.Map.MapRunArn[strings.LastIndex(o.Map.MapRunArn, ":")+1:]
	wantKey := "runs/csvJobs/" + runID + "/manifest.json"
	if o.Map.ResultWriterDetails.Bucket != "results" || o.Map.ResultWriterDetails.Key != wantKey {
		t.Errorf("ResultWriterDetails = %+v, want results %s", o.Map.ResultWriterDetails, wantKey)
	}
	mb, err := store.GetObject(context.Background(), "results", wantKey)
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		DestinationBucket string
		MapRunArn         string
		ResultFiles       map[string][]struct {
			Key  string
			Size int
		}
	}
	if err := json.Unmarshal(mb, &manifest); err != nil {
		t.Fatal(err)
	}
	if manifest.DestinationBucket != "results" || manifest.MapRunArn != o.Map.MapRunArn {
		t.Errorf("manifest = %s", mb)
	}
	for _, status := range []string{"SUCCEEDED", "FAILED", "PENDING"} {
		if _, ok := manifest.ResultFiles[status]; !ok {
			t.Errorf("manifest.ResultFiles lacks %s: %s", status, mb)
		}
	}
	check := func(status string, n int) []map[string]any {
		files := manifest.ResultFiles[status]
		if len(files) != 1 {
			t.Fatalf("%s files = %v", status, files)
		}
		if files[0].Key != "runs/csvJobs/"+runID+"/"+status+"_0.json" {
			t.Errorf("%s key = %s", status, files[0].Key)
		}
		b, err := store.GetObject(context.Background(), "results", files[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != files[0].Size {
			t.Errorf("%s size %d in manifest, %d stored", status, files[0].Size, len(b))
		}
		var recs []map[string]any
		if err := json.Unmarshal(b, &recs); err != nil {
			t.Fatal(err)
		}
		if len(recs) != n {
			t.Fatalf("%s has %d records, want %d", status, len(recs), n)
		}
		for _, rec := range recs {
			for _, f := range []string{"ExecutionArn", "Input", "InputDetails", "Name", "StartDate", "StateMachineArn", "Status", "StopDate"} {
				if _, ok := rec[f]; !ok {
					t.Errorf("%s record lacks %s: %v", status, f, rec)
				}
			}
			if rec["Status"] != status {
				t.Errorf("record status %v in %s", rec["Status"], status)
			}
		}
		return recs
	}
	ok := check("SUCCEEDED", 2)
	if ok[0]["Output"] != `"a"` || ok[0]["Input"] != `"a"` {
		t.Errorf("first SUCCEEDED record: Input/Output are JSON text: %v", ok[0])
	}
	bad := check("FAILED", 1)
	if bad[0]["Error"] != "errorString" || !strings.Contains(bad[0]["Cause"].(string), "bad item") {
		t.Errorf("FAILED record: %v", bad[0])
	}
	if len(manifest.ResultFiles["PENDING"]) != 0 {
		t.Errorf("PENDING files: %v", manifest.ResultFiles["PENDING"])
	}
}

// MaxConcurrency is enforced exactly: the handler never sees more calls in flight, and does see
// that many.
func TestMaxConcurrencyExact(t *testing.T) {
	for _, mode := range []string{"inline", "distributed"} {
		for _, mc := range []int{1, 3, 8} {
			t.Run(fmt.Sprintf("%s-%d", mode, mc), func(t *testing.T) {
				r := &recorder{delay: 5 * time.Millisecond}
				fs, _ := setup(t, r)
				def := fmt.Sprintf(`{"StartAt":"Map","States":{"Map":{"Type":"Map","MaxConcurrency":%d,"ItemProcessor":{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","End":true}}},"End":true}}}`, mc)
				if mode == "distributed" {
					def = distMap(fmt.Sprintf(`"MaxConcurrency":%d,`, mc), "")
				}
				e := mustEngine(t, def, &sfnlocal.Options{Functions: fs})
				var items []int
				for i := 0; i < 40; i++ {
					items = append(items, i)
				}
				in, _ := json.Marshal(items)
				if _, err := e.Execute(context.Background(), in); err != nil {
					t.Fatal(err)
				}
				if p := r.peak.Load(); p != int64(mc) {
					t.Errorf("peak concurrency %d, want exactly %d", p, mc)
				}
			})
		}
	}
}

// WriterConfig (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html):
// COMPACT keeps only the outputs, FLATTEN also flattens array outputs, JSONL writes one result
// per line; with WriterConfig alone nothing is exported and the Map's result is the outputs.
func TestDistributedWriterConfig(t *testing.T) {
	proc := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":"$","twice.$":"States.Array($, $)"},"OutputPath":"$.twice","End":true}}}`
	t.Run("preview-flatten", func(t *testing.T) {
		e := mustEngine(t, distMap(`"ResultWriter":{"WriterConfig":{"Transformation":"FLATTEN","OutputType":"JSON"}},`, proc), nil)
		out, err := e.Execute(context.Background(), []byte(`[1,2]`))
		if err != nil || string(out) != `[1,1,2,2]` {
			t.Fatalf("got %s %v, want [1,1,2,2]", out, err)
		}
	})
	t.Run("preview-compact", func(t *testing.T) {
		e := mustEngine(t, distMap(`"ResultWriter":{"WriterConfig":{"Transformation":"COMPACT","OutputType":"JSON"}},`, proc), nil)
		out, err := e.Execute(context.Background(), []byte(`[1,2]`))
		if err != nil || string(out) != `[[1,1],[2,2]]` {
			t.Fatalf("got %s %v, want [[1,1],[2,2]]", out, err)
		}
	})
	t.Run("s3-jsonl-compact", func(t *testing.T) {
		store := sfnlocal.NewMemStore()
		e := mustEngine(t, distMap(`"MaxConcurrency":1,"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"r","Prefix":"p"},"WriterConfig":{"Transformation":"COMPACT","OutputType":"JSONL"}},`, proc),
			&sfnlocal.Options{Store: store})
		out, err := e.Execute(context.Background(), []byte(`[1,2]`))
		if err != nil {
			t.Fatal(err)
		}
		var o struct{ ResultWriterDetails struct{ Bucket, Key string } }
		_ = json.Unmarshal(out, &o)
		key := strings.Replace(o.ResultWriterDetails.Key, "manifest.json", "SUCCEEDED_0.jsonl", 1)
		b, err := store.GetObject(context.Background(), "r", key)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != "[1,1]\n[2,2]\n" {
			t.Errorf("%s = %q", key, b)
		}
	})
}

// Distributed Map child executions have their own ARNs in the history.
func TestDistributedChildEvents(t *testing.T) {
	var mu sync.Mutex
	arns := map[string]bool{}
	var types []string
	e := mustEngine(t, distMap(`"Label":"Fan",`, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), &sfnlocal.Options{
		Name: "pipe",
		OnEvent: func(ev sfnlocal.Event) {
			mu.Lock()
			defer mu.Unlock()
			arns[ev.ExecutionArn] = true
			types = append(types, ev.Type)
		}})
	if _, err := e.Execute(context.Background(), []byte(`[1,2,3]`)); err != nil {
		t.Fatal(err)
	}
	if len(arns) != 4 {
		t.Errorf("%d execution ARNs in the history, want the parent's and 3 children's: %v", len(arns), arns)
	}
	child := 0
	for a := range arns {
		if strings.Contains(a, ":express:pipe/Fan:") {
			child++
		}
	}
	if child != 3 {
		t.Errorf("child ARNs %v, want arn:aws:states:...:express:pipe/Fan:<run>:<name>", arns)
	}
	joined := strings.Join(types, ",")
	for _, want := range []string{"MapRunStarted", "MapRunSucceeded", "ExecutionStarted", "ExecutionSucceeded"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %s in %s", want, joined)
		}
	}
}

// ItemSelector sees $$.Map.Item.Index and .Value and the state input; batches are formed from
// the selected items.
func TestDistributedItemSelectorWithBatches(t *testing.T) {
	r := &recorder{}
	fs, _ := setup(t, r)
	e := mustEngine(t, distMap(`"ItemsPath":"$.list","ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value.n","tag.$":"$.tag"},"ItemBatcher":{"MaxItemsPerBatch":2},"MaxConcurrency":1,`, ""),
		&sfnlocal.Options{Functions: fs})
	if _, err := e.Execute(context.Background(), []byte(`{"tag":"t","list":[{"n":"a"},{"n":"b"},{"n":"c"}]}`)); err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, p := range r.payloads {
		got += string(p) + "\n"
	}
	// the ItemSelector's order
	want := `{"Items":[{"i":0,"v":"a","tag":"t"},{"i":1,"v":"b","tag":"t"}]}` + "\n" + `{"Items":[{"i":2,"v":"c","tag":"t"}]}` + "\n"
	if got != want {
		t.Errorf("children received\n%s\nwant\n%s", got, want)
	}
}

// When the tolerated failure threshold is exceeded the Map Run stops starting children, fails
// with States.ExceedToleratedFailureThreshold, and ResultWriter still writes what happened:
// SUCCEEDED and FAILED records for the children that ran, PENDING records for the items that
// never started (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
func TestDistributedResultWriterPendingAfterThreshold(t *testing.T) {
	r := &recorder{failIf: func(in json.RawMessage) error {
		var n int
		_ = json.Unmarshal(in, &n)
		if n%3 == 0 {
			return fmt.Errorf("item %d is divisible by 3", n)
		}
		return nil
	}}
	fs, store := setup(t, r)
	def := distMap(`"ItemsPath":"$.items","MaxConcurrency":1,"ToleratedFailureCount":1,"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"results","Prefix":"runs"}},`, "")
	e := mustEngine(t, def, &sfnlocal.Options{Functions: fs, Store: store, Name: "orders"})
	// 0 fails (1 failure, tolerated), 1 and 2 succeed, 3 fails (2 > 1): 4..9 never start
	_, err := e.Execute(context.Background(), []byte(`{"items":[0,1,2,3,4,5,6,7,8,9]}`))
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) || ee.Name != sfnlocal.ErrExceedToleratedFailure {
		t.Fatalf("got %v, want %s", err, sfnlocal.ErrExceedToleratedFailure)
	}
	if len(r.payloads) != 4 {
		t.Errorf("%d children ran, want 4 (the run stops at the second failure)", len(r.payloads))
	}
	objs, err := store.ListObjects(context.Background(), "results", "runs/")
	if err != nil {
		t.Fatal(err)
	}
	var manifestKey string
	for _, o := range objs {
		if strings.HasSuffix(o.Key, "/manifest.json") {
			manifestKey = o.Key
		}
	}
	if manifestKey == "" {
		t.Fatalf("no manifest.json among %v", objs)
	}
	mb, _ := store.GetObject(context.Background(), "results", manifestKey)
	var manifest struct {
		ResultFiles map[string][]struct{ Key string }
	}
	if err := json.Unmarshal(mb, &manifest); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"SUCCEEDED": {`1`, `2`}, "FAILED": {`0`, `3`}, "PENDING": {`4`, `5`, `6`, `7`, `8`, `9`}}
	for status, inputs := range want {
		files := manifest.ResultFiles[status]
		if len(files) != 1 || !strings.HasSuffix(files[0].Key, "/"+status+"_0.json") {
			t.Fatalf("%s files %v in %s", status, files, mb)
		}
		b, err := store.GetObject(context.Background(), "results", files[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		var recs []struct{ Input, Status, StateMachineArn, ExecutionArn, Error string }
		if err := json.Unmarshal(b, &recs); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, rec := range recs {
			got = append(got, rec.Input)
			if rec.Status != status {
				t.Errorf("%s record has Status %s", status, rec.Status)
			}
			if rec.StateMachineArn != "arn:aws:states:us-east-1:123456789012:stateMachine:orders/Map" {
				t.Errorf("%s record StateMachineArn %q, want the child state machine's", status, rec.StateMachineArn)
			}
			ran := status != "PENDING"
			if ran != strings.HasPrefix(rec.ExecutionArn, "arn:aws:states:us-east-1:123456789012:express:orders/Map:") {
				t.Errorf("%s record ExecutionArn %q", status, rec.ExecutionArn)
			}
			if (status == "FAILED") != (rec.Error == "errorString") {
				t.Errorf("%s record Error %q", status, rec.Error)
			}
		}
		if strings.Join(got, ",") != strings.Join(inputs, ",") {
			t.Errorf("%s inputs %v, want %v", status, got, inputs)
		}
	}
}

// COMPACT JSON files hold the outputs themselves, however short.
func TestDistributedResultWriterCompactJSON(t *testing.T) {
	for _, n := range []int{1, 3, 1500} {
		var items []string
		for i := 0; i < n; i++ {
			items = append(items, fmt.Sprint(i%10))
		}
		store := sfnlocal.NewMemStore()
		e := mustEngine(t, distMap(`"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"r","Prefix":"p"},"WriterConfig":{"OutputType":"JSON","Transformation":"COMPACT"}},`,
			`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), &sfnlocal.Options{Store: store})
		out, err := e.Execute(context.Background(), []byte(`[`+strings.Join(items, ",")+`]`))
		if err != nil {
			t.Fatal(err)
		}
		var o struct{ ResultWriterDetails struct{ Key string } }
		_ = json.Unmarshal(out, &o)
		b, err := store.GetObject(context.Background(), "r", strings.Replace(o.ResultWriterDetails.Key, "manifest.json", "SUCCEEDED_0.json", 1))
		if err != nil {
			t.Fatal(err)
		}
		if want := `[` + strings.Join(items, ",") + `]`; string(b) != want {
			t.Errorf("%d items: SUCCEEDED_0.json = %.80s..., want %.80s...", n, b, want)
		}
	}
}

// Large result files are encoded in parts and joined: every record is there once, in item order,
// for JSON arrays and JSON Lines, with FLATTEN dropping empty arrays.
func TestDistributedResultWriterLargeFiles(t *testing.T) {
	const n = 1500
	var items []string
	for i := 0; i < n; i++ {
		items = append(items, fmt.Sprint(i))
	}
	in := []byte(`[` + strings.Join(items, ",") + `]`)
	// item i yields i%3 copies of itself: [], [i], [i,i]
	proc := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"r.$":"States.ArrayPartition(States.Array($, $), 1)","n.$":"$"},"Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":0,"Next":"Zero"}],"Default":"K"},
		"Zero":{"Type":"Pass","Result":[],"End":true},
		"K":{"Type":"Pass","OutputPath":"$.r","End":true}}}`
	for _, c := range []struct{ writer, file string }{
		{`"WriterConfig":{"OutputType":"JSON","Transformation":"NONE"}`, "SUCCEEDED_0.json"},
		{`"WriterConfig":{"OutputType":"JSONL","Transformation":"FLATTEN"}`, "SUCCEEDED_0.jsonl"},
	} {
		store := sfnlocal.NewMemStore()
		e := mustEngine(t, distMap(`"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"r","Prefix":"p"},`+c.writer+`},`, proc), &sfnlocal.Options{Store: store})
		out, err := e.Execute(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		var o struct{ ResultWriterDetails struct{ Key string } }
		_ = json.Unmarshal(out, &o)
		b, err := store.GetObject(context.Background(), "r", strings.Replace(o.ResultWriterDetails.Key, "manifest.json", c.file, 1))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(c.file, ".json") {
			var recs []struct{ Input, Output string }
			if err := json.Unmarshal(b, &recs); err != nil {
				t.Fatalf("%s is not a JSON array: %v", c.file, err)
			}
			if len(recs) != n {
				t.Fatalf("%d records, want %d", len(recs), n)
			}
			for i, r := range recs {
				if r.Input != fmt.Sprint(i) {
					t.Fatalf("record %d has Input %s", i, r.Input)
				}
			}
			continue
		}
		// FLATTEN: each non-zero item i contributes its elements [i] and [i], zero contributes nothing
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(lines) != 2*(n-1) {
			t.Fatalf("%d lines, want %d", len(lines), 2*(n-1))
		}
		for j, l := range lines {
			if want := fmt.Sprintf("[%d]", j/2+1); l != want {
				t.Fatalf("line %d is %s, want %s", j, l, want)
			}
		}
	}
}
