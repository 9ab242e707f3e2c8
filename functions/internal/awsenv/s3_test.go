package awsenv_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/skeinhq/skein/functions/internal/awsenv"
	"github.com/skeinhq/skein/functions/s3local"
)

// As for SSM, the real client (service/s3, test-only here) judges ours: both send through the
// same recorder or to the same server, and get the same answers.

// s3Sent is one request as it would have gone on the wire.
type s3Sent struct {
	method, host, rawPath, query string
	header                       http.Header
	length                       int64
	body                         []byte
}

// recorder is an aws.HTTPClient that records requests and answers them with answer.
type recorder struct {
	mu     sync.Mutex
	sent   []s3Sent
	answer func(*http.Request) *http.Response
}

func (rc *recorder) Do(r *http.Request) (*http.Response, error) {
	var b []byte
	if r.Body != nil {
		b, _ = io.ReadAll(r.Body)
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	rc.mu.Lock()
	rc.sent = append(rc.sent, s3Sent{r.Method, host, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), r.ContentLength, b})
	rc.mu.Unlock()
	resp := rc.answer(r)
	resp.Request = r
	return resp, nil
}

func (rc *recorder) take() []s3Sent {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.sent
	rc.sent = nil
	return out
}

const lastMod = "Mon, 23 Nov 2026 10:00:00 GMT"

// objectAnswer answers every operation as S3 does for a stored 5-byte JSON object.
func objectAnswer(r *http.Request) *http.Response {
	h := http.Header{}
	h.Set("ETag", `"5d41402abc4b2a76b9719d911017c592"`)
	h.Set("X-Amz-Request-Id", "REQ1")
	body := ""
	if r.Method != http.MethodPut {
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", "5")
		h.Set("Last-Modified", lastMod)
		h.Set("X-Amz-Meta-Skein-Execution", "exec-1")
		h.Set("x-amz-meta-Other", " v2 ")
		if r.Method == http.MethodGet {
			body = "hello"
		}
	}
	return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
}

func sdkS3(endpoint string, pathStyle bool, region string, hc s3.HTTPClient) *s3.Client {
	o := s3.Options{Region: region, Credentials: creds, UsePathStyle: pathStyle, Retryer: noDelay(), HTTPClient: hc}
	if endpoint != "" {
		o.BaseEndpoint = aws.String(endpoint)
	}
	return s3.New(o)
}

func ourS3(endpoint string, pathStyle bool, region string, hc aws.HTTPClient) *awsenv.S3 {
	cfg := aws.Config{Region: region, Credentials: creds, Retryer: noDelay, HTTPClient: hc}
	if endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return awsenv.NewS3(cfg, pathStyle)
}

// objectAPI is what the pipeline's ObjectGetter, ObjectPutter and ObjectHeader ask for.
type objectAPI interface {
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

var _ objectAPI = (*awsenv.S3)(nil)

// call runs op on c and returns a comparable summary of the output.
func call(ctx context.Context, c objectAPI, op, bucket, key string) (map[string]any, error) {
	switch op {
	case "GetObject":
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(out.Body)
		_ = out.Body.Close()
		return map[string]any{"body": string(b), "etag": aws.ToString(out.ETag), "type": aws.ToString(out.ContentType),
			"length": aws.ToInt64(out.ContentLength), "meta": out.Metadata, "modified": aws.ToTime(out.LastModified)}, err
	case "PutObject":
		body := []byte(`{"device":"g0001-d0001"}`)
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
			ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String("application/json"),
			Metadata: map[string]string{"skein-execution": "exec-1", "Other": "v2"}})
		if err != nil {
			return nil, err
		}
		return map[string]any{"etag": aws.ToString(out.ETag)}, nil
	default:
		out, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return nil, err
		}
		return map[string]any{"etag": aws.ToString(out.ETag), "type": aws.ToString(out.ContentType),
			"length": aws.ToInt64(out.ContentLength), "meta": out.Metadata, "modified": aws.ToTime(out.LastModified)}, nil
	}
}

func TestS3RequestsMatchSDK(t *testing.T) {
	const key = "raw/2026-11-23/g 0001+é~(1).json"
	cases := []struct {
		name, endpoint string
		pathStyle      bool
		region, bucket string
		wantHost       string // ours, checked besides the SDK's
	}{
		{"AWS, virtual-hosted", "", false, "eu-west-1", "skein-data", "skein-data.s3.eu-west-1.amazonaws.com"},
		{"AWS, path-style", "", true, "eu-west-1", "skein-data", "s3.eu-west-1.amazonaws.com"},
		{"AWS, us-east-1", "", false, "us-east-1", "skein-data", "skein-data.s3.us-east-1.amazonaws.com"},
		{"AWS China", "", false, "cn-north-1", "skein-data", "skein-data.s3.cn-north-1.amazonaws.com.cn"},
		{"AWS, dotted bucket over https", "", false, "eu-west-1", "skein.data", "s3.eu-west-1.amazonaws.com"},
		{"custom endpoint, virtual-hosted", "https://objects.example.com", false, "eu-west-1", "skein-data", "skein-data.objects.example.com"},
		{"custom http endpoint, dotted bucket", "http://minio.local:9000", false, "eu-west-1", "skein.data", "skein.data.minio.local:9000"},
		{"custom endpoint, path-style", "http://127.0.0.1:9000", true, "us-east-1", "data", "127.0.0.1:9000"},
		{"custom IP endpoint without path style", "http://127.0.0.1:9000", false, "us-east-1", "data", "127.0.0.1:9000"},
		{"custom endpoint with a path", "https://gw.example.com/s3/", true, "eu-west-1", "skein-data", "gw.example.com"},
	}
	ctx := context.Background()
	for _, tc := range cases {
		for _, op := range []string{"GetObject", "PutObject", "HeadObject"} {
			t.Run(tc.name+"/"+op, func(t *testing.T) {
				rc := &recorder{answer: objectAnswer}
				wantOut, err := call(ctx, sdkS3(tc.endpoint, tc.pathStyle, tc.region, rc), op, tc.bucket, key)
				if err != nil {
					t.Fatal(err)
				}
				sdk := rc.take()
				gotOut, err := call(ctx, ourS3(tc.endpoint, tc.pathStyle, tc.region, rc), op, tc.bucket, key)
				if err != nil {
					t.Fatal(err)
				}
				ours := rc.take()
				if len(sdk) != 1 || len(ours) != 1 {
					t.Fatalf("requests: sdk %d, ours %d", len(sdk), len(ours))
				}
				if !reflect.DeepEqual(wantOut, gotOut) {
					t.Errorf("output:\n sdk  %v\n ours %v", wantOut, gotOut)
				}
				a, b := sdk[0], ours[0]
				if a.method != b.method || a.host != b.host || a.rawPath != b.rawPath || a.query != b.query {
					t.Errorf("request:\n sdk  %s %s %s ?%s\n ours %s %s %s ?%s", a.method, a.host, a.rawPath, a.query, b.method, b.host, b.rawPath, b.query)
				}
				if b.host != tc.wantHost {
					t.Errorf("host %s, want %s", b.host, tc.wantHost)
				}
				if op == "PutObject" {
					if !bytes.Equal(b.body, []byte(`{"device":"g0001-d0001"}`)) || b.length != int64(len(b.body)) {
						t.Errorf("body %q, length %d", b.body, b.length)
					}
					if a.header.Get("Content-Encoding") == "" && !bytes.Equal(a.body, b.body) {
						t.Errorf("body: sdk %q, ours %q", a.body, b.body)
					}
				}
				for _, h := range []string{"Content-Type", "X-Amz-Meta-Skein-Execution", "X-Amz-Meta-Other", "X-Amz-Security-Token"} {
					if a.header.Get(h) != b.header.Get(h) {
						t.Errorf("%s: sdk %q, ours %q", h, a.header.Get(h), b.header.Get(h))
					}
				}
				// Ours always signs the payload's hash, so S3 checks the body; the SDK signs it
				// too unless it protects the body with a checksum instead.
				if got := b.header.Get("X-Amz-Content-Sha256"); got != sha256Hex(b.body) {
					t.Errorf("x-amz-content-sha256 %q, the body's is %q", got, sha256Hex(b.body))
				}
				if h := a.header.Get("X-Amz-Content-Sha256"); !strings.Contains(h, "UNSIGNED") && !strings.HasPrefix(h, "STREAMING") && h != b.header.Get("X-Amz-Content-Sha256") {
					t.Errorf("x-amz-content-sha256: sdk %q, ours %q", h, b.header.Get("X-Amz-Content-Sha256"))
				}
				t.Logf("sdk x-amz-content-sha256 %q, checksum headers %v", a.header.Get("X-Amz-Content-Sha256"), checksumHeaders(a.header))
				sa, sb := scope(a.header.Get("Authorization")), scope(b.header.Get("Authorization"))
				if sa != sb || !strings.Contains(sb, "/"+tc.region+"/s3/aws4_request") {
					t.Errorf("credential scope: sdk %q, ours %q", sa, sb)
				}
				for _, h := range []string{"host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"} {
					if !strings.Contains(";"+signedHeaders(b.header.Get("Authorization"))+";", ";"+h+";") {
						t.Errorf("%s is not signed: %s", h, b.header.Get("Authorization"))
					}
				}
				if op == "PutObject" {
					for _, h := range []string{"content-type", "x-amz-meta-skein-execution", "x-amz-meta-other"} {
						if !strings.Contains(signedHeaders(b.header.Get("Authorization")), h) {
							t.Errorf("%s is not signed: %s", h, b.header.Get("Authorization"))
						}
					}
				}
				for name, r := range map[string]s3Sent{"sdk": a, "ours": b} {
					if err := verifyS3(r, tc.region); err != nil {
						t.Errorf("%s: %v", name, err)
					}
				}
			})
		}
	}
}

func checksumHeaders(h http.Header) []string {
	var out []string
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum") || strings.HasPrefix(strings.ToLower(k), "x-amz-sdk-checksum") {
			out = append(out, k+"="+h.Get(k))
		}
	}
	return out
}

// verifyS3 re-signs the recorded request as S3 would check it: the headers it claims to sign,
// at the time it claims, with the payload hash it claims, the path as sent.
func verifyS3(r s3Sent, region string) error {
	auth := r.header.Get("Authorization")
	at, err := time.Parse("20060102T150405Z", r.header.Get("X-Amz-Date"))
	if err != nil {
		return err
	}
	u := &url.URL{Scheme: "https", Host: r.host, RawPath: r.rawPath, RawQuery: r.query}
	if u.Path, err = url.PathUnescape(r.rawPath); err != nil {
		return err
	}
	req := &http.Request{Method: r.method, URL: u, Host: r.host, Header: http.Header{}, ContentLength: r.length}
	for _, h := range strings.Split(signedHeaders(auth), ";") {
		if h != "host" && h != "content-length" {
			req.Header[http.CanonicalHeaderKey(h)] = r.header.Values(h)
		}
	}
	req.Header.Del("X-Amz-Security-Token") // the signer adds it from the credentials
	c, _ := creds.Retrieve(context.Background())
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(context.Background(), c, req, r.header.Get("X-Amz-Content-Sha256"), "s3", region, at); err != nil {
		return err
	}
	if got := req.Header.Get("Authorization"); got != auth {
		return errors.New("signature does not verify:\n sent " + auth + "\n want " + got)
	}
	return nil
}

// errorClass is how the pipeline (functions/pipeline/store.go) and s3local read an S3 error.
type errorClass struct {
	NoSuchKey, NotFound bool   // *types.NoSuchKey, *types.NotFound
	Status              int    // *awshttp.ResponseError's, 0 without one
	Code                string // smithy.APIError's
	RequestID           string
}

func classOf(err error) errorClass {
	var c errorClass
	var nsk *s3types.NoSuchKey
	var nf *s3types.NotFound
	var re *awshttp.ResponseError
	var ae smithy.APIError
	c.NoSuchKey, c.NotFound = errors.As(err, &nsk), errors.As(err, &nf)
	if errors.As(err, &re) {
		c.Status, c.RequestID = re.HTTPStatusCode(), re.ServiceRequestID()
	}
	if errors.As(err, &ae) {
		c.Code = ae.ErrorCode()
	}
	return c
}

func TestS3ErrorsMatchSDK(t *testing.T) {
	xmlErr := func(status int, code, msg string) answer {
		return answer{status, map[string]string{"Content-Type": "application/xml", "X-Amz-Request-Id": "REQ-" + code, "X-Amz-Id-2": "HOST"},
			`<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>` + msg + `</Message><RequestId>REQ-` + code + `</RequestId><HostId>HOST</HostId></Error>`}
	}
	head404 := answer{404, map[string]string{"X-Amz-Request-Id": "REQ-H"}, ""}
	head403 := answer{403, map[string]string{"X-Amz-Request-Id": "REQ-H"}, ""}
	slow := xmlErr(503, "SlowDown", "Please reduce your request rate.")
	okGet := answer{200, map[string]string{"Content-Type": "application/json", "ETag": `"e"`}, "hello"}
	tests := []struct {
		name, op string
		answers  []answer
		want     errorClass // zero: success
		attempts int
	}{
		{"missing key", "GetObject", []answer{xmlErr(404, "NoSuchKey", "The specified key does not exist.")},
			errorClass{NoSuchKey: true, Status: 404, Code: "NoSuchKey", RequestID: "REQ-NoSuchKey"}, 1},
		{"missing key", "HeadObject", []answer{head404}, errorClass{NotFound: true, Status: 404, Code: "NotFound", RequestID: "REQ-H"}, 1},
		{"access denied", "GetObject", []answer{xmlErr(403, "AccessDenied", "Access Denied")},
			errorClass{Status: 403, Code: "AccessDenied", RequestID: "REQ-AccessDenied"}, 1},
		{"access denied", "HeadObject", []answer{head403}, errorClass{Status: 403, Code: "Forbidden", RequestID: "REQ-H"}, 1},
		{"access denied", "PutObject", []answer{xmlErr(403, "AccessDenied", "Access Denied")},
			errorClass{Status: 403, Code: "AccessDenied", RequestID: "REQ-AccessDenied"}, 1},
		{"no bucket", "PutObject", []answer{xmlErr(404, "NoSuchBucket", "The specified bucket does not exist")},
			errorClass{Status: 404, Code: "NoSuchBucket", RequestID: "REQ-NoSuchBucket"}, 1},
		{"slow down then served", "GetObject", []answer{slow, okGet}, errorClass{}, 2},
		{"slow down then served", "PutObject", []answer{slow, {200, nil, ""}}, errorClass{}, 2},
		{"slow down throughout", "PutObject", []answer{slow}, errorClass{Status: 503, Code: "SlowDown", RequestID: "REQ-SlowDown"}, 3},
		{"server error then served", "HeadObject", []answer{{500, nil, ""}, okGet}, errorClass{}, 2},
		{"connection reset then served", "GetObject", []answer{{-1, nil, ""}, okGet}, errorClass{}, 2},
		{"bad digest", "PutObject", []answer{xmlErr(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")},
			errorClass{Status: 400, Code: "XAmzContentSHA256Mismatch", RequestID: "REQ-XAmzContentSHA256Mismatch"}, 1},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.op, func(t *testing.T) {
			srv, got := s3Server(t, tt.answers...)
			_, sdkErr := call(ctx, sdkS3(srv.URL, true, "us-east-1", nil), tt.op, "data", "k")
			sdkSent := got()
			_, err := call(ctx, ourS3(srv.URL, true, "us-east-1", nil), tt.op, "data", "k")
			sent := got()
			if len(sent) != tt.attempts || len(sdkSent) != tt.attempts {
				t.Errorf("attempts: ours %d, sdk %d, want %d", len(sent), len(sdkSent), tt.attempts)
			}
			for _, r := range sent {
				if r.path != "/data/k" || r.header.Get("X-Amz-Content-Sha256") != sha256Hex(r.body) {
					t.Errorf("attempt %s %s, payload hash %s for %q", r.method, r.path, r.header.Get("X-Amz-Content-Sha256"), r.body)
				}
			}
			if (err == nil) != (tt.want == errorClass{}) || (sdkErr == nil) != (tt.want == errorClass{}) {
				t.Fatalf("ours %v, sdk %v", err, sdkErr)
			}
			if c, sc := classOf(err), classOf(sdkErr); c != tt.want || sc != tt.want {
				t.Errorf("class:\n ours %+v\n sdk  %+v\n want %+v\n ours: %v", c, sc, tt.want, err)
			}
			var host interface{ ServiceHostID() string }
			if err != nil && tt.want.Code != "" && strings.Contains(tt.answers[0].body, "HostId") && (!errors.As(err, &host) || host.ServiceHostID() != "HOST") {
				t.Errorf("no host id in %v", err)
			}
			if err != nil && sdkErr != nil && err.Error() != sdkErr.Error() {
				t.Logf("messages differ:\n ours %v\n sdk  %v", err, sdkErr)
			}
		})
	}
}

// s3Server is server (ssm_test.go) for S3: no default content type.
func s3Server(t *testing.T, answers ...answer) (*httptest.Server, func() []recorded) {
	return recordingServer(t, nil, answers...)
}

// Against a local S3 (gofakes3, path-style), with the SDK's client reading what ours wrote.
func TestS3LocalRoundTrip(t *testing.T) {
	srv, err := s3local.Start("data")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ctx := context.Background()
	c := awsenv.NewS3(awsenv.AWS(awsenv.FromMap(map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local",
		"AWS_SECRET_ACCESS_KEY": "local", "AWS_ENDPOINT_URL_S3": srv.URL})), true)
	sdk := srv.Client()
	body := `{"device":"g0001-d0001","points":[1,2,3]}`
	meta := map[string]string{"skein-execution": "exec-1", "Mixed-Case": "Value 2"}
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("raw/2026-11-23/g0001 d1.json"),
		Body: strings.NewReader(body), ContentType: aws.String("application/json"), Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	wantMeta := map[string]string{"skein-execution": "exec-1", "mixed-case": "Value 2"}
	for name, api := range map[string]objectAPI{"ours": c, "sdk": sdk} {
		get, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("raw/2026-11-23/g0001 d1.json")})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := io.ReadAll(get.Body)
		_ = get.Body.Close()
		if string(b) != body || aws.ToString(get.ContentType) != "application/json" || aws.ToInt64(get.ContentLength) != int64(len(body)) ||
			!reflect.DeepEqual(get.Metadata, wantMeta) || aws.ToString(get.ETag) != aws.ToString(put.ETag) {
			t.Errorf("%s GetObject: %q %s %d %v %s (put ETag %s)", name, b, aws.ToString(get.ContentType), aws.ToInt64(get.ContentLength),
				get.Metadata, aws.ToString(get.ETag), aws.ToString(put.ETag))
		}
		head, err := api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("raw/2026-11-23/g0001 d1.json")})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if aws.ToInt64(head.ContentLength) != int64(len(body)) || !reflect.DeepEqual(head.Metadata, wantMeta) || aws.ToString(head.ETag) != aws.ToString(put.ETag) {
			t.Errorf("%s HeadObject: %d %v %s", name, aws.ToInt64(head.ContentLength), head.Metadata, aws.ToString(head.ETag))
		}
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
	if cl := classOf(err); cl.Code != "NoSuchBucket" || cl.Status != 404 {
		t.Errorf("PutObject to a missing bucket: %+v %v", cl, err)
	}
}

// Input the client cannot send is refused before anything is sent, not silently dropped.
func TestS3RefusesWhatItCannotSend(t *testing.T) {
	rc := &recorder{answer: objectAnswer}
	c := ourS3("", false, "eu-west-1", rc)
	ctx := context.Background()
	for name, f := range map[string]func() error{
		"range": func() error {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("b-1"), Key: aws.String("k"), Range: aws.String("bytes=0-1")})
			return err
		},
		"no key": func() error {
			_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("b-1")})
			return err
		},
		"per-call options": func() error {
			_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("b-1"), Key: aws.String("k")}, func(*s3.Options) {})
			return err
		},
		"wrong length": func() error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b-1"), Key: aws.String("k"), Body: strings.NewReader("abc"), ContentLength: aws.Int64(4)})
			return err
		},
		"checksum": func() error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b-1"), Key: aws.String("k"), ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32})
			return err
		},
		"metadata with a newline": func() error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b-1"), Key: aws.String("k"), Metadata: map[string]string{"a": "x\ny"}})
			return err
		},
	} {
		var oe *smithy.OperationError
		if err := f(); !errors.As(err, &oe) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if sent := rc.take(); len(sent) != 0 {
		t.Errorf("%d requests sent", len(sent))
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
	c := awsenv.NewS3(aws.Config{Region: "us-east-1", Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "a", SecretAccessKey: "b"}, nil
	}))}, true)
	c.Endpoint = srv.URL
	for i := range 5 {
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("k" + strconv.Itoa(i)), Body: strings.NewReader("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	if conns != 1 {
		t.Errorf("5 sequential PUTs opened %d connections, want 1", conns)
	}
}
