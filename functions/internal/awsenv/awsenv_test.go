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

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/skeinhq/skein/functions/internal/awsenv"
)

// fakeSSM answers GetParameter in the SSM JSON protocol.
func fakeSSM(t *testing.T, typ, value string) *awsenv.SSM {
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
		if in.Name != "/skein/dev/vendor-token" {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"__type":"ParameterNotFound","message":"not found"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{"Name": in.Name, "Type": typ, "Value": value, "Version": 1}})
	}))
	t.Cleanup(srv.Close)
	return &awsenv.SSM{Region: "us-east-1", Endpoint: srv.URL,
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}
}

func TestVendorToken(t *testing.T) {
	ctx := context.Background()
	tok, err := awsenv.VendorToken(ctx, fakeSSM(t, "SecureString", "s3cr3t"), "/skein/dev/vendor-token")
	if err != nil || tok != "s3cr3t" {
		t.Fatalf("%q %v", tok, err)
	}
	_, err = awsenv.VendorToken(ctx, fakeSSM(t, "String", "s3cr3t"), "/skein/dev/vendor-token")
	if err == nil || !strings.Contains(err.Error(), "must be a SecureString") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("plain String parameter: %v", err)
	}
	_, err = awsenv.VendorToken(ctx, fakeSSM(t, "SecureString", "x"), "/other")
	var nf *awsenv.ParameterNotFoundError
	if err == nil || !strings.Contains(err.Error(), "/other") || !errors.As(err, &nf) || nf.Name != "/other" {
		t.Errorf("missing parameter: %v", err)
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
