package s3local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server is a local S3 endpoint.
type Server struct {
	// Url is the endpoint, e.g. http://127.0.0.1:40123.
	Url     string
	backend *s3mem.Backend
	handler http.Handler
	srv     *http.Server
	done    chan error
}

// Start serves a fresh in-memory S3 on 127.0.0.1 and creates the given buckets.
func Start(buckets ...string) (*Server, error) {
	be := s3mem.New()
	for _, b := range buckets {
		if err := be.CreateBucket(b); err != nil {
			return nil, fmt.Errorf("s3local: creating bucket %q: %w", b, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("s3local: %w", err)
	}
	s := &Server{Url: "http://" + ln.Addr().String(), backend: be, done: make(chan error, 1)}
	s.handler = gofakes3.New(be).Server()
	s.srv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Object is a stored object as the server's store holds it.
type Object struct {
	Key          string
	Size         int64
	LastModified time.Time
}

// List returns the objects of bucket whose keys start with prefix, sorted by key, read from the
// in-memory store in one pass: no S3 call, so no paging, XML or signing. A harness checks what a
// run wrote with it; the code under test goes through the S3 API.
func (s *Server) List(bucket, prefix string) ([]Object, error) {
	p := &gofakes3.Prefix{HasPrefix: prefix != "", Prefix: prefix}
	list, err := s.backend.ListBucket(bucket, p, gofakes3.ListBucketPage{})
	if err != nil {
		return nil, fmt.Errorf("s3local: listing s3://%s/%s: %w", bucket, prefix, err)
	}
	out := make([]Object, 0, len(list.Contents))
	for _, c := range list.Contents {
		out = append(out, Object{Key: c.Key, Size: c.Size, LastModified: c.LastModified.Time})
	}
	return out, nil
}

// Get returns an object's bytes from the in-memory store (no S3 call).
func (s *Server) Get(bucket, key string) ([]byte, error) {
	obj, err := s.backend.GetObject(bucket, key, nil)
	if err != nil {
		return nil, fmt.Errorf("s3local: reading s3://%s/%s: %w", bucket, key, err)
	}
	defer func() { _ = obj.Contents.Close() }()
	return io.ReadAll(obj.Contents)
}

// Handler is the S3 API as an http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Client returns an S3 client for this server.
func (s *Server) Client() *s3.Client { return ClientFor(s.Url) }

// Close stops the server.
func (s *Server) Close() error {
	// A connection the client opened but never used stays "new", and Shutdown waits up to
	// 5 s for it: give in-flight calls a moment, then close whatever is left.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// ClientFor builds an S3 client for an S3-compatible endpoint with path-style addressing and
// dummy static credentials.
func ClientFor(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}},
	})
}
