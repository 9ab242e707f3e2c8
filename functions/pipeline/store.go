package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
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
