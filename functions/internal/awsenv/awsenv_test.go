package awsenv_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/skeinhq/skein/functions/internal/awsenv"
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

func ssmClient(srv *httptest.Server) awsenv.ParameterGetter {
	return awsenv.NewSSM(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
}

func TestVendorToken(t *testing.T) {
	ctx := context.Background()
	tok, err := awsenv.VendorToken(ctx, ssmClient(ssmServer(t, parameter("SecureString", "s3cr3t"))), tokenParam)
	if err != nil || tok != "s3cr3t" {
		t.Fatalf("%q %v", tok, err)
	}
	_, err = awsenv.VendorToken(ctx, ssmClient(ssmServer(t, parameter("String", "s3cr3t"))), tokenParam)
	if err == nil || !strings.Contains(err.Error(), "must be a SecureString") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("plain String parameter: %v", err)
	}
	_, err = awsenv.VendorToken(ctx, ssmClient(ssmServer(t, parameter("SecureString", ""))), tokenParam)
	if err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("empty parameter: %v", err)
	}
	_, err = awsenv.VendorToken(ctx, ssmClient(ssmServer(t, parameter("SecureString", "x"))), "/other")
	var nf *types.ParameterNotFound
	if err == nil || !strings.Contains(err.Error(), "/other") || !errors.As(err, &nf) {
		t.Errorf("missing parameter: %T %v", err, err)
	}
	denied := ssmServer(t, func(w http.ResponseWriter, _ string) {
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"__type":"AccessDeniedException","message":"not authorized to perform ssm:GetParameter"}`)
	})
	_, err = awsenv.VendorToken(ctx, ssmClient(denied), tokenParam)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Errorf("refusal: %T %v", err, err)
	}
}

// An answer cut short fails without the part of the value that did arrive in the error.
func TestVendorTokenNeverLeaksTheValue(t *testing.T) {
	srv := ssmServer(t, func(w http.ResponseWriter, _ string) {
		_, _ = io.WriteString(w, `{"Parameter":{"Name":"/p","Type":"SecureString","Value":"s3cr3t-value"`)
	})
	_, err := awsenv.VendorToken(context.Background(), ssmClient(srv), tokenParam)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("truncated answer: %v", err)
	}
}

func TestVarsReportEverythingAtOnce(t *testing.T) {
	v := awsenv.FromMap(map[string]string{"N": "0", "B": "maybe", "LOG_LEVEL": "loud", "OK": "7"})
	v.Required("DATA_BUCKET", "the data bucket")
	v.Int("N", 1, 1, 100)
	v.Bool("B")
	v.Level()
	if got := v.Int("OK", 1, 1, 10); got != 7 {
		t.Errorf("OK=%d", got)
	}
	if got := v.Int("UNSET", 3, 1, 10); got != 3 {
		t.Errorf("default %d", got)
	}
	err := v.Err()
	for _, want := range []string{"env DATA_BUCKET is required", `env N must be an integer 1..100, got "0"`, `env B must be true or false, got "maybe"`, `LOG_LEVEL must be DEBUG, INFO, WARN or ERROR, got "loud"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}
