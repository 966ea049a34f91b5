package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim/synth"
)

// checkNumbers refuses the numeric flags sim.Config.Validate would, naming
// the flag (Validate's messages name its fields: "concurrency = 0", or
// "from-minute = 0, minutes = -1 and workers = 0" for any of three flags).
func (o simOptions) checkNumbers() error {
	c := o.cfg
	var errs []error
	if c.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("--concurrency %d: want at least 1 request per replica", c.Concurrency))
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--cold-start", c.ColdStart}, {"--cold-start-per-gb", c.ColdStartPerGB}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s %s: must not be negative", d.flag, d.v))
		}
	}
	if c.DefaultExec <= 0 {
		errs = append(errs, fmt.Errorf("--default-exec %s: want a duration above 0", c.DefaultExec))
	}
	for _, n := range []struct {
		flag, want string
		v          int
	}{
		{"--from-minute", "a minute of the trace, from 0", c.FromMinute},
		{"--minutes", "a number of minutes, or 0 to the end", c.Minutes},
		{"--workers", "a number of functions, or 0 for GOMAXPROCS", c.Workers},
	} {
		if n.v < 0 {
			errs = append(errs, fmt.Errorf("%s %d: want %s", n.flag, n.v, n.want))
		}
	}
	return errors.Join(errs...)
}

// checkPaths refuses, before a replay that can take hours, the input files
// that do not exist and the output files that cannot be written: the
// outputs were opened only after the replay, so a typo in a folder name
// lost its results. Two outputs naming one file are refused too (the
// second overwrote the first).
func (o simOptions) checkPaths() error {
	if !strings.HasPrefix(o.traceDir, synth.Prefix) {
		if _, err := os.Stat(o.traceDir); err != nil {
			return fmt.Errorf("--trace %s: %w", o.traceDir, withoutPath(o.traceDir, err))
		}
	}
	for _, p := range o.include {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("--include %s: %w", p, withoutPath(p, err))
		}
	}
	// Nothing is written over the trace being read (a review's finding:
	// `--write-trace` naming the --trace folder replaced its
	// invocations.csv with the sample, exit 0).
	if o.writeTrace != "" && sameFile(o.writeTrace, o.traceDir) {
		return fmt.Errorf("--write-trace %s: is the --trace folder; writing there would replace the trace it reads (give another folder)", o.writeTrace)
	}
	seen := map[string]string{} // cleaned path → flag
	for _, out := range []struct{ flag, path string }{
		{"--csv", o.csvPath}, {"--functions-csv", o.fnCSV}, {"--json", o.jsonPath},
		{"--svg", o.svgPath}, {"--timeline-svg", o.timelineSVG},
	} {
		if out.path == "" {
			continue
		}
		if sameFile(filepath.Dir(out.path), o.traceDir) && fileExists(out.path) {
			return fmt.Errorf("%s %s: is a file of the --trace folder; writing it would change the trace it reads", out.flag, out.path)
		}
		clean := filepath.Clean(out.path)
		if other, ok := seen[clean]; ok {
			return fmt.Errorf("%s %s: %s writes that file too; give each output its own file", out.flag, out.path, other)
		}
		seen[clean] = out.flag
		if err := simCheckWritable(out.path); err != nil {
			return fmt.Errorf("%s %s: %w", out.flag, out.path, err)
		}
	}
	return nil
}

// simCheckWritable opens path for writing without truncating it, and
// removes it again when it did not exist before. A device or a named pipe
// (/dev/stdout, a FIFO) is left to the write itself: opening and closing
// a FIFO here would end its reader's input before the results come.
func simCheckWritable(path string) error {
	info, err := os.Stat(path)
	existed := err == nil
	if existed && info.IsDir() {
		return errors.New("is a folder; want a file")
	}
	if existed && !info.Mode().IsRegular() {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return withoutPath(path, err)
	}
	f.Close()
	if !existed {
		os.Remove(path)
	}
	return nil
}

// sameFile reports whether paths a and b name one existing file or folder.
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// fileExists reports whether path names an existing regular file.
func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
