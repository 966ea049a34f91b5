package alerts

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRotationSeenThroughAWrongPasswordStorm: a client sends a wrong
// password every second (a stale AlertManager replica, a scanner) while
// the Secret is rotated. Each wrong request inside SecretsRecheck found
// the re-read too soon, so the rotated password that AlertManager then
// sent was refused with 401, which AlertManager does not retry, for as
// long as the storm went on. With the files' stamp the change is read at
// the first request after it; unchanged files are still read at most once
// per SecretsRecheck, however many wrong requests come.
//
// Seen failing with the stamp ignored in reread (the throttle alone, as
// before): "the rotated password during the storm: 401, want 200".
func TestRotationSeenThroughAWrongPasswordStorm(t *testing.T) {
	dir := t.TempDir()
	write := func(pass string) { t.Helper(); swapSecretFiles(t, dir, pass) }
	write("s3cret")
	reads := 0
	clk := &movableClock{t: testTime}
	send := stampedWebhook(t, dir, clk, &reads)
	// The storm on unchanged files: one read in the first SecretsRecheck.
	for i := 0; i < 5; i++ {
		if code := send("guess"); code != http.StatusUnauthorized {
			t.Fatalf("a wrong password: %d, want 401", code)
		}
		clk.add(time.Second)
	}
	if reads != 1 {
		t.Fatalf("five wrong passwords in %v on unchanged files read them %d times, want once", 5*time.Second, reads)
	}
	write("r0tated")
	if code := send("guess"); code != http.StatusUnauthorized {
		t.Fatalf("a wrong password after the rotation: %d, want 401", code)
	}
	clk.add(time.Second)
	if code := send("r0tated"); code != http.StatusOK {
		t.Fatalf("the rotated password during the storm: %d, want 200", code)
	}
	if reads != 2 {
		t.Fatalf("the files were read %d times, want twice (once more for the rotation)", reads)
	}
	// The old password: accepted for RotationGrace after the change (a
	// sender's copy of the Secret is updated up to a kubelet sync later),
	// refused after it.
	if code := send("s3cret"); code != http.StatusOK {
		t.Fatalf("the old password within RotationGrace: %d, want 200", code)
	}
	clk.add(RotationGrace)
	if code := send("s3cret"); code != http.StatusUnauthorized {
		t.Fatalf("the old password RotationGrace after the rotation: %d, want 401", code)
	}
	if code := send("r0tated"); code != http.StatusOK {
		t.Fatalf("the rotated password after the grace: %d, want 200", code)
	}
}

// TestFilesStampChangesWithTheFiles: the stamp differs after a file is
// replaced or removed and is stable while nothing changes.
func TestFilesStampChangesWithTheFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "basic-auth-password")
	if err := os.WriteFile(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	stamp := FilesStamp(p)
	a := stamp().Key
	if b := stamp().Key; a != b {
		t.Fatalf("the stamp of unchanged files moved: %q then %q", a, b)
	}
	if err := os.WriteFile(p, []byte("three"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := stamp().Key
	if b == a {
		t.Fatalf("the stamp did not change with the file's contents and size: %q", b)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if c := stamp().Key; c == b {
		t.Fatalf("the stamp did not change when the file went: %q", c)
	}
}

// swapSecretFiles writes the basic-auth files in dir (user admin, pass) as
// the kubelet does: new files renamed over the old, not rewritten in place.
func swapSecretFiles(t *testing.T, dir, pass string) {
	t.Helper()
	for name, v := range map[string]string{BasicAuthUserFile: "admin\n", BasicAuthPasswordFile: pass + "\n"} {
		tmp := filepath.Join(dir, name+".new")
		if err := os.WriteFile(tmp, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// stampedWebhook is a webhook on clk reading its basic-auth secrets from
// dir with FilesStamp, counting its reads in reads (nil: not counted); it
// returns a sender of one alert with user admin and a password.
func stampedWebhook(t *testing.T, dir string, clk *movableClock, reads *int) func(pass string) int {
	t.Helper()
	cfg := testConfig(&recordingSink{}, nil)
	cfg.Clock = clk
	cfg.Secrets = func() (string, string, string, error) {
		if reads != nil {
			*reads++
		}
		u, p, err := LoadCredentials(dir)
		return u, p, "", err
	}
	cfg.SecretsStamp = FilesStamp(filepath.Join(dir, BasicAuthUserFile), filepath.Join(dir, BasicAuthPasswordFile))
	h := newTestHandler(t, cfg)
	return func(pass string) int {
		r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(payload(alertJSON("firing", "a.fn", "1", ""))))
		r.SetBasicAuth("admin", pass)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
}
