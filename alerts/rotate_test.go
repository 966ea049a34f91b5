package alerts

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
)

// movableClock is a clock.Clock whose Now the test sets.
type movableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *movableClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *movableClock) NewTicker(time.Duration) clock.Ticker { panic("the handler never ticks") }

// TestRotatedSecretIsAccepted: OpenFaaS's basic-auth Secret is rotated in
// place and AlertManager, reading the same password file, sends the new
// password. The webhook kept the password read at start and answered 401
// until it was restarted, while every alert waited. After wrong credentials
// it now reads the files again (at most every SecretsRecheck) and accepts
// the new password; the old one is then refused, and files that became
// unusable keep the secrets in force.
//
// Seen failing with the re-read disabled: "a wrong password: the files are
// read, unchanged: code 401 with 0 reads of the files" (and without the
// read count, the rotated password got 401).
func TestRotatedSecretIsAccepted(t *testing.T) {
	dir := t.TempDir()
	write := func(pass string) {
		for name, v := range map[string]string{BasicAuthUserFile: "admin\n", BasicAuthPasswordFile: pass + "\n"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("s3cret")
	reads := 0
	clk := &movableClock{t: testTime}
	cfg := testConfig(&recordingSink{}, nil)
	cfg.Clock = clk
	cfg.Secrets = func() (string, string, string, error) {
		reads++
		u, p, err := LoadCredentials(dir)
		return u, p, "", err
	}
	h := newTestHandler(t, cfg)
	send := func(pass string) int {
		r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(payload(alertJSON("firing", "a.fn", "1", ""))))
		r.SetBasicAuth("admin", pass)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	steps := []struct {
		name      string
		advance   time.Duration
		rotate    string // the password written to the files first, if any
		pass      string
		wantCode  int
		wantReads int
	}{
		{"the password read at start", 0, "", "s3cret", 200, 0},
		{"a wrong password: the files are read, unchanged", 0, "", "new", 401, 1},
		{"rotated, but within the recheck interval", 5 * time.Second, "new", "new", 401, 1},
		{"after the rotation and the recheck interval", 5 * time.Second, "", "new", 200, 2},
		{"the old password is refused now", 0, "", "s3cret", 401, 2},
		{"files made unusable (empty password) keep the secrets in force", SecretsRecheck, " ", "", 401, 3},
		{"the rotated password still works", 0, "", "new", 200, 3},
	}
	for _, s := range steps {
		clk.add(s.advance)
		if s.rotate != "" {
			write(s.rotate)
		}
		if code := send(s.pass); code != s.wantCode || reads != s.wantReads {
			t.Fatalf("%s: code %d with %d reads of the files, want %d with %d", s.name, code, reads, s.wantCode, s.wantReads)
		}
	}
}

// TestRotatedPasswordAcceptedWhileAnotherRequestSwapsIt: two requests
// arrive with a rotated password at once (AlertManager flushes its groups
// concurrently). Both load the credentials in force, the old ones; the
// first re-reads the files and swaps the new ones in; the second, refused
// on the old ones, finds its own re-read too soon after the first's and
// was answered 401 on them, though the password it carries is the one in
// force by then. AlertManager does not retry a 401: its alerts were lost
// at every rotation. Now a request refused on credentials that were
// swapped since it loaded them is checked on those in force. The second
// request is played as it runs: it loaded the old credentials before the
// first's re-read (checkFrom).
//
// Seen failing before the fix (found by a review, racing a 16 MiB password
// against a wrong one; here with the old check restored): the second
// request, with the rotated password in force since the first's re-read:
// "wrong_credentials", want accepted
func TestRotatedPasswordAcceptedWhileAnotherRequestSwapsIt(t *testing.T) {
	cfg := testConfig(&recordingSink{}, nil)
	cfg.Secrets = func() (string, string, string, error) { return "admin", "rotated", "", nil }
	h := newTestHandler(t, cfg)
	ra := h.auth
	old := ra.current()
	request := func(pass string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, Path, nil)
		r.SetBasicAuth("admin", pass)
		return r
	}
	if why := ra.check(request("rotated"), testTime); why != "" { // the first request: refused, re-reads, swaps
		t.Fatalf("the first request, with the rotated password: %q, want accepted after its re-read", why)
	}
	if ra.current() == old {
		t.Fatal("setup: the first request's re-read swapped nothing in")
	}
	if why := ra.checkFrom(old, request("rotated"), testTime.Add(time.Second)); why != "" {
		t.Errorf("the second request, with the rotated password in force since the first's re-read: %q, want accepted", why)
	}
	if why := ra.check(request("s3cret"), testTime.Add(2*time.Second)); why == "" {
		t.Error("a request with the old password, after the swap: accepted, want refused")
	}
}
