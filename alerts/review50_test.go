package alerts

import (
	"net/http"
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
	write := func(pass string) { t.Helper(); swapSecretFiles(t, dir, pass) }
	write("s3cret")
	clk := &movableClock{t: time.Now()} // the files' modification times are the wall clock's
	send := stampedWebhook(t, dir, clk, nil)
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
