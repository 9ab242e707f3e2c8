// Package awsenv is the start-up wiring shared by the handlers' main packages: reading and
// validating environment variables (every problem at once), and building the AWS configuration
// and the SDK's S3 client. The vendor client and its token, read from SSM, are vendorenv's: a
// handler that does not call the vendor does not link service/ssm.
//
// # Defaults
//
// [AWS] is config.LoadDefaultConfig: the region and the role's credentials that Lambda puts in
// the environment (else the SDK's other providers), AWS_ENDPOINT_URL_<SERVICE> and
// AWS_ENDPOINT_URL overrides, AWS_RETRY_MODE and AWS_MAX_ATTEMPTS for the SDK's retryer, and
// every other setting the SDK reads, exactly as a user's own handler gets them. [NewS3] is
// service/s3's client from that configuration.
//
// S3_USE_PATH_STYLE=true switches the S3 client to path-style addressing (local S3 servers).
// LOG_LEVEL is DEBUG, INFO (default), WARN or ERROR.
package awsenv

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/skeinhq/skein/functions/pipeline/layout"
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
	s, _ := v.lookup(layout.EnvLogLevel)
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
	v.errs = append(v.errs, fmt.Errorf("env %s must be DEBUG, INFO, WARN or ERROR, got %q", layout.EnvLogLevel, s))
	return slog.LevelInfo
}

// Err returns every problem found, or nil.
func (v *Vars) Err() error { return errors.Join(v.errs...) }
