package main

import (
	"encoding/json"
	"testing"
	"time"
)

// TestFunctionsFileRunsTheEmbeddedSource: with --provider memory
// --functions-file the controller holds the functions with a gateway
// simulated in the process and the embedded source reading it. Found by a
// review: wireEmbedded returned before adding the two's Run, so the source
// never scraped and every read was missing; a function opted in to zero
// with a 2s zero-duration and no invocation at all was never idled (and the
// scaler had no load for any).
func TestFunctionsFileRunsTheEmbeddedSource(t *testing.T) {
	fns := writeTemp(t, "functions", "fn-a:com.openfaas.scale.zero=true,com.openfaas.scale.zero-duration=2s\n")
	cfg := writeTemp(t, "config.yaml", "idler:\n  schedule: \"@every 1s\"\n")
	addr, _ := startRun(t, nil, "--provider", "memory", "--functions-file", fns, "--config", cfg,
		"--duration", "60s", "--log-level", "warn")
	var body string
	deadline := time.Now().Add(50 * time.Second) // 5 s scrapes: the window the idler asks covers several
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		body = get(t, "http://"+addr+"/api/v1/functions/openfaas-fn/fn-a")
		var f struct {
			Replicas *uint64 `json:"replicas"`
		}
		if json.Unmarshal([]byte(body), &f) == nil && f.Replicas != nil && *f.Replicas == 0 {
			return
		}
	}
	t.Errorf("--provider memory --functions-file: a function with zero=true, zero-duration=2s and no invocation is not idled after 50 s (idler every 1s); its explanation:\n%s", body)
}
