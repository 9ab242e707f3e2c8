package vendortest

import (
	"syscall"
	"time"
)

// sleepExactly blocks the calling thread for d with nanosleep(2), which the kernel ends within
// its timer slack (50 µs by default), where a runtime timer may end a whole millisecond late.
func sleepExactly(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for ts.Sec > 0 || ts.Nsec > 0 {
		var left syscall.Timespec
		if err := syscall.Nanosleep(&ts, &left); err != syscall.EINTR {
			return
		}
		ts = left
	}
}
