//go:build !linux

package vendortest

import "time"

// sleepExactly blocks for d; only Linux has a finer sleep than the runtime's timers.
func sleepExactly(d time.Duration) { time.Sleep(d) }
