package controller

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/idler"
	"github.com/faas-autoscaler/faas-autoscaler/internal/exposition"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Mux serves the controller's endpoints: the AlertManager webhook on
// /system/alert (the OpenFaaS gateway's route), the explain API, /metrics,
// /healthz (alive: Live) and /readyz (ready returns nil, or why not).
//
// Every path under /api/v1/ goes to the explain API as sent, before the
// mux: the mux answers a path with an empty or dot segment
// (/api/v1/functions//a, a script's "$NS/$NAME" with NS unset) with a 307
// to its cleaned form and an HTML body, which sent the client on to another
// route; the API answers it with its JSON 404.
func Mux(c *Controller, webhook http.Handler, gatherer prometheus.Gatherer, ready func() error) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/system/alert", webhook)
	api := followerRefuses(c.deps.Leading, explain.Handler(c.lister(), c.Sections()...))
	mux.Handle("/metrics", metricsHandler(gatherer))
	// Alive: the process answers and, on the leader, its loops turn
	// (liveness.go); the livenessProbe restarts a controller whose loop
	// hangs while it keeps its Lease.
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if err := c.checkLive(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "OK\n")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "OK\n")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/v1/") { // every path under it answers JSON (a 404 for unknown ones)
			api.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// lister is the explain API's list of functions: the scaler loop's, or with
// the scaler off (only scale to zero runs) the idler's, whose section then
// holds the explanation. The loop lists only while it runs, and with the
// scaler off it never does: every function was unknown to the API.
//
// With both off nothing lists: the loop's "functions not listed yet"
// (then worded "cannot reach the provider … (starting)") was served for
// good, sending the operator after an outage there was none of.
func (c *Controller) lister() explain.Lister {
	switch {
	case c.Config().Scaler.Enabled:
		return c.Loop
	case c.Idler == nil:
		return nothingLists{}
	}
	return idlerLister{c.Idler}
}

// nothingLists is the explain API's lister when neither the scaler nor
// the idler runs: it never has a listing, and says why.
type nothingLists struct{}

func (nothingLists) Refs() []provider.Ref { return nil }

func (nothingLists) Explain(provider.Ref) (explain.Function, bool) { return explain.Function{}, false }

func (nothingLists) NotListed() error {
	return explain.ErrNeverListed{Why: "scaler.enabled and idler.enabled are both false: this controller lists, scales and explains no function"}
}

// idlerLister names the idler's functions; what the API says of each is in
// its sections (the idler's "idle" among them).
type idlerLister struct{ d *idler.Idler }

func (l idlerLister) Refs() []provider.Ref { return l.d.Refs() }

func (l idlerLister) NotListed() error { return l.d.NotListed() }

// Explain gives the replicas the idler's last cycle listed (a zero
// Function read "0 replicas, desired 0" for a function running 3). With no
// scaler the controller targets what runs; the ready count no one read is
// unknown, not 0. A label the idler could not use is the spec error (the
// list's "invalid"), as the scaler's would be: left out, the list showed
// such a function as valid.
func (l idlerLister) Explain(ref provider.Ref) (explain.Function, bool) {
	v, ok := l.d.Explain(ref)
	x, isExplanation := v.(idler.Explanation)
	if !ok || !isExplanation {
		// An idler.Pending (no cycle of this term has explained it, as a
		// term ends between NotListed and here) lists no replicas: a
		// Function made of it read "0 replicas".
		return explain.Function{}, false
	}
	f := explain.Function{Ref: ref.String(), Name: ref.Name, Namespace: ref.Namespace, AvailableUnknown: true,
		Replicas: x.Replicas, DesiredReplicas: x.Replicas}
	if x.Code == idler.CodeInvalidLabel {
		f.SpecError = &explain.LabelError{Message: x.Reason}
	}
	return f, true
}

// followerRefuses answers 503 on a replica that does not lead, as the
// webhook does: its explanations are its last term's (replicas, desired
// counts and reasons from when it led, maybe hours ago), and presented as
// current they contradicted what the leader had done since. The Service
// routes to the ready replica, the leader; leading nil = always leads.
// Only a GET or HEAD of one of the API's routes, with a query the route
// takes, is refused: another method, a path no route serves or a query the
// route refuses gets the answer the leader gives (405, 404, 400), which
// discloses nothing of a former term; a 503 with Retry-After sent a
// retrying client round for ever on a request no replica serves (a
// review's finding).
func followerRefuses(leading func() bool, h http.Handler) http.Handler {
	if leading == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// explain.Serves is the API's own statement of its routes, methods
		// and clean-path rule: a copy here could drift from them.
		if explain.Serves(r) && !leading() {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			// JSON as every other answer of the API.
			_ = json.NewEncoder(w).Encode(struct {
				Error string `json:"error"`
			}{"this replica is not the leader: its explanations are from when it last led; ask the leader (the Service routes to the ready replica)"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// metricsHandler streams an exposition.Registry's per-function families
// (no const metric per series per scrape); any other gatherer is served by
// promhttp.
func metricsHandler(g prometheus.Gatherer) http.Handler {
	if r, ok := g.(*exposition.Registry); ok {
		return r.Handler()
	}
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}
