package openfaas

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// personality selects which OpenFaaS provider the fake gateway imitates,
// following the status codes of reference/openfaas.md §3.
type personality string

const (
	// faasNetes reads the namespace only from ?namespace=, answers 202 on
	// scale, 404 with an empty body for a missing function on GET, 500 on
	// scale when the Deployment is missing, 400 on 0 replicas and on a
	// namespace it does not manage, and caps replicas at 5 (CE).
	faasNetes personality = "faas-netes"
	// faasd reads the namespace only from the JSON body, answers an implicit
	// 200 on scale, 404 for a missing function and 400 on 0 replicas. Its
	// listing leaves availableReplicas out; its single read sets it to the
	// replicas (a running task) (pkg/provider/handlers/read.go, replicas.go).
	faasd personality = "faasd"
)

// wireStatus is FunctionStatus as faas-provider writes it: everything but
// name is omitempty, so replicas 0 is absent from the JSON.
type wireStatus struct {
	Name              string            `json:"name"`
	Image             string            `json:"image"`
	Namespace         string            `json:"namespace,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
	Annotations       map[string]string `json:"annotations,omitempty"`
	Replicas          uint64            `json:"replicas,omitempty"`
	AvailableReplicas uint64            `json:"availableReplicas,omitempty"`
	CreatedAt         *time.Time        `json:"createdAt,omitempty"`
}

// fakeGateway is an OpenFaaS gateway/provider written from the API contract.
type fakeGateway struct {
	kind       personality
	user, pass string   // basic auth required when user is set
	namespaces []string // managed namespaces; the first is the default
	// namespacesStatus, when not 0, replaces the /system/namespaces reply
	// (404 or 501 as older providers answer).
	namespacesStatus int
	// info is the /system/info reply; nil answers 404 (a provider without
	// the route). Its requests are counted in infos, not in requests.
	info []byte
	// infoStatus, when not 0, answers /system/info with that status instead.
	infoStatus int
	// ceGateway puts the OpenFaaS CE gateway in front: it clamps a scale's
	// replicas to [1, 5] before forwarding (reference/openfaas.md §4).
	ceGateway bool

	mu       sync.Mutex
	fns      map[provider.Ref]*wireStatus
	requests []string         // "METHOD path?query" per request, in order
	infos    int              // GET /system/info requests
	scales   []scaleRequest   // decoded scale bodies, in order
	fail     []int            // statuses to answer to the next requests, consumed in order
	hook     http.HandlerFunc // when set, answers every request instead
}

func newFakeGateway(kind personality, namespaces ...string) *fakeGateway {
	if len(namespaces) == 0 {
		namespaces = []string{"openfaas-fn"}
	}
	return &fakeGateway{kind: kind, namespaces: namespaces, fns: map[provider.Ref]*wireStatus{}}
}

func (g *fakeGateway) deploy(s wireStatus) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fns[provider.Ref{Name: s.Name, Namespace: s.Namespace}] = &s
}

func (g *fakeGateway) replicas(ref provider.Ref) uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s, ok := g.fns[ref]; ok {
		return s.Replicas
	}
	return 0
}

func (g *fakeGateway) requestCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.requests)
}

// failNext makes the next len(statuses) requests answer those statuses.
func (g *fakeGateway) failNext(statuses ...int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail = append(g.fail, statuses...)
}

// handler serves the API under prefix ("" or "/gw").
func (g *fakeGateway) handler(prefix string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"/system/namespaces", g.listNamespaces)
	mux.HandleFunc("GET "+prefix+"/system/functions", g.listFunctions)
	mux.HandleFunc("GET "+prefix+"/system/function/{name}", g.getFunction)
	mux.HandleFunc("POST "+prefix+"/system/scale-function/{name}", g.scaleFunction)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// /system/info reads (also those missing the prefix, answered 404
		// below) are not API calls the tests count.
		if !strings.HasSuffix(r.URL.Path, "/system/info") {
			g.mu.Lock()
			g.requests = append(g.requests, r.Method+" "+r.URL.RequestURI())
			g.mu.Unlock()
		}
		g.mu.Lock()
		user, pass := g.user, g.pass
		g.mu.Unlock()
		if user != "" {
			u, p, ok := r.BasicAuth()
			if !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="Restricted"`)
				http.Error(w, "invalid credentials", http.StatusUnauthorized)
				return
			}
		}
		if r.URL.Path == prefix+"/system/info" {
			g.mu.Lock()
			g.infos++
			infoStatus := g.infoStatus
			g.mu.Unlock()
			if infoStatus != 0 {
				http.Error(w, fmt.Sprintf("injected %d", infoStatus), infoStatus)
				return
			}
			if g.info == nil {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(g.info)
			return
		}
		g.mu.Lock()
		hook := g.hook
		var status int
		if len(g.fail) > 0 {
			status, g.fail = g.fail[0], g.fail[1:]
		}
		g.mu.Unlock()
		if status != 0 {
			http.Error(w, fmt.Sprintf("injected %d", status), status)
			return
		}
		if hook != nil {
			hook(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// start serves the gateway on a loopback httptest server.
func (g *fakeGateway) start(t *testing.T, prefix string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(g.handler(prefix))
	t.Cleanup(srv.Close)
	return srv
}

func (g *fakeGateway) managed(ns string) bool {
	for _, m := range g.namespaces {
		if m == ns {
			return true
		}
	}
	return false
}

// queryNamespace is how faas-netes reads the namespace: from the query only,
// empty meaning its default; one it does not manage is a 400.
func (g *fakeGateway) queryNamespace(w http.ResponseWriter, r *http.Request) (string, bool) {
	ns := r.URL.Query().Get("namespace")
	if ns == "" {
		ns = g.namespaces[0]
	}
	if !g.managed(ns) {
		http.Error(w, "namespace must be: "+strings.Join(g.namespaces, ", "), http.StatusBadRequest)
		return "", false
	}
	return ns, true
}

func (g *fakeGateway) listNamespaces(w http.ResponseWriter, r *http.Request) {
	if g.namespacesStatus != 0 {
		w.WriteHeader(g.namespacesStatus)
		return
	}
	writeJSON(w, http.StatusOK, g.namespaces)
}

func (g *fakeGateway) listFunctions(w http.ResponseWriter, r *http.Request) {
	ns, ok := g.queryNamespace(w, r) // both providers read the list's namespace from the query
	if !ok {
		return
	}
	g.mu.Lock()
	out := []wireStatus{}
	for ref, s := range g.fns {
		if ref.Namespace == ns {
			cp := *s
			if g.kind == faasd {
				cp.AvailableReplicas = 0 // absent: faasd's listing does not set it
			}
			out = append(out, cp)
		}
	}
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (g *fakeGateway) getFunction(w http.ResponseWriter, r *http.Request) {
	ns, ok := g.queryNamespace(w, r)
	if !ok {
		return
	}
	g.mu.Lock()
	s, found := g.fns[provider.Ref{Name: r.PathValue("name"), Namespace: ns}]
	var cp wireStatus
	if found {
		cp = *s
		if g.kind == faasd {
			cp.AvailableReplicas = cp.Replicas // faasd's single read: a running task is available
		}
	}
	g.mu.Unlock()
	if !found {
		if g.kind == faasNetes {
			w.WriteHeader(http.StatusNotFound) // empty body
			return
		}
		http.Error(w, "function not found", http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, cp)
}

func (g *fakeGateway) scaleFunction(w http.ResponseWriter, r *http.Request) {
	var req scaleRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "cannot parse request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if g.ceGateway {
		req.Replicas = min(max(req.Replicas, 1), 5)
	}
	g.mu.Lock()
	g.scales = append(g.scales, req)
	g.mu.Unlock()
	name := r.PathValue("name")
	var ns string
	switch g.kind {
	case faasNetes:
		var ok bool
		if ns, ok = g.queryNamespace(w, r); !ok {
			return
		}
		if req.Replicas == 0 {
			http.Error(w, "replicas cannot be set to 0 in OpenFaaS CE", http.StatusBadRequest)
			return
		}
	case faasd:
		ns = req.Namespace
		if ns == "" {
			ns = g.namespaces[0]
		}
		if !g.managed(ns) {
			http.Error(w, "namespace "+ns+" is not valid", http.StatusBadRequest)
			return
		}
		if req.Replicas == 0 {
			http.Error(w, "replicas must > 0 for faasd CE", http.StatusBadRequest)
			return
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	s, found := g.fns[provider.Ref{Name: name, Namespace: ns}]
	switch {
	case !found && g.kind == faasNetes:
		// faas-netes looks the Deployment up (a live Get, not its
		// informer's cache) and answers any failure of that Get with this
		// 500 and body, without a newline (pkg/handlers/replica_updater.go).
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(faasNetesLookupFailed + name))
		return
	case !found:
		http.Error(w, "service "+name+" not found", http.StatusNotFound)
		return
	}
	s.Replicas = req.Replicas
	if g.kind == faasNetes {
		s.Replicas = min(s.Replicas, 5) // CE caps functions at 5 replicas
		w.WriteHeader(http.StatusAccepted)
	}
	// faasd writes nothing: an implicit 200.
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// handlerTransport serves requests with an http.Handler in-process. Tests in
// a synctest bubble use it because goroutines blocked on real sockets are not
// durably blocked, which would stop virtual time from advancing.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.h.ServeHTTP(rec, r)
	}()
	select {
	case <-done:
		return rec.Result(), nil
	case <-r.Context().Done():
		<-done // the handler sees the same context and returns
		return nil, r.Context().Err()
	}
}
