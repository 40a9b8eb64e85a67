package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows how far a perf run is: a progress bar when w is a terminal, else a
// plain line "N/TOTAL msgs" every second.
type progress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	total int64
	label string
	n     int64
	last  time.Time // when the progress was last shown
}

func newProgress(w io.Writer, total int64, label string) *progress {
	p := &progress{w: w, total: total, label: label, last: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("msgs"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// set records that n messages are done.
func (p *progress) set(n int64) {
	p.n = n
	if n%64 != 0 && n != p.total {
		return // look at the clock only now and then
	}
	now := time.Now()
	switch {
	case p.bar != nil:
		if now.Sub(p.last) >= 100*time.Millisecond {
			_ = p.bar.Set64(n)
			p.last = now
		}
	case now.Sub(p.last) >= time.Second:
		fmt.Fprintf(p.w, "%s: %d/%d msgs\n", p.label, n, p.total)
		p.last = now
	}
}

// finish ends the display: the bar is cleared, the plain output gets a last line.
func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Set64(p.n)
		_ = p.bar.Finish()
		_ = p.bar.Clear()
		return
	}
	fmt.Fprintf(p.w, "%s: %d/%d msgs\n", p.label, p.n, p.total)
}
