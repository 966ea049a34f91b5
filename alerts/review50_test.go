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

// TestReview50RotatedOutPasswordIsRefused: the basic-auth Secret is rotated
// (the kubelet swaps new files in: the stamp, FilesStamp, changes), and the
// old password, the one being revoked, is presented. The handler re-reads the
// secrets only after a request with wrong credentials, so until some client
// happens to send a wrong password, the rotated-out password keeps being
// accepted, however long after the files changed: rotating a leaked
// password revokes nothing. The stamp makes the check cheap (a stat), and
// the files are known to have changed.
func TestReview50RotatedOutPasswordIsRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(pass string) {
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
	write("s3cret")
	clk := &movableClock{t: time.Now()} // the files' modification times are the wall clock's
	cfg := testConfig(&recordingSink{}, nil)
	cfg.Clock = clk
	cfg.Secrets = func() (string, string, string, error) {
		u, p, err := LoadCredentials(dir)
		return u, p, "", err
	}
	cfg.SecretsStamp = FilesStamp(filepath.Join(dir, BasicAuthUserFile), filepath.Join(dir, BasicAuthPasswordFile))
	h := newTestHandler(t, cfg)
	send := func(pass string) int {
		r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(payload(alertJSON("firing", "a.fn", "1", ""))))
		r.SetBasicAuth("admin", pass)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if code := send("s3cret"); code != http.StatusOK {
		t.Fatalf("control: the password in force: %d", code)
	}
	write("r0tated")
	clk.add(time.Hour)
	if code := send("s3cret"); code != http.StatusUnauthorized {
		t.Errorf("the rotated-out password an hour after the Secret's files changed: %d, want 401", code)
	}
	if code := send("r0tated"); code != http.StatusOK {
		t.Errorf("control: the new password: %d, want 200", code)
	}
}
