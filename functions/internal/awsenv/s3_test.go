package awsenv_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/skeinhq/skein/components/s3local"
	"github.com/skeinhq/skein/functions/internal/awsenv"
)

// localS3 is the client a handler builds (AWS, then NewS3 with path-style) pointed at endpoint
// through AWS_ENDPOINT_URL_S3.
func localS3(t *testing.T, endpoint string) *s3.Client {
	lambdaEnv(t, map[string]string{"AWS_ENDPOINT_URL_S3": endpoint})
	v := awsenv.FromMap(nil)
	cfg := awsenv.AWS(v)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	return awsenv.NewS3(cfg, true)
}

// Against a local S3 (gofakes3, path-style): what a handler writes reads back whole, with its
// metadata, and missing keys and buckets fail with the types the pipeline classifies.
func TestS3LocalRoundTrip(t *testing.T) {
	srv, err := s3local.Start("data")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ctx := context.Background()
	c := localS3(t, srv.Url)
	const key = "raw/2026-11-23/g0001 d1+é.json"
	body := `{"device":"g0001-d0001","points":[1,2,3]}`
	meta := map[string]string{"skein-execution": "exec-1", "Mixed-Case": "Value 2"}
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String(key),
		Body: strings.NewReader(body), ContentType: aws.String("application/json"), Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := srv.Get("data", key)
	if err != nil || string(stored) != body {
		t.Fatalf("stored %q %v", stored, err)
	}
	wantMeta := map[string]string{"skein-execution": "exec-1", "mixed-case": "Value 2"}
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(get.Body)
	_ = get.Body.Close()
	if string(b) != body || aws.ToString(get.ContentType) != "application/json" || aws.ToInt64(get.ContentLength) != int64(len(body)) ||
		!reflect.DeepEqual(get.Metadata, wantMeta) || aws.ToString(get.ETag) != aws.ToString(put.ETag) {
		t.Errorf("GetObject: %q %s %d %v %s (put ETag %s)", b, aws.ToString(get.ContentType), aws.ToInt64(get.ContentLength),
			get.Metadata, aws.ToString(get.ETag), aws.ToString(put.ETag))
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(head.ContentLength) != int64(len(body)) || !reflect.DeepEqual(head.Metadata, wantMeta) || aws.ToString(head.ETag) != aws.ToString(put.ETag) {
		t.Errorf("HeadObject: %d %v %s", aws.ToInt64(head.ContentLength), head.Metadata, aws.ToString(head.ETag))
	}

	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("raw/missing.json")})
	var nsk *s3types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Errorf("GetObject of a missing key: %T %v", err, err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("raw/missing.json")})
	var nf *s3types.NotFound
	if !errors.As(err, &nf) {
		t.Errorf("HeadObject of a missing key: %T %v", err, err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("no-such-bucket"), Key: aws.String("k"), Body: strings.NewReader("x")})
	var re *awshttp.ResponseError
	var ae smithy.APIError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 404 || !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchBucket" {
		t.Errorf("PutObject to a missing bucket: %T %v", err, err)
	}
}

// sentBody is what a PutObject carried: the object's bytes and the CRC32 checksum it claimed for
// them (base64), from a header or, for an aws-chunked body, from the trailer.
type sentBody struct {
	object   []byte
	checksum string
	encoding string // x-amz-content-sha256: how the payload was signed
}

// readPut decodes a PutObject request's body as S3 does.
func readPut(r *http.Request) (sentBody, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return sentBody{}, err
	}
	s := sentBody{checksum: r.Header.Get("X-Amz-Checksum-Crc32"), encoding: r.Header.Get("X-Amz-Content-Sha256")}
	if !strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") {
		s.object = raw
		return s, nil
	}
	// aws-chunked: <hex size>[;chunk-signature=...]\r\n<data>\r\n ... 0\r\n<trailer>\r\n\r\n
	br := bufio.NewReader(bytes.NewReader(raw))
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return s, fmt.Errorf("chunk header: %w", err)
		}
		size, err := strconv.ParseInt(strings.SplitN(strings.TrimSpace(line), ";", 2)[0], 16, 64)
		if err != nil {
			return s, fmt.Errorf("chunk size %q: %w", line, err)
		}
		if size == 0 {
			break
		}
		chunk := make([]byte, size)
		if _, err := io.ReadFull(br, chunk); err != nil {
			return s, err
		}
		s.object = append(s.object, chunk...)
		_, _ = br.ReadString('\n')
	}
	for {
		line, err := br.ReadString('\n')
		line = strings.TrimSpace(line)
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "x-amz-checksum-crc32") {
			s.checksum = strings.TrimSpace(v)
		}
		if err != nil || line == "" {
			break
		}
	}
	if n, _ := strconv.Atoi(r.Header.Get("X-Amz-Decoded-Content-Length")); n != len(s.object) {
		return s, fmt.Errorf("x-amz-decoded-content-length %d, the chunks hold %d bytes", n, len(s.object))
	}
	return s, nil
}

func crc32Base64(b []byte) string {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Every PutObject body travels with a CRC32 of its bytes that S3 checks (the SDK's default
// checksum, which the configuration leaves on), including when a dropped connection makes the
// SDK send the body again; and the bytes that arrive are the object's. Over https, as to S3,
// the SDK streams the body aws-chunked with the checksum in a trailer; over http it sends it in
// a header.
func TestS3PutObjectIntegrity(t *testing.T) {
	for _, scheme := range []string{"http", "https"} {
		t.Run(scheme, func(t *testing.T) {
			var mu sync.Mutex
			var got []sentBody
			var errs []error
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, err := readPut(r)
				mu.Lock()
				got, errs = append(got, s), append(errs, err)
				first := len(got) == 1
				mu.Unlock()
				if first { // the first attempt's connection breaks before the answer
					if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
						_ = conn.Close()
					}
					return
				}
				w.Header().Set("ETag", `"x"`)
			}))
			extra := map[string]string{}
			if scheme == "https" {
				srv.StartTLS()
				// The SDK trusts the test server's certificate through AWS_CA_BUNDLE.
				bundle := filepath.Join(t.TempDir(), "ca.pem")
				pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
				if err := os.WriteFile(bundle, pemBytes, 0o600); err != nil {
					t.Fatal(err)
				}
				extra["AWS_CA_BUNDLE"] = bundle
			} else {
				srv.Start()
			}
			t.Cleanup(srv.Close)
			extra["AWS_ENDPOINT_URL_S3"] = srv.URL
			lambdaEnv(t, extra)
			v := awsenv.FromMap(nil)
			c := awsenv.NewS3(awsenv.AWS(v), true)
			if err := v.Err(); err != nil {
				t.Fatal(err)
			}
			body := []byte(strings.Repeat(`{"device":"g0001-d0001","points":[1,2,3]}`, 1000))
			// As the pipeline writes (functions/pipeline/store.go): a bytes.Reader with its length.
			_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("raw/k.json"),
				Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String("application/json")},
				func(o *s3.Options) { o.Retryer = noBackoff(o.Retryer) })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 {
				t.Fatalf("%d attempts, want 2 (one dropped, one answered)", len(got))
			}
			for i, s := range got {
				t.Logf("attempt %d: x-amz-content-sha256 %s, checksum %s", i+1, s.encoding, s.checksum)
				if errs[i] != nil {
					t.Errorf("attempt %d: %v", i+1, errs[i])
				}
				if !bytes.Equal(s.object, body) {
					t.Errorf("attempt %d: %d bytes arrived, want the %d of the object", i+1, len(s.object), len(body))
				}
				if s.checksum != crc32Base64(body) {
					t.Errorf("attempt %d: x-amz-checksum-crc32 %q, the body's is %q", i+1, s.checksum, crc32Base64(body))
				}
			}
		})
	}
}

// A handler's S3 calls reuse one connection: the client is built once with one HTTP client (a
// new transport per call would open a TCP and TLS connection to S3 for every object).
func TestS3ReusesConnections(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("ETag", `"x"`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	c := localS3(t, srv.URL)
	for i := range 5 {
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("k" + strconv.Itoa(i)), Body: strings.NewReader("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	if conns != 1 {
		t.Errorf("5 sequential PUTs opened %d connections, want 1", conns)
	}
}
