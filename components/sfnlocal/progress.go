package sfnlocal

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progress is the live one-line display: items done of total, in flight and failed, over every
// Map state of the execution. It redraws at most every 100 ms with a carriage return, and ends
// with a newline when the execution finishes.
type progress struct {
	w                             io.Writer
	total, done, inFlight, failed atomic.Int64
	transitions                   atomic.Int64
	start                         time.Time
	stop                          chan struct{}
	wg                            sync.WaitGroup
}

func newProgress(w io.Writer) *progress {
	if w == nil {
		return nil
	}
	p := &progress{w: w, start: time.Now(), stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.draw("\r")
			case <-p.stop:
				p.draw("\r")
				_, _ = fmt.Fprintln(p.w)
				return
			}
		}
	}()
	return p
}

func (p *progress) draw(prefix string) {
	el := time.Since(p.start).Seconds()
	done := p.done.Load()
	rate := 0.0
	if el > 0 {
		rate = float64(done) / el
	}
	_, _ = fmt.Fprintf(p.w, "%sitems %d/%d done, %d in flight, %d failed, %d transitions, %.1fs, %.0f items/s ",
		prefix, done, p.total.Load(), p.inFlight.Load(), p.failed.Load(), p.transitions.Load(), el, rate)
}

func (p *progress) close() {
	if p == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
}
