package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
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
	// ObjectHeader reads object metadata.
	ObjectHeader interface {
		HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	}
)

var _ interface {
	ObjectGetter
	ObjectPutter
	ObjectHeader
} = (*s3.Client)(nil)

// MetaExecution is the user metadata key (x-amz-meta-skein-execution) naming the execution that
// wrote a raw object; a retry of the same execution skips items it already stored.
const MetaExecution = "skein-execution"

// MetaCorrelation is the user metadata key (x-amz-meta-skein-correlation) carrying the item's
// correlation id (ItemCorrelation) on its raw object: the transform logs with it, so one
// device's lines of the export and of the transform share one id.
const MetaCorrelation = "skein-correlation"

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

// decodeObject streams an object's JSON into v without holding its bytes, reading at most limit
// bytes: a larger object (by its Content-Length, or by what it turns out to hold) is an
// *InputError, never retried, and is not read further. A missing object is a *StorageError
// wrapping *types.NoSuchKey; JSON that does not decode is an *InputError.
func decodeObject(ctx context.Context, s ObjectGetter, bucket, key string, limit int, v any) error {
	_, err := decodeObjectMeta(ctx, s, bucket, key, limit, v)
	return err
}

// decodeObjectMeta is decodeObject that also returns the object's user metadata.
func decodeObjectMeta(ctx context.Context, s ObjectGetter, bucket, key string, limit int, v any) (map[string]string, error) {
	out, err := s.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, &StorageError{Op: "GetObject", Bucket: bucket, Key: key, Err: err}
	}
	meta := out.Metadata
	defer func() { _ = out.Body.Close() }()
	tooLarge := func(n int64) error {
		return inputError("object", fmt.Sprintf("must be at most %d bytes (what the function's memory allows for each record it runs at once)", limit), fmt.Sprintf("%s: %d bytes", key, n))
	}
	if n := aws.ToInt64(out.ContentLength); n > int64(limit) {
		return meta, tooLarge(n)
	}
	r := &cappedReader{r: out.Body, left: int64(limit)}
	if err := json.NewDecoder(r).Decode(v); err != nil {
		if r.over {
			return meta, tooLarge(int64(limit) + 1)
		}
		return meta, inputError("object", "must be a raw metrics object", fmt.Sprintf("%s: %v", key, err))
	}
	return meta, nil
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

// head returns an object's user metadata, or ok=false when there is no such object. A 403 counts
// as absent too: without s3:ListBucket, S3 answers 403 for a missing key, and the caller's only
// use of "absent" is to fetch the item again, which is safe.
func head(ctx context.Context, s ObjectHeader, bucket, key string) (map[string]string, bool, error) {
	out, err := s.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var re *awshttp.ResponseError
		if isNotFound(err) || (errors.As(err, &re) && re.HTTPStatusCode() == 403) {
			return nil, false, nil
		}
		return nil, false, &StorageError{Op: "HeadObject", Bucket: bucket, Key: key, Err: err}
	}
	return out.Metadata, true, nil
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
