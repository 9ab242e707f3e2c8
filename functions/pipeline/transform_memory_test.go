package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/skeinhq/skein/functions/vendorapi"
)

// oneObject answers every GetObject with body; withLength says whether it sends Content-Length
// (S3 always does; a stream without one must be capped while it is read).
type oneObject struct {
	body       []byte
	withLength bool
}

func (o oneObject) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	out := &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(o.body))}
	if o.withLength {
		out.ContentLength = aws.Int64(int64(len(o.body)))
	}
	return out, nil
}

// rawOfSize is a raw object's JSON of about n bytes (at most n), the shape fetch-metrics writes.
func rawOfSize(t *testing.T, n int) []byte {
	t.Helper()
	raw := RawObject{Date: "2026-11-23", Group: "g", Device: "d", Metrics: vendorapi.Metrics{Device: "d", Date: "2026-11-23",
		Series: []vendorapi.Series{{Name: "cpu", Unit: "%"}}}}
	b, _ := json.Marshal(raw)
	point, _ := json.Marshal(vendorapi.Point{T: "2026-11-23T00:00:00Z", V: 12.345678})
	k := (n - len(b)) / (len(point) + 1)
	raw.Metrics.Series[0].Points = make([]vendorapi.Point, k)
	for i := range raw.Metrics.Series[0].Points {
		raw.Metrics.Series[0].Points[i] = vendorapi.Point{T: "2026-11-23T00:00:00Z", V: 12.345678}
	}
	b, err := json.Marshal(raw)
	if err != nil || len(b) > n {
		t.Fatalf("%d bytes, want at most %d: %v", len(b), n, err)
	}
	return b
}

// At the cap, decoding allocates at most TransformDecodeFactor bytes per byte of the object, so
// Concurrency records at once stay within half of MemoryMB; one byte above, the record fails
// alone as an InputError, whether or not S3 says the length first.
func TestTransformMemoryAtTheCap(t *testing.T) {
	const memoryMB, concurrency = 128, 10
	limit := TransformObjectCap(memoryMB, concurrency)
	if limit != 128<<20/2/10/TransformDecodeFactor {
		t.Fatalf("cap %d", limit)
	}
	body := rawOfSize(t, limit)
	if len(body) < limit-100 {
		t.Fatalf("object of %d bytes, want about %d", len(body), limit)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var raw RawObject
	if err := decodeObject(context.Background(), oneObject{body: body}, "b", "k", limit, &raw); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	if float64(alloc) > TransformDecodeFactor*float64(len(body)) {
		t.Errorf("decoding %d bytes allocated %d (%.2f per byte), above TransformDecodeFactor %d", len(body), alloc, float64(alloc)/float64(len(body)), TransformDecodeFactor)
	}
	t.Logf("decoding %d bytes allocated %.2f bytes per byte", len(body), float64(alloc)/float64(len(body)))
	if got := len(raw.Metrics.Series[0].Points); got == 0 {
		t.Error("nothing decoded")
	}

	over := rawOfSize(t, limit+100)
	if len(over) <= limit {
		t.Fatalf("over-cap object of %d bytes", len(over))
	}
	for _, withLength := range []bool{true, false} {
		err := decodeObject(context.Background(), oneObject{body: over, withLength: withLength}, "b", "k", limit, &raw)
		var ie *InputError
		if !errors.As(err, &ie) || !bytes.Contains([]byte(err.Error()), []byte(fmt.Sprintf("must be at most %d bytes", limit))) {
			t.Errorf("Content-Length sent %v: %d bytes gave %v, want an InputError naming the cap", withLength, len(over), err)
		}
	}
}
