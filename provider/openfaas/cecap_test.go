package openfaas

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestScaleAboveCECapIsCappedAndReported: OpenFaaS CE runs at most 5
// replicas of a function (the CE gateway clamps a scale to [1, 5],
// faas-netes CE caps at 5) and answers 2xx. A scale to 10 used to "succeed"
// while 5 ran: the actuator recorded 10, read 5 at the next pass and asked
// for 10 again, at every pass, and the operator was never told. Now the
// client sends 5 itself (the most CE will run, so no capacity is lost) and
// returns a *provider.RefusedError for 10, which the actuator holds off for
// its refused back-off; one WARN names the cap and --provider kubernetes.
//
// Seen failing before the cap: "Scale(10) through CE gateway in front of
// faas-netes CE = <nil>; want a *provider.RefusedError for 10 naming the CE
// cap (provider at 5 replicas)".
func TestScaleAboveCECapIsCappedAndReported(t *testing.T) {
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	for _, tc := range []struct {
		name string
		kind personality
		info string
		ce   bool // the CE gateway is in front
	}{
		{"CE gateway in front of faas-netes CE", faasNetes, gatewayInfoCE, true},
		// faasd CE answering itself was a case here too; faasd runs one
		// replica of a function, capped at 1 (faasd_cap_test.go).
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(tc.kind)
			g.ceGateway = tc.ce
			g.info = []byte(tc.info)
			g.deploy(fig("openfaas-fn", 3))
			var logs bytes.Buffer
			cl := newTestClient(t, g.start(t, "").URL, func(c *Config) {
				c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			for range 2 {
				err := cl.Scale(t.Context(), ref, 10)
				var refused *provider.RefusedError
				if !errors.As(err, &refused) || refused.Replicas != 10 || refused.Ref != ref ||
					!strings.Contains(refused.Message, "OpenFaaS CE") || !strings.Contains(refused.Message, "at most 5") {
					t.Fatalf("Scale(10) through %s = %v; want a *provider.RefusedError for 10 naming the CE cap (provider at %d replicas)",
						tc.name, err, g.replicas(ref))
				}
				if provider.IsZeroRefused(err) {
					t.Errorf("IsZeroRefused(%v) = true for a refusal of 10", err)
				}
			}
			if got := g.replicas(ref); got != 5 {
				t.Errorf("provider at %d replicas, want 5 (the CE cap, sent instead of 10)", got)
			}
			if n := g.requestCount(); n != 2 {
				t.Errorf("%d scale requests, want 2 (the client does not remember; the actuator does)", n)
			}
			// Zero is refused too; still one WARN about the edition in all.
			if err := cl.Scale(t.Context(), ref, 0); !provider.IsZeroRefused(err) {
				t.Errorf("Scale(0) = %v, want refused", err)
			}
			out := logs.String()
			if n := strings.Count(out, "level=WARN"); n != 1 || !strings.Contains(out, "at most 5 replicas") ||
				!strings.Contains(out, "--provider kubernetes") {
				t.Errorf("log:\n%s\nwant one WARN naming the cap of 5 and --provider kubernetes", out)
			}
			// Within the cap nothing changes and the edition is not read.
			g.mu.Lock()
			infos := g.infos
			g.mu.Unlock()
			if err := cl.Scale(t.Context(), ref, 4); err != nil || g.replicas(ref) != 4 {
				t.Errorf("Scale(4) = %v, provider at %d; want 4", err, g.replicas(ref))
			}
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.infos != infos {
				t.Errorf("Scale(4) read /system/info; only counts the edition limits should")
			}
		})
	}
}

// TestScaleAboveFiveWhenNotCE: a provider that is not CE, or whose edition
// cannot be read, gets the count asked for.
func TestScaleAboveFiveWhenNotCE(t *testing.T) {
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	for name, info := range map[string][]byte{"another provider": []byte(providerInfo), "no info route": nil} {
		t.Run(name, func(t *testing.T) {
			g := newFakeGateway(faasd)
			g.info = info
			g.deploy(fig("openfaas-fn", 3))
			cl := newTestClient(t, g.start(t, "").URL, nil)
			if err := cl.Scale(t.Context(), ref, 10); err != nil || g.replicas(ref) != 10 {
				t.Errorf("Scale(10) = %v, provider at %d; want 10", err, g.replicas(ref))
			}
		})
	}
}

// TestActuatorDoesNotAskAgainAboveCECap: through the actuator, the capped
// count is asked for once; the next pass's intent for it (made on the 5 the
// function now has) is dropped as refused, with no request sent.
//
// Seen failing before the cap: "outcomes [{... 3→10 ... Code:applied ...}
// {... 5→10 ... Code:applied ...}]; want two "refused"": both passes sent
// a scale to 10, and the function ran 5.
func TestActuatorDoesNotAskAgainAboveCECap(t *testing.T) {
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	g := newFakeGateway(faasNetes)
	g.ceGateway = true
	g.info = []byte(gatewayInfoCE)
	g.deploy(fig("openfaas-fn", 3))
	cl := newTestClient(t, g.start(t, "").URL, nil)
	cfg := actuator.Default()
	cfg.Provider = cl
	a, err := actuator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []actuator.Outcome
	for _, from := range []uint64{3, 5} { // the scaler reads 5 at the second pass
		a.Submit(t.Context(), actuator.Intent{Ref: ref, From: from, To: 10, Who: actuator.Scaler, Observed: time.Now()},
			func(o actuator.Outcome) { outcomes = append(outcomes, o) })
	}
	if len(outcomes) != 2 || outcomes[0].Code != actuator.CodeRefused || outcomes[1].Code != actuator.CodeRefused {
		t.Fatalf("outcomes %+v; want two %q", outcomes, actuator.CodeRefused)
	}
	if !strings.Contains(outcomes[0].Reason, "at most 5") {
		t.Errorf("first outcome's reason %q does not name the CE cap", outcomes[0].Reason)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if n := len(g.scales); n != 1 || g.fns[ref].Replicas != 5 {
		t.Errorf("%d scale requests for two passes, provider at %d; want 1 and 5", n, g.fns[ref].Replicas)
	}
}
