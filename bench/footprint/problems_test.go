package footprint

import (
	"fmt"
	"strings"
	"testing"
)

// problem is one kind of warning or error in the controller's log: its
// level and message, how many lines carried it, and the last of them (the
// attributes name what failed: a feeder read's error, a query's window).
type problem struct {
	level, msg string
	count      int
	last       string
}

// maxProblemLine bounds a quoted log line: an error can carry a whole
// answer's excerpt, and the harness prints one line per kind.
const maxProblemLine = 600

// problems groups the WARN and ERROR lines of a text-format slog log by
// level and message, in the order each kind first appeared. A long run's
// figures are only as good as the reads behind them: a failed feeder read
// counted by faas_autoscaler_keepalive_reads_total says that it failed,
// its log line says why (session 35's 100,000-function run lost one read
// and could not say).
func problems(log string) []problem {
	var out []problem
	at := map[string]int{}
	for line := range strings.SplitSeq(log, "\n") {
		level := logfmtValue(line, "level")
		if level != "WARN" && level != "ERROR" {
			continue
		}
		msg := logfmtValue(line, "msg")
		key := level + "\x00" + msg
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, problem{level: level, msg: msg})
		}
		out[i].count++
		out[i].last = clip(line, maxProblemLine)
	}
	return out
}

// logfmtValue is key's value in a slog text line: up to the next space, or
// the quoted string (Go-quoted by slog, so \" does not end it). "" when the
// line has no such key. The first key= after a space or at the start is
// taken: slog writes time, level and msg before any attribute, so a value
// that quotes " level=ERROR" comes after the real one.
func logfmtValue(line, key string) string {
	rest := line
	for {
		i := strings.Index(rest, key+"=")
		if i < 0 {
			return ""
		}
		if i > 0 && rest[i-1] != ' ' {
			rest = rest[i+len(key)+1:] // inside another key or value
			continue
		}
		v := rest[i+len(key)+1:]
		if !strings.HasPrefix(v, `"`) {
			end, _, _ := strings.Cut(v, " ")
			return end
		}
		for j := 1; j < len(v); j++ {
			switch v[j] {
			case '\\':
				j++
			case '"':
				return strings.ReplaceAll(v[1:j], `\"`, `"`)
			}
		}
		return v[1:] // unterminated: what there is
	}
}

// clip cuts s to about n bytes, keeping its head and its tail and saying
// how much it left out between them: an error's cause ("context deadline
// exceeded") is at the end of a line whose middle is a long query.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	head, tail := n/2, n-n/2
	return fmt.Sprintf("%s …(%d bytes left out)… %s", s[:head], len(s)-n, s[len(s)-tail:])
}

// logProblems logs the controller's warnings and errors by kind: count and
// the last line of each (none: says so).
func logProblems(t *testing.T, log string) {
	t.Helper()
	ps := problems(log)
	if len(ps) == 0 {
		t.Logf("controller log: no warnings or errors")
		return
	}
	for _, p := range ps {
		t.Logf("controller log: %s %q ×%d; last: %s", p.level, p.msg, p.count, p.last)
	}
}
