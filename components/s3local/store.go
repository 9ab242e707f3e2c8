package s3local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/skeinhq/skein/components/sfnlocal"
)

// Store adapts an S3 client to sfnlocal.ObjectStore, so that a local Step Functions engine's
// ItemReader and ResultWriter use the same bucket as the handlers.
type Store struct {
	Client *s3.Client
}

var _ sfnlocal.ObjectStore = (*Store)(nil)

// GetObject implements sfnlocal.ObjectStore.
func (s *Store) GetObject(ctx context.Context, bucket, key string) ([]byte, error) {
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, mapErr(err)
	}
	defer func() { _ = out.Body.Close() }()
	return io.ReadAll(out.Body)
}

// PutObject implements sfnlocal.ObjectStore.
func (s *Store) PutObject(ctx context.Context, bucket, key string, body []byte) (string, error) {
	out, err := s.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body)))})
	if err != nil {
		return "", mapErr(err)
	}
	return aws.ToString(out.ETag), nil
}

// ListObjects implements sfnlocal.ObjectStore (all pages).
func (s *Store) ListObjects(ctx context.Context, bucket, prefix string) ([]sfnlocal.ObjectInfo, error) {
	var out []sfnlocal.ObjectInfo
	p := s3.NewListObjectsV2Paginator(s.Client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapErr(err)
		}
		for _, o := range page.Contents {
			info := sfnlocal.ObjectInfo{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag), StorageClass: string(o.StorageClass)}
			if o.LastModified != nil {
				info.LastModified = *o.LastModified
			}
			out = append(out, info)
		}
	}
	return out, nil
}

func mapErr(err error) error {
	var nsk *types.NoSuchKey
	var nsb *types.NoSuchBucket
	var ae smithy.APIError
	switch {
	case errors.As(err, &nsk):
		return fmt.Errorf("%w (%v)", sfnlocal.ErrNoSuchKey, err)
	case errors.As(err, &nsb):
		return fmt.Errorf("%w (%v)", sfnlocal.ErrNoSuchBucket, err)
	case errors.As(err, &ae) && strings.EqualFold(ae.ErrorCode(), "NoSuchBucket"):
		return fmt.Errorf("%w (%v)", sfnlocal.ErrNoSuchBucket, err)
	}
	return err
}
