package check

import (
	"errors"
	"testing"
	"time"
)

func TestErrors(t *testing.T) {
	c := New("queue", "jobs")
	c.Int("MaxReceiveCount", 0, 1, 1000)
	c.Int("BatchSize", 10, 1, 10000)
	c.Duration("Timeout", 1500*time.Millisecond, time.Second, 900*time.Second, time.Second)
	c.OneOf("Architecture", "mips", "arm64", "x86_64")
	err := c.Err()
	if c.Len() != 3 {
		t.Fatalf("got %d problems, want 3: %v", c.Len(), err)
	}
	want := `queue "jobs": MaxReceiveCount must be 1..1000, got 0
queue "jobs": Timeout must be a whole number of 1s, got 1.5s
queue "jobs": Architecture must be one of arm64, x86_64, got "mips"`
	if err.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", err, want)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "MaxReceiveCount" {
		t.Errorf("errors.As: got %+v", fe)
	}
	if New("x", "y").Err() != nil {
		t.Error("no problems must give a nil error")
	}
}
