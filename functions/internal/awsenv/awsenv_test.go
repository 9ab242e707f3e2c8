package awsenv_test

import (
	"strings"
	"testing"

	"github.com/skeinhq/skein/functions/internal/awsenv"
)

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
