package pace_test

import (
	"context"
	"fmt"

	"github.com/skeinhq/skein/functions/pace"
)

// A handler reads its share of the budget once at start-up (here from a map standing in for
// os.LookupEnv) and makes a fresh pacer for every invocation; every call waits for it.
func ExampleFromEnv() {
	env := map[string]string{"SKEIN_BUDGET": "vendor", "SKEIN_BUDGET_RATE": "19.6", "SKEIN_BUDGET_CALLS": "2"}
	cfg, err := pace.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg)

	p := cfg.New() // per invocation: an empty bucket
	release, err := p.Acquire(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	// ... the call ...
	release()

	_, err = pace.FromEnv(func(k string) (string, bool) { return map[string]string{"SKEIN_BUDGET_RATE": "fast"}[k], true })
	fmt.Println(err)
	// Output:
	// vendor: 19.6/s burst 1, 2 calls at once
	// env SKEIN_BUDGET_RATE must be a decimal number of calls per second above 0 (unset means no rate limit), got "fast"
}
