package local

import (
	"fmt"
	"time"

	"github.com/skeinhq/skein/infra/stack"
)

// Names in the stage's program that make local binds to.
const (
	vendorName  = stack.VendorName  // the worker every vendor call goes through
	refetchName = stack.RefetchName // the queue the vendor worker consumes
)

// Stage settings of the vendor's budget, for Options.Config.
const (
	KeyVendorConcurrency = stack.Namespace + ":" + stack.KeyVendorConcurrency
	KeyVendorRate        = stack.Namespace + ":" + stack.KeyVendorRate
)

// vendorLimits is the vendor's budget from the stage's settings: its concurrency and its rate
// (rate calls per per; rate 0 means none).
func vendorLimits(c *stack.Config) (concurrency, rate int, per time.Duration) {
	per = c.VendorRate.Per
	if per == 0 {
		per = time.Second
	}
	return c.VendorConcurrency, c.VendorRate.Requests, per
}

// BudgetString describes the vendor's budget: "10 at once, 200 per 1s".
func (e *Environment) BudgetString() string {
	conc, rate, per := vendorLimits(e.Config)
	if rate == 0 {
		return fmt.Sprintf("%d at once, no rate limit", conc)
	}
	return fmt.Sprintf("%d at once, %d per %v", conc, rate, per)
}
