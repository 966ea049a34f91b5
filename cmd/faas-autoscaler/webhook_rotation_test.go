package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWebhookSeesARotatedPasswordAtOnce: the webhook's secrets are read
// again when their files change, not only once per alerts.SecretsRecheck
// after wrong credentials (the old ones are taken for alerts.RotationGrace). A wrong password, then the Secret rotated, then
// the new password within the same ten seconds: answered 401 before (the
// re-read after the wrong password blocked the next for ten seconds), 200
// now that `run` hands the webhook its files' stamp.
//
// Seen failing with `wc.SecretsStamp` not set in newWebhook: "the rotated
// password just after a wrong one: 401".
func TestWebhookSeesARotatedPasswordAtOnce(t *testing.T) {
	dir := t.TempDir()
	write := func(pass string) {
		t.Helper()
		for name, v := range map[string]string{"basic-auth-user": "admin\n", "basic-auth-password": pass + "\n"} {
			tmp := filepath.Join(dir, "."+name)
			if err := os.WriteFile(tmp, []byte(v), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("s3cret")
	fns := writeTemp(t, "functions", "fn-a\n")
	addr, logs := startRun(t, nil, "--provider", "memory", "--functions-file", fns, "--webhook-auth", "basic",
		"--secret-mount-path", dir, "--duration", "30s", "--log-level", "warn")
	send := func(pass string) int {
		t.Helper()
		body := `{"receiver":"scaler","status":"resolved","alerts":[{"status":"resolved","labels":{"alertname":"FunctionLoadAboveTarget","function_name":"fn-a.openfaas-fn"},"annotations":{},"startsAt":"2026-11-26T14:55:36Z","endsAt":"2026-11-26T14:56:36Z","fingerprint":"f1"}],"version":"4"}`
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/system/alert", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("admin", pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send("guess"); code != http.StatusUnauthorized {
		t.Fatalf("a wrong password: %d, want 401\n%s", code, logs.String())
	}
	write("r0tated")
	if code := send("r0tated"); code == http.StatusUnauthorized {
		t.Fatalf("the rotated password just after a wrong one: %d\n%s", code, logs.String())
	}
	// Within alerts.RotationGrace of the change the old password is still
	// taken (AlertManager's copy of the Secret may lag a kubelet sync).
	if code := send("s3cret"); code == http.StatusUnauthorized {
		t.Fatalf("the old password just after the rotation: %d, want it taken within the grace", code)
	}
}
