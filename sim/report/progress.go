package report

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Progress draws replays done on w: only when w is a terminal (mode "auto")
// or when asked ("always"), never into a pipe or a log file by surprise.
type Progress struct {
	w     io.Writer
	on    bool
	start time.Time
	mu    sync.Mutex
	last  time.Time
}

// NewProgress returns a progress bar for mode auto, always or never.
func NewProgress(w io.Writer, mode string) *Progress {
	on := mode == "always"
	if mode == "auto" {
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				on = true
			}
		}
	}
	return &Progress{w: w, on: on, start: time.Now()}
}

// Update is a sim.Progress.
func (p *Progress) Update(done, total int) {
	if !p.on || total == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if done < total && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	const width = 30
	n := done * width / total
	fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d replays %s", strings.Repeat("#", n), strings.Repeat(" ", width-n),
		done*100/total, done, total, now.Sub(p.start).Round(time.Second))
}

// Done ends the bar's line.
func (p *Progress) Done() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}
