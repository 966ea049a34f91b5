package testenv

import (
	"os"
	"strings"
	"testing"
)

// statusPage is a /proc/PID/status page as Linux writes it (trimmed).
const statusPage = `Name:	faas-autoscaler
State:	S (sleeping)
Pid:	4242
VmPeak:	 1402312 kB
VmSize:	 1334580 kB
VmHWM:	   51200 kB
VmRSS:	   45312 kB
RssAnon:	   38144 kB
RssFile:	    7168 kB
Threads:	9
`

// The page's figures are KiB as written ("kB" is 1024 bytes), VmRSS and
// VmHWM each in its own field, not VmPeak's or RssAnon's.
func TestParseMemStatus(t *testing.T) {
	m, err := ParseMemStatus(strings.NewReader(statusPage))
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS != 45312 || m.HWM != 51200 {
		t.Errorf("read %+v, want RSS 45312 KiB, HWM 51200 KiB", m)
	}
}

// A page without VmRSS (a zombie's, or not a status page) is an error,
// never a process of 0 KiB.
func TestParseMemStatusWithoutRSS(t *testing.T) {
	for _, page := range []string{"Name:\tx\nState:\tZ (zombie)\n", "VmRSS:\t12x kB\n"} {
		if m, err := ParseMemStatus(strings.NewReader(page)); err == nil {
			t.Errorf("%q: read %+v, want an error", page, m)
		}
	}
}

// The test process's own page parses: the format is the kernel's, not only
// the fixture's.
func TestReadMemStatusOfThisProcess(t *testing.T) {
	m, err := ReadMemStatus(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS == 0 || m.HWM < m.RSS {
		t.Errorf("this process: %+v, want a resident set and a high-water mark at least as large", m)
	}
}
