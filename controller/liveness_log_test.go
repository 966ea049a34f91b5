package controller

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestHealthzFailureIsLogged: the reason /healthz fails is in the log once
// when it starts failing, not at every probe, and its recovery once. The
// kubelet's event says only "statuscode: 503"; without a log line the
// previous container's logs (kubectl logs --previous) did not say why the
// livenessProbe restarted it.
//
// Seen failing with the handler calling Live directly (no log): "log holds
// 0 WARN lines about /healthz, want 1".
func TestHealthzFailureIsLogged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig() // scaler.interval 2s, liveness.max_inactivity 10m
		l := newLive(t, cfg, 3, nil)
		defer l.end()
		var out teststack.SyncBuffer // the loops' goroutines log too
		l.ctl.log = slog.New(slog.NewTextHandler(&out, nil))
		l.act()
		l.stays(2*time.Minute, "leading")
		l.p.hang.Store(true)
		time.Sleep(11 * time.Minute)
		for range 5 { // probes every 10s, as the chart's livenessProbe
			if code, _ := l.healthz(); code != http.StatusServiceUnavailable {
				t.Fatalf("/healthz %d after the pass hung 11m, want 503", code)
			}
			time.Sleep(10 * time.Second)
		}
		warns := linesWith(out.String(), "level=WARN", "/healthz")
		if len(warns) != 1 || !strings.Contains(warns[0], "no scaler pass completed") {
			t.Fatalf("log holds %d WARN lines about /healthz, want 1 naming the stalled scaler: %q", len(warns), warns)
		}
		l.p.hang.Store(false) // the hung listings return; the loops go round again
		for released := true; released; {
			select {
			case l.p.release <- struct{}{}:
			default:
				released = false
			}
		}
		synctest.Wait()
		time.Sleep(5 * time.Second)
		for range 3 {
			if code, body := l.healthz(); code != http.StatusOK {
				t.Fatalf("/healthz %d %q once the pass completed again, want 200", code, body)
			}
		}
		if infos := linesWith(out.String(), "level=INFO", "/healthz"); len(infos) != 1 {
			t.Fatalf("log holds %d INFO lines about /healthz passing again, want 1: %q", len(infos), infos)
		}
	})
}

func linesWith(log string, subs ...string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		ok := line != ""
		for _, s := range subs {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}
