package gatewaysim

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// APIOptions shape the provider API the gateway serves.
type APIOptions struct {
	// Username and Password turn on basic auth for /system/* when set.
	Username, Password string
	// DefaultNamespace is used when a request names none.
	DefaultNamespace string
	// RefuseZero answers a scale to 0 with 400, as OpenFaaS CE does.
	RefuseZero bool
	// Async, when set, serves POST /async-function/{name} by publishing
	// the request to it (without auth, like the gateway's function routes).
	Async AsyncPublisher
}

// functionStatus is the faas-provider FunctionStatus JSON, the fields we fill.
type functionStatus struct {
	Name              string            `json:"name"`
	Image             string            `json:"image"`
	Namespace         string            `json:"namespace,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
	Annotations       map[string]string `json:"annotations,omitempty"`
	Replicas          uint64            `json:"replicas,omitempty"`
	AvailableReplicas uint64            `json:"availableReplicas,omitempty"`
	CreatedAt         time.Time         `json:"createdAt,omitzero"`
}

type scaleRequest struct {
	ServiceName string  `json:"serviceName"`
	Namespace   string  `json:"namespace,omitempty"`
	Replicas    *uint64 `json:"replicas"`
}

type loadRequest struct {
	RPS float64 `json:"rps"`
}

// Handler serves the faas-provider REST API over the gateway's provider, the
// gateway metrics at /metrics, /healthz, and a load control route
// (PUT /sim/load/{name}?namespace= with {"rps": N}) for tests and demos.
func (g *Gateway) Handler(o APIOptions) http.Handler {
	if o.DefaultNamespace == "" {
		o.DefaultNamespace = "openfaas-fn"
	}
	mux := http.NewServeMux()
	auth := func(h http.HandlerFunc) http.Handler {
		if o.Username == "" {
			return h
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, p, ok := r.BasicAuth()
			if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(o.Username)) != 1 ||
				subtle.ConstantTimeCompare([]byte(p), []byte(o.Password)) != 1 {
				w.Header().Set("WWW-Authenticate", `Basic realm="Restricted"`)
				http.Error(w, "invalid credentials", http.StatusUnauthorized)
				return
			}
			h(w, r)
		})
	}
	ns := func(r *http.Request) string {
		if v := r.URL.Query().Get("namespace"); v != "" {
			return v
		}
		return o.DefaultNamespace
	}
	p := g.cfg.Provider
	mux.Handle("GET /system/namespaces", auth(func(w http.ResponseWriter, r *http.Request) {
		nss, err := p.Namespaces(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, http.StatusOK, nss)
	}))
	mux.Handle("GET /system/functions", auth(func(w http.ResponseWriter, r *http.Request) {
		fns, err := p.Functions(r.Context(), ns(r))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out := make([]functionStatus, 0, len(fns))
		for _, fn := range fns {
			out = append(out, toStatus(fn))
		}
		writeJSON(w, http.StatusOK, out)
	}))
	mux.Handle("GET /system/function/{name}", auth(func(w http.ResponseWriter, r *http.Request) {
		fn, err := p.Function(r.Context(), provider.Ref{Name: r.PathValue("name"), Namespace: ns(r)})
		if errors.Is(err, provider.ErrNotFound) {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, http.StatusOK, toStatus(fn))
	}))
	mux.Handle("POST /system/scale-function/{name}", auth(func(w http.ResponseWriter, r *http.Request) {
		var req scaleRequest
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || json.Unmarshal(body, &req) != nil {
			http.Error(w, "cannot parse request", http.StatusBadRequest)
			return
		}
		var n uint64
		if req.Replicas != nil {
			n = *req.Replicas
		}
		if n == 0 && o.RefuseZero {
			http.Error(w, "replicas cannot be set to 0 in OpenFaaS CE", http.StatusBadRequest)
			return
		}
		namespace := ns(r)
		if r.URL.Query().Get("namespace") == "" && req.Namespace != "" {
			namespace = req.Namespace
		}
		err = p.Scale(r.Context(), provider.Ref{Name: r.PathValue("name"), Namespace: namespace}, n)
		var refused *provider.RefusedError
		switch {
		case errors.Is(err, provider.ErrNotFound):
			http.Error(w, fmt.Sprintf("function %s not found", r.PathValue("name")), http.StatusNotFound)
		case errors.As(err, &refused) && refused.Status >= 400 && refused.Status < 600:
			// The provider's own answer passes through, as the gateway
			// passes faas-netes' on: a refusal is not a transient failure.
			http.Error(w, refused.Message, refused.Status)
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	mux.Handle("GET /system/info", auth(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"provider": "gatewaysim", "orchestration": "memory",
			"version": map[string]string{"release": "sim", "sha": "sim"},
		})
	}))
	mux.Handle("PUT /sim/load/{name}", auth(func(w http.ResponseWriter, r *http.Request) {
		var req loadRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil || !validRPS(req.RPS) {
			http.Error(w, fmt.Sprintf(`want {"rps": N} with 0 ≤ N ≤ %g`, float64(MaxRPS)), http.StatusBadRequest)
			return
		}
		// name or name.namespace, as /async-function parses it; an unknown
		// function is a 404: a typo answered 204 and changed nothing.
		ref, ok := g.routeFunction(w, r, ns(r))
		if !ok {
			return
		}
		g.SetRPS(ref, req.RPS)
		w.WriteHeader(http.StatusNoContent)
	}))
	if o.Async != nil {
		mux.Handle("POST /async-function/{name}", g.asyncHandler(o, o.Async))
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK") })
	return mux
}

func toStatus(fn provider.Function) functionStatus {
	return functionStatus{
		Name: fn.Name, Image: "gatewaysim/" + fn.Name, Namespace: fn.Namespace,
		Labels: fn.Labels, Annotations: fn.Annotations,
		Replicas: fn.Replicas, AvailableReplicas: fn.AvailableReplicas, CreatedAt: fn.CreatedAt,
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
