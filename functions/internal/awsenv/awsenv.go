// Package awsenv is the start-up wiring shared by the handlers' main packages: reading and
// validating environment variables (every problem at once), building the AWS clients, and
// reading the vendor token from an SSM SecureString parameter once.
//
// # Defaults
//
// AWS configuration comes from the variables Lambda sets ([AWS]): region, the role's credentials,
// and endpoint overrides such as AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_SSM; retries are the
// SDK's default retryer. Nothing is read from shared config or credentials files, and no other
// credential provider is tried: config.LoadDefaultConfig and service/ssm (replaced by [SSM])
// made every handler's zip about 0.8 MB larger, and service/s3's client (replaced by [S3], which
// still takes service/s3's input and output structs) about 0.45 MB more.
//
// S3_USE_PATH_STYLE=true switches the S3 client to path-style addressing (local S3 servers).
// LOG_LEVEL is DEBUG, INFO (default), WARN or ERROR.
//
// # IAM
//
// [VendorToken] calls ssm:GetParameter with decryption: the function's role needs
// ssm:GetParameter on the parameter and kms:Decrypt on its key (aws/ssm by default).
package awsenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// Vars reads environment variables and collects every problem.
type Vars struct {
	lookup func(string) (string, bool)
	errs   []error
}

// FromOS reads the process environment.
func FromOS() *Vars { return &Vars{lookup: os.LookupEnv} }

// FromMap reads a map (tests).
func FromMap(m map[string]string) *Vars {
	return &Vars{lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

// Required returns a non-empty variable.
func (v *Vars) Required(name, what string) string {
	s, _ := v.lookup(name)
	if strings.TrimSpace(s) == "" {
		v.errs = append(v.errs, fmt.Errorf("env %s is required (%s)", name, what))
	}
	return s
}

// Int returns an optional integer in lo..hi; unset or empty means def.
func (v *Vars) Int(name string, def, lo, hi int) int {
	s, ok := v.lookup(name)
	if !ok || s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		v.errs = append(v.errs, fmt.Errorf("env %s must be an integer %d..%d, got %q", name, lo, hi, s))
		return def
	}
	return n
}

// Bool returns an optional boolean (strconv.ParseBool); unset or empty means false.
func (v *Vars) Bool(name string) bool {
	s, ok := v.lookup(name)
	if !ok || s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		v.errs = append(v.errs, fmt.Errorf("env %s must be true or false, got %q", name, s))
	}
	return b
}

// Level returns LOG_LEVEL.
func (v *Vars) Level() slog.Level {
	s, _ := v.lookup("LOG_LEVEL")
	switch strings.ToUpper(s) {
	case "", "INFO":
		return slog.LevelInfo
	case "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR":
		return slog.LevelError
	}
	v.errs = append(v.errs, fmt.Errorf("env LOG_LEVEL must be DEBUG, INFO, WARN or ERROR, got %q", s))
	return slog.LevelInfo
}

// Err returns every problem found, or nil.
func (v *Vars) Err() error { return errors.Join(v.errs...) }

// ParameterGetter reads SSM parameters (*SSM).
type ParameterGetter interface {
	GetParameter(ctx context.Context, name string, withDecryption bool) (*Parameter, error)
}

// VendorToken reads the SecureString parameter name with decryption. The value is returned,
// never logged or put in an error. A missing parameter is a *ParameterNotFoundError and a
// refusal an *AccessDeniedError, wrapped.
func VendorToken(ctx context.Context, c ParameterGetter, name string) (string, error) {
	p, err := c.GetParameter(ctx, name, true)
	if err != nil {
		return "", fmt.Errorf("reading the vendor token parameter %s: %w", name, err)
	}
	if p == nil || p.Value == "" {
		return "", fmt.Errorf("the vendor token parameter %s is empty", name)
	}
	if p.Type != "" && p.Type != "SecureString" {
		return "", fmt.Errorf("the vendor token parameter %s must be a SecureString, it is a %s", name, p.Type)
	}
	return p.Value, nil
}
