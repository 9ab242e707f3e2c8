package awsenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/httpbinding"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3 makes the three S3 calls the handlers need, GetObject, PutObject and HeadObject, in the S3
// REST protocol signed with Signature Version 4. It stands in for service/s3's client, which
// costs every handler that touches the bucket about 0.45 MB of zip for the operations it does
// not call. It takes and returns service/s3's own input and output structs (the linker keeps
// those, not the client), so it satisfies the pipeline's ObjectGetter, ObjectPutter and
// ObjectHeader as *s3.Client does, and its errors classify as the client's do (see
// [S3.GetObject]).
//
// Only the input fields each method documents are sent; any other non-zero field, and any
// per-call option, is an error rather than silently ignored.
//
// Differences from *s3.Client:
//   - the payload is always signed: x-amz-content-sha256 is the SHA-256 of the body, which S3
//     recomputes and checks (XAmzContentSHA256Mismatch otherwise), instead of the client's
//     default CRC32 checksum (x-amz-checksum-crc32 or an aws-chunked trailer); so S3 stores no
//     additional checksum with the object, and GetObject validates no response checksum (TLS
//     protects the answer in transit);
//   - PutObject reads the whole body into memory, to hash it and to send it again on a retry;
//   - no S3 Express directory buckets, access points, ARNs, dual-stack, FIPS or accelerate
//     endpoints, no clock-skew correction, no 100-continue for large bodies.
type S3 struct {
	// Endpoint is the base URL. [NewS3] sets AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL; empty
	// means AWS's https://s3.<region>.<partition's DNS suffix>.
	Endpoint string
	// PathStyle puts the bucket in the path (https://host/bucket/key), as local S3-compatible
	// servers need. False (the default) puts it in the host name (https://bucket.host/key), as
	// S3 prefers, except where a host name cannot carry it: a bucket name that is not a DNS
	// label (or has dots, over https), or an endpoint that is an IP address.
	PathStyle bool
	// Region signs the requests and picks the default endpoint.
	Region string
	// Credentials sign the requests; nil is an error at the first call.
	Credentials aws.CredentialsProvider
	// HTTPClient sends them; nil means the SDK's default (awshttp.NewBuildableClient).
	HTTPClient aws.HTTPClient
	// Retryer decides which failures are retried and how long to wait; nil means the one the
	// SDK's clients build by default (standard mode, 3 attempts: 5xx, SlowDown and other
	// throttling codes, connection errors).
	Retryer aws.Retryer
	// Now is the signing clock; nil means time.Now.
	Now func() time.Time
}

// NewS3 configures an [S3] from cfg as s3.NewFromConfig would, with UsePathStyle set to
// pathStyle: region, credentials, HTTP client, retryer (cfg.Retryer, else one from
// cfg.RetryMode and cfg.RetryMaxAttempts) and the endpoint override.
func NewS3(cfg aws.Config, pathStyle bool) *S3 {
	c := &S3{Region: cfg.Region, Credentials: cfg.Credentials, HTTPClient: cfg.HTTPClient, Endpoint: endpoint(cfg, "S3"), PathStyle: pathStyle}
	if c.HTTPClient == nil {
		// One client for the handler's life, so connections to S3 are kept and reused.
		c.HTTPClient = awshttp.NewBuildableClient()
	}
	if cfg.Retryer != nil {
		c.Retryer = cfg.Retryer()
	} else {
		c.Retryer = defaultRetryer(cfg.RetryMode, cfg.RetryMaxAttempts)
	}
	return c
}

// S3ResponseError is an S3 error answer's HTTP side, as service/s3 reports it: errors.As finds
// the *awshttp.ResponseError it embeds (HTTPStatusCode, RequestID) and, through it, the API
// error (*types.NoSuchKey, *types.NotFound, smithy.APIError).
type S3ResponseError struct {
	*awshttp.ResponseError
	// HostID is S3's extended request id (x-amz-id-2), which AWS support asks for.
	HostID string
}

// ServiceHostID returns the extended request id.
func (e *S3ResponseError) ServiceHostID() string { return e.HostID }

func (e *S3ResponseError) Error() string {
	return fmt.Sprintf("https response error StatusCode: %d, RequestID: %s, HostID: %s, %v",
		e.Response.StatusCode, e.RequestID, e.HostID, e.Err)
}

// As lets errors.As find the embedded *awshttp.ResponseError.
func (e *S3ResponseError) As(target any) bool { return errors.As(e.ResponseError, target) }

// emptySHA256 is the hex SHA-256 of no bytes, the payload hash of GET and HEAD.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// GetObject reads an object (Bucket, Key). The output has Body (the caller closes it),
// ContentLength, ContentType, ETag, LastModified and Metadata (keys in lower case). Failures the
// retryer accepts are retried. Errors are a *smithy.OperationError over an [S3ResponseError]
// whose API error is *types.NoSuchKey for a missing key, *types.InvalidObjectState for an
// archived object, else a *smithy.GenericAPIError with S3's code (AccessDenied, ...).
func (c *S3) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if err := supported("GetObject", in, len(opts), "Bucket", "Key"); err != nil {
		return nil, err
	}
	var out *s3.GetObjectOutput
	err := c.do(ctx, "GetObject", http.MethodGet, *in.Bucket, *in.Key, "x-id=GetObject", nil, nil, func(resp *http.Response) {
		out = &s3.GetObjectOutput{Body: resp.Body, ContentType: header(resp, "Content-Type"), ETag: header(resp, "ETag"),
			ContentLength: contentLength(resp), LastModified: lastModified(resp), Metadata: metadata(resp)}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutObject writes an object: Bucket, Key, Body (nil means empty), ContentLength (nil means
// Body's length; otherwise it must match), ContentType and Metadata (sent as x-amz-meta-*). The
// output has ETag and VersionId. Errors are as [S3.GetObject]'s, with S3's code.
func (c *S3) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if err := supported("PutObject", in, len(opts), "Bucket", "Key", "Body", "ContentLength", "ContentType", "Metadata"); err != nil {
		return nil, err
	}
	var body []byte
	if in.Body != nil {
		b, err := io.ReadAll(in.Body)
		if err != nil {
			return nil, opError("PutObject", fmt.Errorf("reading the body: %w", err))
		}
		body = b
	}
	if in.ContentLength != nil && *in.ContentLength != int64(len(body)) {
		return nil, opError("PutObject", fmt.Errorf("ContentLength is %d, the body has %d bytes", *in.ContentLength, len(body)))
	}
	h := http.Header{}
	if in.ContentType != nil {
		h.Set("Content-Type", *in.ContentType)
	}
	for k, v := range in.Metadata {
		if !validHeader(k, v) {
			return nil, opError("PutObject", fmt.Errorf("metadata %q: a key must be an HTTP token and a value must hold no control characters", k))
		}
		h.Set("X-Amz-Meta-"+k, v)
	}
	var out *s3.PutObjectOutput
	err := c.do(ctx, "PutObject", http.MethodPut, *in.Bucket, *in.Key, "x-id=PutObject", h, body, func(resp *http.Response) {
		out = &s3.PutObjectOutput{ETag: header(resp, "ETag"), VersionId: header(resp, "X-Amz-Version-Id")}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// HeadObject reads an object's metadata (Bucket, Key): ContentLength, ContentType, ETag,
// LastModified, Metadata. A missing key is *types.NotFound (HEAD answers have no body, so the
// code comes from the status: NotFound, Forbidden, ...); errors are otherwise as
// [S3.GetObject]'s.
func (c *S3) HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if err := supported("HeadObject", in, len(opts), "Bucket", "Key"); err != nil {
		return nil, err
	}
	var out *s3.HeadObjectOutput
	err := c.do(ctx, "HeadObject", http.MethodHead, *in.Bucket, *in.Key, "", nil, nil, func(resp *http.Response) {
		_ = resp.Body.Close()
		out = &s3.HeadObjectOutput{ContentType: header(resp, "Content-Type"), ETag: header(resp, "ETag"),
			ContentLength: contentLength(resp), LastModified: lastModified(resp), Metadata: metadata(resp)}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// supported checks that in is non-nil, has Bucket and Key, and sets no field but allowed.
func supported(op string, in any, opts int, allowed ...string) error {
	v := reflect.ValueOf(in)
	if v.IsNil() {
		return opError(op, errors.New("nil input"))
	}
	if opts != 0 {
		return opError(op, errors.New("per-call options are not supported"))
	}
	v = v.Elem()
	var errs []error
	for _, f := range []string{"Bucket", "Key"} {
		if p := v.FieldByName(f).Interface().(*string); p == nil || *p == "" {
			errs = append(errs, fmt.Errorf("%s is required", f))
		}
	}
	t := v.Type()
next:
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || v.Field(i).IsZero() {
			continue
		}
		for _, a := range allowed {
			if f.Name == a {
				continue next
			}
		}
		errs = append(errs, fmt.Errorf("%s is not supported by awsenv.S3 (supported: %s)", f.Name, strings.Join(allowed, ", ")))
	}
	if len(errs) > 0 {
		return opError(op, errors.Join(errs...))
	}
	return nil
}

// opError wraps err as service/s3 does.
func opError(op string, err error) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: op, Err: err}
}

// do sends one operation with retries; ok reads a 2xx answer (its body is the caller's).
func (c *S3) do(ctx context.Context, op, method, bucket, key, query string, h http.Header, body []byte, ok func(*http.Response)) error {
	u, err := c.objectURL(bucket, key)
	if err != nil {
		return opError(op, err)
	}
	u.RawQuery = query
	sum := emptySHA256
	if len(body) > 0 {
		s := sha256.Sum256(body)
		sum = hex.EncodeToString(s[:])
	}
	err = withRetries(ctx, c.Retryer, "S3: "+op, func() error {
		resp, err := c.send(ctx, method, u, h, body, sum)
		if err != nil {
			return err
		}
		if resp.StatusCode/100 == 2 {
			ok(resp)
			return nil
		}
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		if err != nil {
			return &smithyhttp.RequestSendError{Err: fmt.Errorf("reading the answer: %w", err)}
		}
		return s3Error(op, resp, b)
	})
	if err != nil {
		return opError(op, err)
	}
	return nil
}

// send signs and sends one request.
func (c *S3) send(ctx context.Context, method string, u *url.URL, h http.Header, body []byte, sum string) (*http.Response, error) {
	var rd io.Reader
	if method == http.MethodPut {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.URL = u // keep RawPath exactly as built: it is what is signed
	for k, v := range h {
		req.Header[k] = v
	}
	// Go's transport would otherwise ask for gzip and decompress, dropping Content-Length.
	req.Header.Set("Accept-Encoding", "identity")
	req.Header.Set("X-Amz-Content-Sha256", sum)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }) // S3 signs the path as sent
	return signAndSend(ctx, c.HTTPClient, c.Credentials, signer, c.Now, req, sum, "s3", c.Region)
}

// objectURL addresses bucket/key as service/s3's endpoint rules do.
func (c *S3) objectURL(bucket, key string) (*url.URL, error) {
	base := c.Endpoint
	if base == "" {
		if c.Region == "" || !validRegion(c.Region) {
			return nil, fmt.Errorf("a region is required to build the S3 endpoint, got %q", c.Region)
		}
		base = "https://s3." + c.Region + "." + dnsSuffix(c.Region)
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("the S3 endpoint must be an absolute http or https URL, got %q", base)
	}
	prefix := strings.TrimSuffix(u.EscapedPath(), "/") + "/"
	virtual := !c.PathStyle && net.ParseIP(u.Hostname()) == nil &&
		(hostableBucket(bucket, false) || (u.Scheme == "http" && hostableBucket(bucket, true)))
	raw := prefix + httpbinding.EscapePath(key, false)
	if virtual {
		u.Host = bucket + "." + u.Host
	} else {
		raw = prefix + httpbinding.EscapePath(bucket, true) + "/" + httpbinding.EscapePath(key, false)
	}
	p, err := url.PathUnescape(raw)
	if err != nil {
		return nil, err
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment = p, raw, "", ""
	return u, nil
}

// hostableBucket is awsrulesfn.IsVirtualHostableS3Bucket: labels of 3..63 lower-case letters,
// digits and hyphens, not starting with a hyphen, and not an IP address.
func hostableBucket(b string, dots bool) bool {
	if net.ParseIP(b) != nil {
		return false
	}
	labels := []string{b}
	if dots {
		labels = strings.Split(b, ".")
	}
	for _, l := range labels {
		if len(l) < 3 || len(l) > 63 || strings.ToLower(l) != l || !smithyhttp.ValidHostLabel(l) {
			return false
		}
	}
	return true
}

// validHeader reports whether k is an HTTP token and v holds no control character but tab (the
// transport would refuse the request, and the retryer would take that for a connection error).
func validHeader(k, v string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// s3Error reads an S3 error answer as service/s3 does: Code, Message, RequestId and HostId from
// the XML <Error> body, else (HEAD answers, proxies) a code from the status text (NotFound,
// Forbidden, ...); request ids from the headers first.
func s3Error(op string, resp *http.Response, body []byte) error {
	var ec struct {
		Code      string `xml:"Code"`
		Message   string `xml:"Message"`
		RequestID string `xml:"RequestId"`
		HostID    string `xml:"HostId"`
	}
	if xml.Unmarshal(body, &ec) != nil {
		ec.Code, ec.Message = "", ""
	}
	if ec.Code == "" && ec.Message == "" {
		ec.Message = http.StatusText(resp.StatusCode)
		ec.Code = strings.ReplaceAll(ec.Message, " ", "")
	}
	if ec.Code == "" {
		ec.Code = "UnknownError"
	}
	reqID, hostID := resp.Header.Get("X-Amz-Request-Id"), resp.Header.Get("X-Amz-Id-2")
	if reqID == "" {
		reqID = ec.RequestID
	}
	if hostID == "" {
		hostID = ec.HostID
	}
	var msg *string
	if ec.Message != "" {
		msg = aws.String(ec.Message)
	}
	var api error = &smithy.GenericAPIError{Code: ec.Code, Message: ec.Message}
	switch code := strings.ToLower(ec.Code); {
	case op == "GetObject" && code == "nosuchkey":
		api = &types.NoSuchKey{Message: msg}
	case op == "GetObject" && code == "invalidobjectstate":
		api = &types.InvalidObjectState{Message: msg}
	case op == "HeadObject" && code == "notfound":
		api = &types.NotFound{} // as the SDK's: a HEAD answer has no message
	case op == "PutObject" && code == "encryptiontypemismatch":
		api = &types.EncryptionTypeMismatch{Message: msg}
	case op == "PutObject" && code == "invalidrequest":
		api = &types.InvalidRequest{Message: msg}
	case op == "PutObject" && code == "invalidwriteoffset":
		api = &types.InvalidWriteOffset{Message: msg}
	case op == "PutObject" && code == "toomanyparts":
		api = &types.TooManyParts{Message: msg}
	}
	return &S3ResponseError{
		ResponseError: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: api},
			RequestID:     reqID,
		},
		HostID: hostID,
	}
}

func header(resp *http.Response, name string) *string {
	if v := resp.Header.Values(name); len(v) != 0 {
		return aws.String(strings.TrimSpace(v[0]))
	}
	return nil
}

func contentLength(resp *http.Response) *int64 {
	if v := header(resp, "Content-Length"); v != nil {
		if n, err := strconv.ParseInt(*v, 10, 64); err == nil {
			return aws.Int64(n)
		}
	}
	return nil
}

func lastModified(resp *http.Response) *time.Time {
	if v := header(resp, "Last-Modified"); v != nil {
		if t, err := http.ParseTime(*v); err == nil {
			return &t
		}
	}
	return nil
}

// metadata collects x-amz-meta-* with the keys in lower case, nil when there are none.
func metadata(resp *http.Response) map[string]string {
	const prefix = "X-Amz-Meta-"
	var m map[string]string
	for k, v := range resp.Header {
		if len(k) > len(prefix) && strings.EqualFold(k[:len(prefix)], prefix) && len(v) > 0 {
			if m == nil {
				m = map[string]string{}
			}
			m[strings.ToLower(k[len(prefix):])] = strings.TrimSpace(v[0])
		}
	}
	return m
}
