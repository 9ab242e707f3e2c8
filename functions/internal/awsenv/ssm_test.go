package awsenv_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/skeinhq/skein/functions/internal/awsenv"
)

// The real SDK client (service/ssm, test-only here) judges our wire protocol: both clients talk
// to the same server, which records what each sent and answers both the same bytes.

type recorded struct {
	method, path string
	header       http.Header
	body         []byte
	host         string
}

type answer struct {
	status int
	header map[string]string
	body   string
}

// server answers each request with the next answer (the last one repeats), as SSM's JSON
// protocol, and records it.
func server(t *testing.T, answers ...answer) (*httptest.Server, func() []recorded) {
	return recordingServer(t, map[string]string{"Content-Type": "application/x-amz-json-1.1"}, answers...)
}

// recordingServer answers each request with the next answer (the last one repeats), after the
// default headers, and records it. An answer with status -1 drops the connection; a HEAD answer
// carries its body's length.
func recordingServer(t *testing.T, defaults map[string]string, answers ...answer) (*httptest.Server, func() []recorded) {
	var mu sync.Mutex
	var got []recorded
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, recorded{r.Method, r.URL.Path, r.Header.Clone(), b, r.Host})
		a := answers[min(len(got), len(answers))-1]
		mu.Unlock()
		if a.status < 0 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		for k, v := range defaults {
			w.Header().Set(k, v)
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []recorded {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
}

var creds = credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token")

// noDelay is the standard retryer without its backoff, so that retries take no time.
func noDelay() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

func sdkClient(url string) *ssm.Client {
	return ssm.New(ssm.Options{Region: "eu-west-1", BaseEndpoint: aws.String(url), Credentials: creds, Retryer: noDelay()})
}

func ourClient(url string) *awsenv.SSM {
	return awsenv.NewSSM(aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(url), Credentials: creds, Retryer: noDelay})
}

const okBody = `{"Parameter":{"Name":"/p","Type":"SecureString","Value":"v","Version":3}}`

func TestGetParameterRequestMatchesSDK(t *testing.T) {
	srv, got := server(t, answer{200, nil, okBody})
	ctx := context.Background()
	if _, err := sdkClient(srv.URL).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/p"), WithDecryption: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	sdk := got()
	p, err := ourClient(srv.URL).GetParameter(ctx, "/p", true)
	if err != nil {
		t.Fatal(err)
	}
	ours := got()
	if p.Value != "v" || p.Type != "SecureString" || p.Version != 3 {
		t.Errorf("parameter %+v", p)
	}
	if len(sdk) != 1 || len(ours) != 1 {
		t.Fatalf("requests: sdk %d, ours %d", len(sdk), len(ours))
	}
	a, b := sdk[0], ours[0]
	if a.method != b.method || a.path != b.path {
		t.Errorf("request line: sdk %s %s, ours %s %s", a.method, a.path, b.method, b.path)
	}
	for _, h := range []string{"X-Amz-Target", "Content-Type", "X-Amz-Security-Token"} {
		if a.header.Get(h) != b.header.Get(h) || b.header.Get(h) == "" {
			t.Errorf("%s: sdk %q, ours %q", h, a.header.Get(h), b.header.Get(h))
		}
	}
	var ja, jb map[string]any
	if json.Unmarshal(a.body, &ja) != nil || json.Unmarshal(b.body, &jb) != nil || !equalJSON(ja, jb) {
		t.Errorf("body: sdk %s, ours %s", a.body, b.body)
	}
	// Same credential scope and the same signed headers (the SDK also signs its own
	// amz-sdk-* headers, which we do not send).
	sa, sb := scope(a.header.Get("Authorization")), scope(b.header.Get("Authorization"))
	if sa != sb || !strings.Contains(sb, "/eu-west-1/ssm/aws4_request") {
		t.Errorf("credential scope: sdk %q, ours %q", sa, sb)
	}
	for _, h := range []string{"content-type", "host", "x-amz-date", "x-amz-security-token", "x-amz-target"} {
		if !strings.Contains(signedHeaders(b.header.Get("Authorization")), h) {
			t.Errorf("%s is not signed: %s", h, b.header.Get("Authorization"))
		}
	}
	// Both signatures verify the same way, so a body or header changed after signing would show.
	for name, r := range map[string]recorded{"sdk": a, "ours": b} {
		if err := verify(r); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func scope(auth string) string {
	_, rest, _ := strings.Cut(auth, "Credential=")
	s, _, _ := strings.Cut(rest, ",")
	return s
}

func signedHeaders(auth string) string {
	_, rest, _ := strings.Cut(auth, "SignedHeaders=")
	s, _, _ := strings.Cut(rest, ",")
	return s
}

// verify re-signs the recorded request with the headers it claims to sign, at the time it
// claims, and compares the signatures.
func verify(r recorded) error {
	auth := r.header.Get("Authorization")
	at, err := time.Parse("20060102T150405Z", r.header.Get("X-Amz-Date"))
	if err != nil {
		return err
	}
	req, _ := http.NewRequest(r.method, "http://"+r.host+r.path, bytes.NewReader(r.body))
	for _, h := range strings.Split(signedHeaders(auth), ";") {
		if h != "host" {
			req.Header.Set(h, r.header.Get(h))
		}
	}
	req.Header.Del("X-Amz-Security-Token") // the signer adds it from the credentials
	c, _ := creds.Retrieve(context.Background())
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, sha256Hex(r.body), "ssm", "eu-west-1", at); err != nil {
		return err
	}
	if got := req.Header.Get("Authorization"); got != auth {
		return errors.New("signature does not verify:\n sent " + auth + "\n want " + got)
	}
	return nil
}

func TestGetParameterErrorsMatchSDK(t *testing.T) {
	throttled := answer{400, nil, `{"__type":"ThrottlingException","message":"Rate exceeded"}`}
	tests := []struct {
		name     string
		answers  []answer
		wantCode string
		wantType any // the typed error ours must give, nil for *awsenv.APIError
		sdkType  any // the SDK's type for the same answer, nil for a generic smithy.APIError
		attempts int
	}{
		{"not found", []answer{{400, nil, `{"__type":"ParameterNotFound","message":""}`}}, "ParameterNotFound",
			&awsenv.ParameterNotFoundError{}, &types.ParameterNotFound{}, 1},
		{"not found, namespaced", []answer{{400, nil, `{"__type":"com.amazonaws.ssm#ParameterNotFound"}`}}, "ParameterNotFound",
			&awsenv.ParameterNotFoundError{}, &types.ParameterNotFound{}, 1},
		{"access denied in the header", []answer{{400, map[string]string{"X-Amzn-ErrorType": "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/"},
			`{"message":"User is not authorized to perform: ssm:GetParameter"}`}}, "AccessDeniedException", &awsenv.AccessDeniedError{}, nil, 1},
		{"bad key", []answer{{400, nil, `{"__type":"InvalidKeyId"}`}}, "InvalidKeyId", nil, &types.InvalidKeyId{}, 1},
		{"throttled then served", []answer{throttled, {200, nil, okBody}}, "", nil, nil, 2},
		{"throttled throughout", []answer{throttled}, "ThrottlingException", nil, nil, 3},
		{"server error throughout", []answer{{500, nil, `{"__type":"InternalServerError"}`}}, "InternalServerError", nil, &types.InternalServerError{}, 3},
		{"expired token", []answer{{400, nil, `{"__type":"ExpiredTokenException"}`}}, "ExpiredTokenException", nil, nil, 1},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := server(t, tt.answers...)
			_, sdkErr := sdkClient(srv.URL).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/p"), WithDecryption: aws.Bool(true)})
			sdkAttempts := len(got())
			_, err := ourClient(srv.URL).GetParameter(ctx, "/p", true)
			attempts := len(got())
			if attempts != tt.attempts || sdkAttempts != tt.attempts {
				t.Errorf("attempts: ours %d, sdk %d, want %d", attempts, sdkAttempts, tt.attempts)
			}
			if tt.wantCode == "" {
				if err != nil || sdkErr != nil {
					t.Errorf("ours %v, sdk %v", err, sdkErr)
				}
				return
			}
			var a, b smithy.APIError
			if !errors.As(sdkErr, &a) || !errors.As(err, &b) || a.ErrorCode() != tt.wantCode || b.ErrorCode() != tt.wantCode {
				t.Fatalf("code: sdk %v, ours %v, want %s", sdkErr, err, tt.wantCode)
			}
			if tt.sdkType != nil && !errorsAsType(sdkErr, tt.sdkType) {
				t.Errorf("the SDK does not read %s as %T: %v", tt.name, tt.sdkType, sdkErr)
			}
			if tt.wantType != nil && !errorsAsType(err, tt.wantType) {
				t.Errorf("want %T, got %T: %v", tt.wantType, err, err)
			}
			var api *awsenv.APIError
			if !errors.As(err, &api) || api.Code != tt.wantCode {
				t.Errorf("no *awsenv.APIError in %v", err)
			}
		})
	}
}

func errorsAsType(err error, target any) bool {
	switch target.(type) {
	case *awsenv.ParameterNotFoundError:
		var e *awsenv.ParameterNotFoundError
		return errors.As(err, &e) && e.Name == "/p"
	case *awsenv.AccessDeniedError:
		var e *awsenv.AccessDeniedError
		return errors.As(err, &e) && e.Name == "/p"
	case *types.ParameterNotFound:
		var e *types.ParameterNotFound
		return errors.As(err, &e)
	case *types.InvalidKeyId:
		var e *types.InvalidKeyId
		return errors.As(err, &e)
	case *types.InternalServerError:
		var e *types.InternalServerError
		return errors.As(err, &e)
	}
	return false
}

// The default endpoint per partition is what the SDK's own endpoint rules give.
func TestNewSSMEndpointMatchesSDK(t *testing.T) {
	for _, region := range []string{"us-east-1", "eu-central-2", "ap-southeast-7", "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1"} {
		want, err := ssm.NewDefaultEndpointResolverV2().ResolveEndpoint(context.Background(), ssm.EndpointParameters{Region: aws.String(region)})
		if err != nil {
			t.Fatal(err)
		}
		if got := awsenv.NewSSM(aws.Config{Region: region}).Endpoint; got != want.URI.String() {
			t.Errorf("%s: %s, the SDK says %s", region, got, want.URI.String())
		}
	}
}

func TestGetParameterNeverLeaksTheValue(t *testing.T) {
	srv, _ := server(t, answer{200, nil, `{"Parameter":{"Name":"/p","Type":"SecureString","Value":"s3cr3t-value"`}) // truncated
	_, err := ourClient(srv.URL).GetParameter(context.Background(), "/p", true)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("truncated answer: %v", err)
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
