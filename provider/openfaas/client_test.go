package openfaas

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/google/go-cmp/cmp"
)

// newTestClient returns a client of srvURL with no backoff sleep (Rand 0),
// so retries are counted without waiting.
func newTestClient(t *testing.T, srvURL string, edit func(*Config)) *Client {
	t.Helper()
	cfg := DefaultConfig()
	cfg.GatewayURL = srvURL
	cfg.Rand = func() float64 { return 0 }
	if edit != nil {
		edit(&cfg)
	}
	cl, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return cl
}

func fig(ns string, replicas uint64) wireStatus {
	return wireStatus{Name: "figlet", Image: "ghcr.io/openfaas/figlet", Namespace: ns, Replicas: replicas, AvailableReplicas: replicas}
}

func TestScaleByPersonality(t *testing.T) {
	figlet := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	devFiglet := provider.Ref{Name: "figlet", Namespace: "dev"}
	tests := []struct {
		name     string
		kind     personality
		ref      provider.Ref
		replicas uint64
		// want* describe the outcome.
		wantReplicas uint64 // read back from the gateway when the call succeeds
		wantRefused  string // substring of the RefusedError message
		wantNotFound bool
		wantStatus   int // *StatusError status
		wantRequests int
	}{
		{name: "faas-netes scale up answers 202", kind: faasNetes, ref: figlet, replicas: 3, wantReplicas: 3, wantRequests: 1},
		{name: "faasd scale up answers 200", kind: faasd, ref: figlet, replicas: 1, wantReplicas: 1, wantRequests: 1},
		{name: "faas-netes reads the namespace from the query", kind: faasNetes, ref: devFiglet, replicas: 2, wantReplicas: 2, wantRequests: 1},
		{name: "faasd reads the namespace from the body", kind: faasd, ref: devFiglet, replicas: 2, wantReplicas: 2, wantRequests: 1},
		{name: "faas-netes CE clamps to 5", kind: faasNetes, ref: figlet, replicas: 9, wantReplicas: 5, wantRequests: 1},
		{name: "faas-netes refuses zero", kind: faasNetes, ref: figlet, replicas: 0, wantRefused: "replicas cannot be set to 0 in OpenFaaS CE", wantRequests: 1},
		{name: "faasd refuses zero", kind: faasd, ref: figlet, replicas: 0, wantRefused: "replicas must > 0", wantRequests: 1},
		{name: "faas-netes refuses an unmanaged namespace", kind: faasNetes, ref: provider.Ref{Name: "figlet", Namespace: "other"}, replicas: 1, wantRefused: "namespace must be: openfaas-fn, dev", wantRequests: 1},
		{name: "faasd missing function is not found", kind: faasd, ref: provider.Ref{Name: "nope", Namespace: "openfaas-fn"}, replicas: 1, wantNotFound: true, wantStatus: 404, wantRequests: 1},
		{
			// A 500 "Unable to lookup function deployment nope", which one
			// read answered 404 confirms as not found (gone.go).
			name: "faas-netes missing Deployment is a 500, not retried (a scale is sent once), not found", kind: faasNetes,
			ref: provider.Ref{Name: "nope", Namespace: "openfaas-fn"}, replicas: 1,
			wantNotFound: true, wantStatus: 500, wantRequests: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(tc.kind, "openfaas-fn", "dev")
			g.deploy(fig("openfaas-fn", 1))
			g.deploy(fig("dev", 1))
			cl := newTestClient(t, g.start(t, "").URL, nil)

			err := cl.Scale(t.Context(), tc.ref, tc.replicas)

			if got := g.requestCount(); got != tc.wantRequests {
				t.Errorf("requests = %d, want %d", got, tc.wantRequests)
			}
			var refused *provider.RefusedError
			var se *StatusError
			switch {
			case tc.wantRefused != "":
				if !errors.As(err, &refused) {
					t.Fatalf("err = %v, want *provider.RefusedError", err)
				}
				if !strings.Contains(refused.Message, tc.wantRefused) || refused.Status != 400 || refused.Ref != tc.ref || refused.Replicas != tc.replicas {
					t.Errorf("refused = %+v, want message containing %q for %v×%d", refused, tc.wantRefused, tc.ref, tc.replicas)
				}
				if got := provider.IsZeroRefused(err); got != (tc.replicas == 0) {
					t.Errorf("IsZeroRefused = %v", got)
				}
			case tc.wantStatus != 0:
				if !errors.As(err, &se) || se.Status != tc.wantStatus {
					t.Fatalf("err = %v, want *StatusError %d", err, tc.wantStatus)
				}
				if errors.Is(err, provider.ErrNotFound) != tc.wantNotFound {
					t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", !tc.wantNotFound, tc.wantNotFound)
				}
				if !strings.Contains(err.Error(), tc.ref.String()) {
					t.Errorf("error %q does not name the function %s", err, tc.ref)
				}
			default:
				if err != nil {
					t.Fatalf("Scale: %v", err)
				}
				if got := g.replicas(tc.ref); got != tc.wantReplicas {
					t.Errorf("gateway replicas = %d, want %d", got, tc.wantReplicas)
				}
			}
			// Whatever the outcome, the namespace went in both places.
			g.mu.Lock()
			defer g.mu.Unlock()
			for i, req := range g.requests {
				if !strings.Contains(req, "namespace="+tc.ref.Namespace) {
					t.Errorf("request %d %q lacks ?namespace=%s", i, req, tc.ref.Namespace)
				}
			}
			for i, body := range g.scales {
				want := scaleRequest{ServiceName: tc.ref.Name, Namespace: tc.ref.Namespace, Replicas: tc.replicas}
				if body != want {
					t.Errorf("scale body %d = %+v, want %+v", i, body, want)
				}
			}
		})
	}
}

func TestScaleSendsZeroExplicitly(t *testing.T) {
	var raw string
	g := newFakeGateway(faasd)
	g.hook = func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 256)
		n, _ := r.Body.Read(b)
		raw = string(b[:n])
	}
	cl := newTestClient(t, g.start(t, "").URL, nil)
	if err := cl.Scale(t.Context(), provider.Ref{Name: "f", Namespace: "openfaas-fn"}, 0); err != nil {
		t.Fatal(err)
	}
	if want := `{"serviceName":"f","namespace":"openfaas-fn","replicas":0}`; raw != want {
		t.Errorf("body = %s, want %s", raw, want)
	}
}

func TestFunction(t *testing.T) {
	created := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		kind       personality
		deploy     wireStatus
		ref        provider.Ref
		want       provider.Function
		wantNotFnd bool
	}{
		{
			name: "all fields mapped",
			kind: faasNetes,
			deploy: wireStatus{
				Name: "figlet", Namespace: "openfaas-fn", Replicas: 3, AvailableReplicas: 2, CreatedAt: &created,
				Labels:      map[string]string{"com.openfaas.scale.min": "2"},
				Annotations: map[string]string{"topic": "cron"},
			},
			ref: provider.Ref{Name: "figlet", Namespace: "openfaas-fn"},
			want: provider.Function{
				Ref:    provider.Ref{Name: "figlet", Namespace: "openfaas-fn"},
				Labels: map[string]string{"com.openfaas.scale.min": "2"}, Annotations: map[string]string{"topic": "cron"},
				Replicas: 3, AvailableReplicas: 2, CreatedAt: created,
			},
		},
		{
			// faas-netes reports the Deployment's status.availableReplicas,
			// which lags a scale-down (and counts a rollout's surge pods):
			// the pods over the desired count are going, not capacity.
			name:   "available above desired (status lag after a scale-down) reads as the desired count",
			kind:   faasNetes,
			deploy: wireStatus{Name: "down", Namespace: "openfaas-fn", Replicas: 2, AvailableReplicas: 5},
			ref:    provider.Ref{Name: "down", Namespace: "openfaas-fn"},
			want:   provider.Function{Ref: provider.Ref{Name: "down", Namespace: "openfaas-fn"}, Replicas: 2, AvailableReplicas: 2},
		},
		{
			name:   "scaled to zero, replicas still terminating: none available",
			kind:   faasNetes,
			deploy: wireStatus{Name: "gone", Namespace: "openfaas-fn", AvailableReplicas: 3},
			ref:    provider.Ref{Name: "gone", Namespace: "openfaas-fn"},
			want:   provider.Function{Ref: provider.Ref{Name: "gone", Namespace: "openfaas-fn"}},
		},
		{
			name:   "absent replicas mean zero",
			kind:   faasd,
			deploy: wireStatus{Name: "idle", Namespace: "openfaas-fn"},
			ref:    provider.Ref{Name: "idle", Namespace: "openfaas-fn"},
			want:   provider.Function{Ref: provider.Ref{Name: "idle", Namespace: "openfaas-fn"}},
		},
		{
			name:   "empty namespace means the default",
			kind:   faasNetes,
			deploy: wireStatus{Name: "figlet", Namespace: "openfaas-fn", Replicas: 1},
			ref:    provider.Ref{Name: "figlet"},
			want:   provider.Function{Ref: provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, Replicas: 1},
		},
		{name: "faas-netes 404 with empty body", kind: faasNetes, ref: provider.Ref{Name: "nope", Namespace: "openfaas-fn"}, wantNotFnd: true},
		{name: "faasd 404", kind: faasd, ref: provider.Ref{Name: "nope", Namespace: "openfaas-fn"}, wantNotFnd: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(tc.kind)
			if tc.deploy.Name != "" {
				g.deploy(tc.deploy)
			}
			cl := newTestClient(t, g.start(t, "").URL, nil)
			got, err := cl.Function(t.Context(), tc.ref)
			if tc.wantNotFnd {
				if !errors.Is(err, provider.ErrNotFound) {
					t.Fatalf("err = %v, want ErrNotFound", err)
				}
				if !strings.Contains(err.Error(), "nope.openfaas-fn") || !strings.Contains(err.Error(), "404") {
					t.Errorf("error %q should name the function and the status", err)
				}
				if g.requestCount() != 1 {
					t.Errorf("a 404 was retried: %d requests", g.requestCount())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Function (-want +got):\n%s", d)
			}
		})
	}
}

func TestFunctionsFillsMissingNamespace(t *testing.T) {
	g := newFakeGateway(faasNetes, "openfaas-fn", "dev")
	g.deploy(wireStatus{Name: "a", Namespace: "dev", Replicas: 2})
	// A provider that leaves out namespace (older faasd) lists it under the asked one.
	g.hook = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []wireStatus{{Name: "a", Replicas: 2}, {Name: "b"}})
	}
	cl := newTestClient(t, g.start(t, "").URL, nil)
	got, err := cl.Functions(t.Context(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	want := []provider.Function{
		{Ref: provider.Ref{Name: "a", Namespace: "dev"}, Replicas: 2},
		{Ref: provider.Ref{Name: "b", Namespace: "dev"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Functions (-want +got):\n%s", d)
	}
}

// TestFunctionsCapAvailableAtDesired: the listing, which the scaler's
// pass reads, bounds the available count as Function does.
func TestFunctionsCapAvailableAtDesired(t *testing.T) {
	g := newFakeGateway(faasNetes, "dev")
	g.deploy(wireStatus{Name: "down", Namespace: "dev", Replicas: 2, AvailableReplicas: 5})
	g.deploy(wireStatus{Name: "idle", Namespace: "dev", AvailableReplicas: 1})
	g.deploy(wireStatus{Name: "warming", Namespace: "dev", Replicas: 3, AvailableReplicas: 1})
	cl := newTestClient(t, g.start(t, "").URL, nil)
	got, err := cl.Functions(t.Context(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	avail := map[string][2]uint64{}
	for _, fn := range got {
		avail[fn.Name] = [2]uint64{fn.AvailableReplicas, fn.Replicas}
	}
	want := map[string][2]uint64{"down": {2, 2}, "idle": {0, 0}, "warming": {1, 3}}
	if d := cmp.Diff(want, avail); d != "" {
		t.Errorf("available, desired by function (-want +got):\n%s", d)
	}
}

// TestFunctionsShareWhatTheyCan: the scaler and the idler keep each
// listed function's Ref and label maps, so a listing must not hand them a
// namespace string per function or an empty map per "labels": {}.
func TestFunctionsShareWhatTheyCan(t *testing.T) {
	g := newFakeGateway(faasNetes, "dev")
	g.hook = func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `[{"name":"a","namespace":"dev","labels":{},"annotations":{}},`+
			`{"name":"b","namespace":"dev","labels":{"x":"1"}}]`)
	}
	cl := newTestClient(t, g.start(t, "").URL, nil)
	ns := "dev"
	got, err := cl.Functions(t.Context(), ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("listed %+v, want a and b", got)
	}
	for _, fn := range got {
		if fn.Namespace != ns || unsafe.StringData(fn.Namespace) != unsafe.StringData(ns) {
			t.Errorf("%s: namespace %q is its own copy, want the asked one shared", fn.Name, fn.Namespace)
		}
	}
	if got[0].Labels != nil || got[0].Annotations != nil {
		t.Errorf("a: labels %#v, annotations %#v, want nil for empty", got[0].Labels, got[0].Annotations)
	}
	if got[1].Labels["x"] != "1" {
		t.Errorf("b: labels %v, want x=1", got[1].Labels)
	}
}

func TestNamespaces(t *testing.T) {
	tests := []struct {
		name   string
		status int      // 0: the provider lists its namespaces
		list   []string // namespaces the provider manages
		want   []string
	}{
		{name: "listed and sorted", list: []string{"zeta", "openfaas-fn", "dev"}, want: []string{"dev", "openfaas-fn", "zeta"}},
		{name: "404 falls back to the default", status: 404, list: []string{"x"}, want: []string{"openfaas-fn"}},
		{name: "501 falls back to the default", status: 501, list: []string{"x"}, want: []string{"openfaas-fn"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(faasNetes, tc.list...)
			g.namespacesStatus = tc.status
			cl := newTestClient(t, g.start(t, "").URL, nil)
			got, err := cl.Namespaces(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Namespaces (-want +got):\n%s", d)
			}
		})
	}
	t.Run("empty list falls back to the configured default", func(t *testing.T) {
		g := newFakeGateway(faasd)
		g.hook = func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, []string{}) }
		cl := newTestClient(t, g.start(t, "").URL, func(c *Config) { c.DefaultNamespace = "fn" })
		got, err := cl.Namespaces(t.Context())
		if err != nil || len(got) != 1 || got[0] != "fn" {
			t.Errorf("Namespaces = %v, %v; want [fn]", got, err)
		}
	})
}

func TestAll(t *testing.T) {
	g := newFakeGateway(faasNetes, "openfaas-fn", "dev")
	g.deploy(fig("openfaas-fn", 1))
	g.deploy(fig("dev", 2))
	cl := newTestClient(t, g.start(t, "").URL, nil)
	fns, err := provider.All(t.Context(), cl)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fns {
		got = append(got, f.Ref.String())
	}
	if d := cmp.Diff([]string{"figlet.dev", "figlet.openfaas-fn"}, got); d != "" {
		t.Errorf("All (-want +got):\n%s", d)
	}
}

func TestGatewayURLForms(t *testing.T) {
	for _, suffix := range []string{"/gw", "/gw/"} {
		t.Run(suffix, func(t *testing.T) {
			g := newFakeGateway(faasNetes)
			g.deploy(fig("openfaas-fn", 1))
			srv := g.start(t, "/gw")
			cl := newTestClient(t, srv.URL+suffix, nil)
			if _, err := cl.Function(t.Context(), provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}); err != nil {
				t.Fatal(err)
			}
			if got := g.requests[0]; got != "GET /gw/system/function/figlet?namespace=openfaas-fn" {
				t.Errorf("request = %q", got)
			}
		})
	}
}

func TestBasicAuth(t *testing.T) {
	tests := []struct {
		name, user, pass string
		wantErr          bool
	}{
		{name: "right credentials", user: "admin", pass: "s3cret"},
		{name: "wrong password", user: "admin", pass: "nope", wantErr: true},
		{name: "no credentials", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(faasNetes)
			g.user, g.pass = "admin", "s3cret"
			g.deploy(fig("openfaas-fn", 1))
			cl := newTestClient(t, g.start(t, "").URL, func(c *Config) { c.Username, c.Password = tc.user, tc.pass })
			err := cl.Scale(t.Context(), provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, 2)
			if !tc.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var se *StatusError
			if !errors.Is(err, provider.ErrUnauthorized) || !errors.As(err, &se) || se.Status != 401 {
				t.Fatalf("err = %v, want ErrUnauthorized with status 401", err)
			}
			if g.requestCount() != 1 {
				t.Errorf("401 was retried: %d requests", g.requestCount())
			}
			if strings.Contains(err.Error(), "s3cret") || (tc.pass != "" && strings.Contains(err.Error(), tc.pass)) {
				t.Errorf("error leaks a password: %v", err)
			}
		})
	}
}
