package footprint

import (
	"strings"
	"testing"
)

// A log as the controller writes it (slog's text handler): kinds grouped by
// level and message in order of first sight, the last line of each kept,
// INFO and DEBUG left out.
func TestProblemsGroupsWarningsAndErrors(t *testing.T) {
	log := strings.Join([]string{
		`time=2026-12-05T10:00:00Z level=INFO msg="leader elected" id=a`,
		`time=2026-12-05T10:00:05Z level=WARN msg="keep-alive read failed" err="context deadline exceeded" window=15s`,
		`time=2026-12-05T10:00:06Z level=ERROR msg=shutdown err=boom`,
		`time=2026-12-05T10:00:20Z level=WARN msg="keep-alive read failed" err="bad_data: \"x\" level=ERROR" window=30s`,
		`time=2026-12-05T10:00:21Z level=DEBUG msg="keep-alive read failed"`,
		``,
	}, "\n")
	got := problems(log)
	if len(got) != 2 {
		t.Fatalf("%d kinds, want 2: %+v", len(got), got)
	}
	if p := got[0]; p.level != "WARN" || p.msg != "keep-alive read failed" || p.count != 2 || !strings.Contains(p.last, "window=30s") {
		t.Errorf("first kind %+v, want the WARN twice, last with window=30s", p)
	}
	if p := got[1]; p.level != "ERROR" || p.msg != "shutdown" || p.count != 1 {
		t.Errorf("second kind %+v, want ERROR shutdown once", p)
	}
}

// A key inside another key's name or value is not the key: "level=ERROR"
// quoted in an error, or "xlevel", does not make an INFO line an error.
func TestLogfmtValueFindsTheKeyNotItsText(t *testing.T) {
	for _, c := range []struct{ line, key, want string }{
		{`a=1 err="level=ERROR" level=INFO`, "level", "INFO"},
		{`xlevel=ERROR level=WARN`, "level", "WARN"},
		{`msg="say \"hi\" twice" level=WARN`, "msg", `say "hi" twice`},
		{`msg="unterminated`, "msg", "unterminated"},
		{`nothing here`, "level", ""},
	} {
		if got := logfmtValue(c.line, c.key); got != c.want {
			t.Errorf("logfmtValue(%q, %q) = %q, want %q", c.line, c.key, got, c.want)
		}
	}
}

// A long line is cut in its middle, and says by how much: its head (the
// message) and its tail (the error's cause) stay.
func TestClipSaysWhatItLeftOut(t *testing.T) {
	if got := clip("msg=failed query=0123456789 err=deadline", 24); got != "msg=failed q …(16 bytes left out)… err=deadline" {
		t.Errorf("clip = %q", got)
	}
	if got := clip("short", 10); got != "short" {
		t.Errorf("clip = %q", got)
	}
}
