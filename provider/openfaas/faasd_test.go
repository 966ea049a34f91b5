package openfaas

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// manualClock is a clock.Clock that moves only when told to.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// NewTicker is not used by the client's info cache.
func (c *manualClock) NewTicker(time.Duration) clock.Ticker { panic("manualClock has no tickers") }

func (g *fakeGateway) infoReads() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.infos
}

// availableByName lists ns and maps each function's name to
// {available, desired}.
func availableByName(t *testing.T, cl *Client, ns string) map[string][2]uint64 {
	t.Helper()
	fns, err := cl.Functions(t.Context(), ns)
	if err != nil {
		t.Fatalf("Functions: %v", err)
	}
	out := map[string][2]uint64{}
	for _, fn := range fns {
		out[fn.Name] = [2]uint64{fn.AvailableReplicas, fn.Replicas}
	}
	return out
}

// TestFaasdListingReadsAbsentAvailableAsReplicas: faasd's GET
// /system/functions leaves availableReplicas out, while its single read
// sets it to the replicas (a running task). Read as 0, every listed
// function on faasd was "0 of 1 available": the explain API and
// faas_autoscaler_function_available_replicas said so, the scaler's burst
// threshold sat at its lowest, and the idler's unready hold delayed every
// first idle. On a faasd provider (by /system/info) the listing now gives
// the count its single read gives.
func TestFaasdListingReadsAbsentAvailableAsReplicas(t *testing.T) {
	for _, tc := range []struct{ name, info string }{
		{"faasd CE answering itself", faasdInfoCE},
		{"older faasd", `{"provider":"faasd","orchestration":"containerd","version":{"sha":"abc","release":"0.16.0"}}`},
		{"OpenFaaS Edge (faasd-pro)", `{"provider":"faasd-pro","orchestration":"containerd","version":{"sha":"abc","release":"0.2.0"}}`},
		{"the gateway in front of faasd CE", `{"provider":{"provider":"faasd-ce","orchestration":"containerd","version":{"sha":"abc","release":"0.19.6"}},` +
			`"version":{"sha":"def","release":"0.27.12"},"arch":"x86_64"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(faasd)
			g.info = []byte(tc.info)
			g.deploy(fig("openfaas-fn", 1))
			g.deploy(wireStatus{Name: "idle", Namespace: "openfaas-fn"})
			cl := newTestClient(t, g.start(t, "").URL, nil)
			got := availableByName(t, cl, "openfaas-fn")
			want := map[string][2]uint64{"figlet": {1, 1}, "idle": {0, 0}}
			if got["figlet"] != want["figlet"] || got["idle"] != want["idle"] || len(got) != 2 {
				t.Errorf("faasd listing {available, desired} = %v, want %v", got, want)
			}
			one, err := cl.Function(t.Context(), provider.Ref{Name: "figlet", Namespace: "openfaas-fn"})
			if err != nil || one.AvailableReplicas != got["figlet"][0] {
				t.Errorf("single read available = %d (%v), listing %d: want the same", one.AvailableReplicas, err, got["figlet"][0])
			}
		})
	}
}

// TestListingAvailableUnchangedOffFaasd: an absent availableReplicas is 0
// on any provider that is not faasd (faas-netes' omitempty leaves out a
// Deployment with none ready), or whose /system/info cannot be read; a
// present 0 stays 0 even on faasd.
func TestListingAvailableUnchangedOffFaasd(t *testing.T) {
	for _, tc := range []struct {
		name       string
		kind       personality
		info       string
		infoStatus int
		body       string // replaces the listing when set
	}{
		{name: "faas-netes, none ready", kind: faasNetes, info: providerInfo},
		{name: "faas-netes CE through its gateway", kind: faasNetes, info: gatewayInfoCE},
		{name: "faasd without /system/info (404)", kind: faasd},
		{name: "faasd whose /system/info fails (500)", kind: faasd, infoStatus: http.StatusInternalServerError},
		{name: "faasd whose /system/info is not JSON", kind: faasd, info: "<html>gateway</html>"},
		{name: "faasd whose /system/info names no provider", kind: faasd, info: `{"version":{"release":"1"}}`},
		{name: "present 0 on faasd stays 0", kind: faasd, info: faasdInfoCE,
			body: `[{"name":"figlet","namespace":"openfaas-fn","replicas":1,"availableReplicas":0}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(tc.kind)
			if tc.info != "" {
				g.info = []byte(tc.info)
			}
			g.infoStatus = tc.infoStatus
			g.deploy(wireStatus{Name: "figlet", Namespace: "openfaas-fn", Replicas: 1}) // none available
			if tc.body != "" {
				g.hook = func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(tc.body)) }
			}
			cl := newTestClient(t, g.start(t, "").URL, nil)
			if got := availableByName(t, cl, "openfaas-fn"); got["figlet"] != [2]uint64{0, 1} {
				t.Errorf("figlet {available, desired} = %v, want [0 1]", got["figlet"])
			}
		})
	}
}

// TestProviderInfoReadOncePerPeriod: the listing runs at every scaler
// pass, so the provider's name is read once and kept for
// providerInfoTTL, not asked for per listing; it is read again when the
// period ends or after a listing fails (the gateway may have been
// replaced).
func TestProviderInfoReadOncePerPeriod(t *testing.T) {
	g := newFakeGateway(faasd)
	g.info = []byte(faasdInfoCE)
	g.deploy(fig("openfaas-fn", 1))
	clk := newManualClock()
	cl := newTestClient(t, g.start(t, "").URL, func(c *Config) { c.Clock = clk })
	list := func(when string, wantReads int) {
		t.Helper()
		for range 20 {
			if got := availableByName(t, cl, "openfaas-fn"); got["figlet"] != [2]uint64{1, 1} {
				t.Fatalf("%s: figlet {available, desired} = %v, want [1 1]", when, got["figlet"])
			}
		}
		if n := g.infoReads(); n != wantReads {
			t.Fatalf("%s: %d /system/info reads, want %d", when, n, wantReads)
		}
	}
	list("first 20 listings", 1)
	clk.advance(providerInfoTTL - time.Second)
	list("just before the period ends", 1)
	clk.advance(time.Second)
	list("once the period ended", 2)

	g.failNext(http.StatusBadRequest)
	if _, err := cl.Functions(t.Context(), "openfaas-fn"); err == nil {
		t.Fatal("the injected 400 did not fail the listing")
	}
	list("after a listing error", 3)

	// Many listings at once (one per namespace) share one read.
	clk.advance(providerInfoTTL)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _ = cl.Functions(context.Background(), "openfaas-fn") })
	}
	wg.Wait()
	if n := g.infoReads(); n != 4 {
		t.Errorf("8 concurrent listings made %d /system/info reads in all, want 4", n)
	}
}

// TestProviderInfoFailureIsKeptAMinute: a provider without /system/info
// (or failing it) is not asked at every pass either, but sooner than a
// name it gave: a blip must not leave faasd's counts at 0 for long.
func TestProviderInfoFailureIsKeptAMinute(t *testing.T) {
	g := newFakeGateway(faasd)
	g.infoStatus = http.StatusBadGateway
	g.deploy(fig("openfaas-fn", 1))
	clk := newManualClock()
	cl := newTestClient(t, g.start(t, "").URL, func(c *Config) { c.Clock = clk })
	for range 20 {
		if got := availableByName(t, cl, "openfaas-fn"); got["figlet"] != [2]uint64{0, 1} {
			t.Fatalf("info failing: figlet {available, desired} = %v, want [0 1] (unchanged)", got["figlet"])
		}
	}
	if n := g.infoReads(); n != 1 {
		t.Fatalf("%d /system/info reads after 20 listings, want 1", n)
	}
	// A failing listing (the gateway down) does not make each pass wait
	// for a second failing request: the failed read keeps its minute.
	g.failNext(http.StatusBadRequest)
	if _, err := cl.Functions(t.Context(), "openfaas-fn"); err == nil {
		t.Fatal("the injected 400 did not fail the listing")
	}
	availableByName(t, cl, "openfaas-fn")
	if n := g.infoReads(); n != 1 {
		t.Fatalf("%d /system/info reads after a failed listing within the minute, want 1", n)
	}
	g.mu.Lock()
	g.infoStatus, g.info = 0, []byte(faasdInfoCE)
	g.mu.Unlock()
	clk.advance(providerInfoRetry)
	if got := availableByName(t, cl, "openfaas-fn"); got["figlet"] != [2]uint64{1, 1} || g.infoReads() != 2 {
		t.Errorf("a minute later: figlet %v after %d info reads, want [1 1] after 2", got["figlet"], g.infoReads())
	}
}
