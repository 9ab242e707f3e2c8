package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/skeinhq/skein/functions/pipeline/layout"
	"github.com/skeinhq/skein/functions/vendorapi"
)

// The narrow S3 interfaces the handlers depend on; *s3.Client satisfies all of them. Point the
// client at any S3-compatible endpoint (aws.Config BaseEndpoint, s3.Options.UsePathStyle) to run
// the handlers locally.
type (
	// ObjectGetter reads objects.
	ObjectGetter interface {
		GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	}
	// ObjectPutter writes objects.
	ObjectPutter interface {
		PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	}
)

var _ interface {
	ObjectGetter
	ObjectPutter
} = (*s3.Client)(nil)

// maxObjectBytes bounds what the handlers read into memory.
const maxObjectBytes = 64 << 20

func putJSON(ctx context.Context, s ObjectPutter, bucket, key string, v any, meta map[string]string) (int, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("encoding s3://%s/%s: %w", bucket, key, err)
	}
	_, err = s.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(b),
		ContentLength: aws.Int64(int64(len(b))), ContentType: aws.String("application/json"), Metadata: meta,
	})
	if err != nil {
		return 0, &StorageError{Op: "PutObject", Bucket: bucket, Key: key, Err: err}
	}
	return len(b), nil
}

// getObject reads a whole object. A missing object is a *StorageError wrapping *types.NoSuchKey.
func getObject(ctx context.Context, s ObjectGetter, bucket, key string) ([]byte, error) {
	out, err := s.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, &StorageError{Op: "GetObject", Bucket: bucket, Key: key, Err: err}
	}
	defer func() { _ = out.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(out.Body, maxObjectBytes+1))
	if err != nil {
		return nil, &StorageError{Op: "GetObject", Bucket: bucket, Key: key, Err: err}
	}
	if len(b) > maxObjectBytes {
		return nil, &StorageError{Op: "GetObject", Bucket: bucket, Key: key, Err: fmt.Errorf("object larger than %d bytes", maxObjectBytes)}
	}
	return b, nil
}

// cappedReader fails once more than left bytes are read.
type cappedReader struct {
	r    io.Reader
	left int64
	over bool
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		c.over = true
		return 0, errors.New("object above its size limit")
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		c.over = true
		return n, errors.New("object above its size limit")
	}
	return n, err
}

// isNotFound recognises a missing object: NoSuchKey for GET, NotFound (404 without a body) for
// HEAD.
func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey")
}

// Statuses of a part's records.
const (
	// StatusOK is a device whose metrics were fetched (RawRecord.Metrics) or summarised
	// (ProcessedRecord.Metrics).
	StatusOK = "ok"
	// StatusFailed is a device that failed permanently, with its error name and message: at
	// the fetch (the vendor refused it), or at the transform (ProcessedRecord.Payload holds
	// the raw line it could not use).
	StatusFailed = "failed"
)

// RawRecord is one line of a raw part (layout.Raw): one device of a batch with its status. It
// holds nothing that varies between runs but a failure's message, so a re-run of the same
// batch writes the same bytes.
//
// A device can appear in several parts of a day: a failed record in one part and an ok record
// in a later one (a skipExisting re-run or a redrive fetches only the devices without an ok
// record, into parts of their own). Readers resolve a device-day as follows: its ok record if it
// has one, else its failed record. The workflow writes at most one ok record per device per day
// while a day is re-run with the same manifest (retries, RedriveExecution, plain re-runs) or
// with skipExisting (re-runs and redrives); only a refetch message, or a plain re-run after a
// skipExisting one, fetches a device already stored into a second part, and both ok records then
// hold the vendor's answer for the same device and day: readers keep the one of the part
// written last.
type RawRecord struct {
	Date    string             `json:"date"`
	Group   string             `json:"group"`
	Device  string             `json:"device"`
	Status  string             `json:"status"`
	Metrics *vendorapi.Metrics `json:"metrics,omitempty"`
	Error   string             `json:"error,omitempty"`
	Message string             `json:"message,omitempty"`
}

// Item is the record's item.
func (r RawRecord) Item() Item { return Item{Date: r.Date, Group: r.Group, Device: r.Device} }

// encodeRecords writes records as JSON Lines, sorted by group then device (the order of a part).
func encodeRecords[T any](recs []T, key func(T) Item) ([]byte, error) {
	sorted := append([]T(nil), recs...)
	sort.SliceStable(sorted, func(i, j int) bool { return itemLess(key(sorted[i]), key(sorted[j])) })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, r := range sorted {
		if err := enc.Encode(r); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func itemLess(a, b Item) bool {
	if a.Group != b.Group {
		return a.Group < b.Group
	}
	if a.Device != b.Device {
		return a.Device < b.Device
	}
	return a.Date < b.Date
}

// scanLines calls fn with each non-empty line of r (trimmed), holding at most max bytes of a
// line: a longer line is skipped up to its end and reported with tooLong and only its first
// lineHead bytes (where a record's identity is), so one oversized record never stops the lines
// after it.
func scanLines(r io.Reader, max int, fn func(line []byte, tooLong bool) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	for {
		buf = buf[:0]
		long, eof := false, false
		for {
			chunk, err := br.ReadSlice('\n')
			if !long {
				if len(buf)+len(bytes.TrimRight(chunk, "\r\n")) > max {
					long = true
					buf = append(buf, chunk[:min(len(chunk), lineHead)]...)
					buf = buf[:min(len(buf), lineHead)]
				} else {
					buf = append(buf, chunk...)
				}
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				eof = true
			} else if err != nil {
				return err
			}
			break
		}
		if line := bytes.TrimSpace(buf); long || len(line) > 0 {
			if err := fn(line, long); err != nil {
				return err
			}
		}
		if eof {
			return nil
		}
	}
}

// lineHead is how much of an over-long line scanLines keeps.
const lineHead = 1024

// identityOf reads date, group and device from the start of a JSON object (a record's first
// members, as the pipeline writes them), stopping at the first member whose value is not a
// string, or where the bytes end.
func identityOf(b []byte) (date, group, device string) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return
	}
	for {
		k, err := dec.Token()
		if err != nil {
			return
		}
		v, err := dec.Token()
		if err != nil {
			return
		}
		s, ok := v.(string)
		if !ok {
			return
		}
		switch k {
		case "date":
			date = s
		case "group":
			group = s
		case "device":
			device = s
		}
	}
}

// storedPart is a part as read: its records, ETag and user metadata; found is false when there
// is no such object.
type storedPart struct {
	found bool
	etag  string
	meta  map[string]string
	recs  []RawRecord
}

// readPart reads a raw part whole (one GET). A missing part is found=false; so is a 403: without
// s3:ListBucket, S3 answers 403 for a missing key, and the caller's only use of "absent" is to
// fetch the items again, which is safe.
func readPart(ctx context.Context, s ObjectGetter, bucket, key string) (*storedPart, error) {
	out, err := s.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var re *awshttp.ResponseError
		if isNotFound(err) || (errors.As(err, &re) && re.HTTPStatusCode() == 403) {
			return &storedPart{}, nil
		}
		return nil, &StorageError{Op: "GetObject", Bucket: bucket, Key: key, Err: err}
	}
	defer func() { _ = out.Body.Close() }()
	p := &storedPart{found: true, etag: aws.ToString(out.ETag), meta: out.Metadata}
	err = scanLines(&cappedReader{r: out.Body, left: maxObjectBytes}, maxObjectBytes, func(line []byte, _ bool) error {
		var r RawRecord
		if json.Unmarshal(line, &r) == nil && r.Item().Validate("") == nil && (r.Status == StatusOK || r.Status == StatusFailed) {
			p.recs = append(p.recs, r) // a line that is not a record is dropped: its device is fetched again
		}
		return nil
	})
	if err != nil {
		return nil, &StorageError{Op: "GetObject", Bucket: bucket, Key: key, Err: err}
	}
	return p, nil
}

// mergeRecords is the union of a part's stored records and new ones, one per device: an ok
// record beats a failed one, and between two of the same status the new one wins.
func mergeRecords(stored, fresh []RawRecord) []RawRecord {
	byItem := make(map[Item]int, len(stored)+len(fresh))
	out := make([]RawRecord, 0, len(stored)+len(fresh))
	for _, set := range [][]RawRecord{stored, fresh} {
		for _, r := range set {
			i, seen := byItem[r.Item()]
			switch {
			case !seen:
				byItem[r.Item()] = len(out)
				out = append(out, r)
			case r.Status == StatusOK || out[i].Status != StatusOK:
				out[i] = r
			}
		}
	}
	return out
}

// maxPartWrites bounds the conditional writes of one part (each lost race re-reads it).
const maxPartWrites = 5

// writePart stores fresh records in the raw part at key without losing any record another
// writer stored there meanwhile: the first write is conditional on the part not existing
// (If-None-Match), a merge on the ETag it read (If-Match); a lost race (412) re-reads the part
// and merges again. prev is the part as the caller read it (nil: not read). It returns the
// records the part holds after the write.
func writePart(ctx context.Context, s interface {
	ObjectGetter
	ObjectPutter
}, bucket, key string, fresh []RawRecord, prev *storedPart, meta map[string]string) ([]RawRecord, error) {
	for attempt := 1; ; attempt++ {
		in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ContentType: aws.String("application/x-ndjson"), Metadata: meta}
		var stored []RawRecord
		if prev != nil && prev.found {
			stored = prev.recs
			in.IfMatch = aws.String(prev.etag)
		} else {
			in.IfNoneMatch = aws.String("*")
		}
		merged := mergeRecords(stored, fresh) // also one record per device of fresh
		b, err := encodeRecords(merged, RawRecord.Item)
		if err != nil {
			return nil, fmt.Errorf("encoding s3://%s/%s: %w", bucket, key, err)
		}
		in.Body, in.ContentLength = bytes.NewReader(b), aws.Int64(int64(len(b)))
		_, err = s.PutObject(ctx, in)
		if err == nil {
			return merged, nil
		}
		if !isConditionFailed(err) || attempt == maxPartWrites {
			return nil, &StorageError{Op: "PutObject", Bucket: bucket, Key: key, Err: err}
		}
		if prev, err = readPart(ctx, s, bucket, key); err != nil {
			return nil, err
		}
	}
}

// isConditionFailed recognises a conditional write that lost: 412 PreconditionFailed, or 409
// ConditionalRequestConflict (a concurrent write of the same key).
func isConditionFailed(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "PreconditionFailed" || ae.ErrorCode() == "ConditionalRequestConflict") {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && (re.HTTPStatusCode() == 412 || re.HTTPStatusCode() == 409)
}

// putLines writes records as JSON Lines, unconditionally.
func putLines[T any](ctx context.Context, s ObjectPutter, bucket, key string, recs []T, item func(T) Item, meta map[string]string) error {
	b, err := encodeRecords(recs, item)
	if err != nil {
		return fmt.Errorf("encoding s3://%s/%s: %w", bucket, key, err)
	}
	return putBytes(ctx, s, bucket, key, b, meta)
}

func putBytes(ctx context.Context, s ObjectPutter, bucket, key string, b []byte, meta map[string]string) error {
	_, err := s.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(b),
		ContentLength: aws.Int64(int64(len(b))), ContentType: aws.String("application/x-ndjson"), Metadata: meta,
	})
	if err != nil {
		return &StorageError{Op: "PutObject", Bucket: bucket, Key: key, Err: err}
	}
	return nil
}

// ObjectLister lists objects; *s3.Client satisfies it.
type ObjectLister interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

var _ ObjectLister = (*s3.Client)(nil)

// StoredOK lists a day's raw parts and reads each (one GET per part, ManifestReaders at once,
// never one request per device): the items that have an ok record, and how many parts were
// read. merge-manifests uses it to drop the devices already stored from a skipExisting manifest.
func StoredOK(ctx context.Context, s interface {
	ObjectGetter
	ObjectLister
}, bucket, date string) (map[Item]bool, int, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(s, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(layout.DatePrefix(layout.Raw, date))})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, 0, &StorageError{Op: "ListObjectsV2", Bucket: bucket, Key: layout.DatePrefix(layout.Raw, date), Err: err}
		}
		for _, o := range page.Contents {
			if _, _, err := ParsePartKey(layout.Raw, aws.ToString(o.Key)); err == nil {
				keys = append(keys, aws.ToString(o.Key))
			}
		}
	}
	oks := make([][]Item, len(keys))
	err := forEach(len(keys), ManifestReaders, func(i int) error {
		return readLines(ctx, s, bucket, keys[i], func(line []byte) {
			var r struct {
				Date, Group, Device, Status string
			}
			if json.Unmarshal(line, &r) == nil && r.Status == StatusOK && r.Date == date {
				oks[i] = append(oks[i], Item{Date: r.Date, Group: r.Group, Device: r.Device})
			}
		})
	})
	if err != nil {
		return nil, 0, err
	}
	out := map[Item]bool{}
	for _, its := range oks {
		for _, it := range its {
			out[it] = true
		}
	}
	return out, len(keys), nil
}

// readLines streams an object's lines to fn (each at most maxObjectBytes).
func readLines(ctx context.Context, s ObjectGetter, bucket, key string, fn func(line []byte)) error {
	out, err := s.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return &StorageError{Op: "GetObject", Bucket: bucket, Key: key, Err: err}
	}
	defer func() { _ = out.Body.Close() }()
	err = scanLines(out.Body, maxObjectBytes, func(line []byte, tooLong bool) error {
		if !tooLong {
			fn(line)
		}
		return nil
	})
	if err != nil {
		return &StorageError{Op: "GetObject", Bucket: bucket, Key: key, Err: err}
	}
	return nil
}

// forEach runs fn for 0..n-1, at most limit at once, and returns the error of the lowest index
// that failed.
func forEach(n, limit int, fn func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = fn(i)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
