package faults

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/e2e"
	"github.com/faas-autoscaler/faas-autoscaler/internal/faultproxy"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

const (
	maxReplicas  = 10
	perReplica   = 50 * 0.9 // default target × proportion
	zeroDuration = 15 * time.Second
	// interval is the harness's scaler interval (e2e.TestTimings): "one evaluation".
	interval = 2 * time.Second
	// outage is longer than the down window (10 s) and the keep-alive, so
	// reading a fault as "no load" would act within it.
	outage = 20 * time.Second
)

var (
	busy   = provider.Ref{Name: "f-busy", Namespace: "openfaas-fn"}   // loaded, scaled by rps
	loaded = provider.Ref{Name: "f-loaded", Namespace: "openfaas-fn"} // opted in to zero, always called
	quiet  = provider.Ref{Name: "f-quiet", Namespace: "openfaas-fn"}  // opted in to zero, called then not
)

func need(rps float64) uint64 { return uint64(math.Ceil(rps / perReplica)) }

// suite is the running stack and what the invariant checks share.
type suite struct {
	t      *testing.T
	st     *e2e.Stack
	gw     *faultproxy.Proxy
	prom   *faultproxy.Proxy
	base   resources
	mu     sync.Mutex
	rps    map[provider.Ref]float64
	report []string
}

func (s *suite) setRPS(ref provider.Ref, v float64) {
	s.mu.Lock()
	s.rps[ref] = v
	s.mu.Unlock()
	s.st.SetRPS(ref, v)
}

func (s *suite) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	s.t.Log(line)
	s.mu.Lock()
	s.report = append(s.report, line)
	s.mu.Unlock()
}

// TestFaults runs every storm in sequence on one stack (a few minutes).
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: several minutes on the real stack")
	}
	s := &suite{t: t, rps: map[provider.Ref]float64{}}
	var err error
	// The proxies' upstreams are known only once the stack has started
	// them; Route runs before the controller starts.
	var gwUp, promUp string
	route := func(gatewayURL, promURL string) (string, string) {
		gwUp, promUp = strings.TrimPrefix(gatewayURL, "http://"), strings.TrimPrefix(promURL, "http://")
		if s.gw, err = faultproxy.New(gwUp); err != nil {
			t.Fatal(err)
		}
		if s.prom, err = faultproxy.New(promUp); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.gw.Close(); s.prom.Close() })
		return "http://" + s.gw.Addr(), "http://" + s.prom.Addr()
	}
	zero := []string{"com.openfaas.scale.zero", "true", "com.openfaas.scale.zero-duration", zeroDuration.String()}
	s.st = e2e.Start(t, e2e.Options{
		Binary: controllerBin,
		Route:  route,
		Functions: []provider.Function{
			e2e.NewFunction(busy, "com.openfaas.scale.max", fmt.Sprint(maxReplicas)),
			e2e.NewFunction(loaded, append([]string{"com.openfaas.scale.max", fmt.Sprint(maxReplicas)}, zero...)...),
			e2e.NewFunction(quiet, append([]string{"com.openfaas.scale.max", fmt.Sprint(maxReplicas)}, zero...)...),
		},
	})
	stop := s.watch()
	defer stop()

	s.setRPS(busy, 100)
	s.setRPS(loaded, 5)
	s.waitReplicas(busy, need(100), 90*time.Second)
	s.base = s.resources()
	s.logf("baseline: %s", s.base)

	t.Run("gateway refused", func(t *testing.T) { s.providerFault(t, faultproxy.Refuse) })
	t.Run("gateway black-holed", func(t *testing.T) { s.providerFault(t, faultproxy.Blackhole) })
	// Refused: Prometheus itself kept scraping, so once the controller
	// reads it again the whole keep-alive is observed and idling at once is
	// right. Stopped: the gap is in Prometheus' own data.
	t.Run("prometheus refused", func(t *testing.T) {
		s.promFault(t, "refused", false, func() { s.prom.Set(faultproxy.Refuse) }, func() { s.prom.Set(faultproxy.Pass) })
	})
	t.Run("prometheus stopped and restarted on its storage", func(t *testing.T) {
		s.promFault(t, "stopped", true, func() {
			if err := s.st.Prom.Stop(); err != nil {
				t.Fatal(err)
			}
		}, func() {
			if err := s.st.Prom.Start(); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("controller killed mid-burst", s.killMidBurst)
	t.Run("controller killed mid-idle", s.killMidIdle)
	t.Run("controller killed 1s after a wake from zero", s.killAfterWake)
	t.Run("hostile HTTP clients", s.httpStorm)

	if p := os.Getenv("FAULTS_REPORT"); p != "" {
		_ = os.WriteFile(p, []byte(strings.Join(s.report, "\n")+"\n"), 0o644)
	}
}

// watch checks the invariants that hold at every instant, every 200 ms,
// until stopped: no replica count above max, and no function with load
// scaled to zero by the controller (the gateway's own scale from zero is
// fine; a call to zero is the idler's).
func (s *suite) watch() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for _, ref := range []provider.Ref{busy, loaded, quiet} {
				fn, err := s.st.Mem.Function(ctx, ref)
				if err == nil && fn.Replicas > maxReplicas {
					s.t.Errorf("%s at %d replicas, max %d", ref, fn.Replicas, maxReplicas)
				}
			}
		}
	}()
	return func() {
		cancel()
		<-done
		for _, ref := range []provider.Ref{busy, loaded} {
			for _, c := range s.st.Calls(ref) {
				if c.To == 0 && c.Err == nil {
					s.t.Errorf("%s (always under load) scaled to zero at %s: %s", ref, c.At.Format(time.StampMilli), s.st.Describe(ref))
				}
			}
		}
	}
}

func (s *suite) replicas(ref provider.Ref) uint64 {
	fn, err := s.st.Mem.Function(context.Background(), ref)
	if err != nil {
		s.t.Fatalf("%s: %v", ref, err)
	}
	return fn.Replicas
}

func (s *suite) waitReplicas(ref provider.Ref, want uint64, timeout time.Duration) time.Duration {
	start := time.Now()
	e2e.Eventually(s.t, timeout, fmt.Sprintf("%s at %d replicas", ref, want), func() (bool, string) {
		return s.replicas(ref) == want, s.st.Describe(ref)
	})
	return time.Since(start)
}

// noScaleDownSince fails on any successful scale-down of ref after t0.
func (s *suite) noScaleDownSince(t *testing.T, ref provider.Ref, t0 time.Time, during string) {
	t.Helper()
	s.noScaleDownBetween(t, ref, t0, time.Now(), during)
}

// noScaleDownBetween fails for any successful scale-down of ref in (t0, t1].
func (s *suite) noScaleDownBetween(t *testing.T, ref provider.Ref, t0, t1 time.Time, during string) {
	t.Helper()
	for _, c := range s.st.Calls(ref) {
		if c.At.After(t0) && !c.At.After(t1) && c.Err == nil && c.To < c.From {
			t.Errorf("%s scaled down %d→%d at %s %s: %s", ref, c.From, c.To, c.At.Format(time.StampMilli), during, s.st.Describe(ref))
		}
	}
}
