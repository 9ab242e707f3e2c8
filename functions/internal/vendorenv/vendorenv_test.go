package vendorenv_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/skeinhq/skein/functions/internal/awsenv"
	"github.com/skeinhq/skein/functions/internal/vendorenv"
)

const tokenParam = "/skein/dev/vendor-token"

// ssmServer answers GetParameter in the SSM JSON protocol with answer, after checking that the
// client asked for decryption.
func ssmServer(t *testing.T, answer func(w http.ResponseWriter, name string)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameter" {
			t.Errorf("target %q", r.Header.Get("X-Amz-Target"))
		}
		var in struct {
			Name           string
			WithDecryption bool
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &in)
		if !in.WithDecryption {
			t.Error("the token must be read WithDecryption")
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		answer(w, in.Name)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// parameter answers the token parameter with typ and value, anything else ParameterNotFound.
func parameter(typ, value string) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, name string) {
		if name != tokenParam {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"__type":"ParameterNotFound","message":"not found"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{"Name": name, "Type": typ, "Value": value, "Version": 1}})
	}
}

func ssmClient(srv *httptest.Server) vendorenv.ParameterGetter {
	return ssm.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
}

func TestToken(t *testing.T) {
	ctx := context.Background()
	tok, err := vendorenv.Token(ctx, ssmClient(ssmServer(t, parameter("SecureString", "s3cr3t"))), tokenParam)
	if err != nil || tok != "s3cr3t" {
		t.Fatalf("%q %v", tok, err)
	}
	_, err = vendorenv.Token(ctx, ssmClient(ssmServer(t, parameter("String", "s3cr3t"))), tokenParam)
	if err == nil || !strings.Contains(err.Error(), "must be a SecureString") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("plain String parameter: %v", err)
	}
	_, err = vendorenv.Token(ctx, ssmClient(ssmServer(t, parameter("SecureString", ""))), tokenParam)
	if err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("empty parameter: %v", err)
	}
	_, err = vendorenv.Token(ctx, ssmClient(ssmServer(t, parameter("SecureString", "x"))), "/other")
	var nf *types.ParameterNotFound
	if err == nil || !strings.Contains(err.Error(), "/other") || !errors.As(err, &nf) {
		t.Errorf("missing parameter: %T %v", err, err)
	}
	denied := ssmServer(t, func(w http.ResponseWriter, _ string) {
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"__type":"AccessDeniedException","message":"not authorized to perform ssm:GetParameter"}`)
	})
	_, err = vendorenv.Token(ctx, ssmClient(denied), tokenParam)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Errorf("refusal: %T %v", err, err)
	}
}

// An answer cut short fails without the part of the value that did arrive in the error.
func TestTokenNeverLeaksTheValue(t *testing.T) {
	srv := ssmServer(t, func(w http.ResponseWriter, _ string) {
		_, _ = io.WriteString(w, `{"Parameter":{"Name":"/p","Type":"SecureString","Value":"s3cr3t-value"`)
	})
	_, err := vendorenv.Token(context.Background(), ssmClient(srv), tokenParam)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("truncated answer: %v", err)
	}
}

// Every problem with the vendor settings is reported at once, before SSM is asked for anything.
func TestVendorReportsEverythingFirst(t *testing.T) {
	var calls atomic.Int32
	srv := ssmServer(t, func(w http.ResponseWriter, name string) { calls.Add(1); parameter("SecureString", "x")(w, name) })
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}
	v := awsenv.FromMap(map[string]string{"VENDOR_TOKEN_PARAM": tokenParam, "VENDOR_MAX_ATTEMPTS": "11", "VENDOR_PAGE_SIZE": "0"})
	_, err := vendorenv.Vendor(context.Background(), v, cfg)
	for _, want := range []string{"env VENDOR_URL is required", `VENDOR_MAX_ATTEMPTS must be an integer 1..10, got "11"`, `VENDOR_PAGE_SIZE must be an integer 1..1000, got "0"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	if calls.Load() != 0 {
		t.Errorf("%d SSM calls with invalid settings", calls.Load())
	}
	c, err := vendorenv.Vendor(context.Background(), awsenv.FromMap(map[string]string{"VENDOR_URL": "http://127.0.0.1:9", "VENDOR_TOKEN_PARAM": tokenParam}), cfg)
	if err != nil || c == nil || calls.Load() != 1 {
		t.Errorf("valid settings: %v, %d SSM calls", err, calls.Load())
	}
}
