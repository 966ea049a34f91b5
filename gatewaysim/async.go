package gatewaysim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// AsyncRequest is one asynchronous invocation as the gateway queues it.
type AsyncRequest struct {
	// CallID identifies the call (X-Call-Id); empty: the publisher makes one.
	CallID string
	Body   []byte
	// Header holds the caller's headers worth passing on.
	Header http.Header
	// CallbackURL receives the function's result (X-Callback-Url); optional.
	CallbackURL string
}

// AsyncPublisher puts an asynchronous request on the queue (NATS JetStream
// in the test stack, package internal/queueworker).
type AsyncPublisher interface {
	PublishAsync(ctx context.Context, ref provider.Ref, req AsyncRequest) (callID string, err error)
}

// maxAsyncBody bounds a queued request body, as the gateway's max body size.
const maxAsyncBody = 1 << 20

// asyncHandler serves POST /async-function/{name}: the request is queued and
// answered 202 Accepted with its X-Call-Id, as the OpenFaaS gateway does. The
// function name may be qualified (name.namespace); otherwise ?namespace= or
// the default namespace applies. Unknown functions get 404.
func (g *Gateway) asyncHandler(o APIOptions, pub AsyncPublisher) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ns := r.URL.Query().Get("namespace")
		if ns == "" {
			ns = o.DefaultNamespace
		}
		ref, ok := g.routeFunction(w, r, ns)
		if !ok {
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxAsyncBody+1))
		if err != nil {
			http.Error(w, "cannot read body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if len(body) > maxAsyncBody {
			http.Error(w, fmt.Sprintf("body over %d bytes", maxAsyncBody), http.StatusRequestEntityTooLarge)
			return
		}
		req := AsyncRequest{Body: body, Header: http.Header{}, CallID: r.Header.Get("X-Call-Id"), CallbackURL: r.Header.Get("X-Callback-Url")}
		for k, vs := range r.Header {
			if strings.HasPrefix(k, "X-") || k == "Content-Type" {
				req.Header[k] = vs
			}
		}
		id, err := pub.PublishAsync(r.Context(), ref, req)
		if err != nil {
			http.Error(w, "cannot queue the request: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("X-Call-Id", id)
		w.WriteHeader(http.StatusAccepted)
	}
}

// Invoke runs one request synchronously on the simulated function, as the
// queue worker's call through the gateway does: 503 when no replica is ready
// (the gateway does not wake a function for the queue worker here: the
// controller must, from the backlog), 429 when every ready replica already
// runs Concurrency requests, else 200 after the function's Duration (the
// default workload's 50 ms for a function with none set). It is counted in
// the gateway's invocation metrics like any request, the 503 included
// without ScaleFromZero: there the proxy answers it, as Step's calls.
// Under ScaleFromZero the 503 stays uncounted: a real gateway would hold
// such a call in its scaling handler and wake the function, which this
// Invoke leaves to the controller; it stands for a call that never reached
// the proxy (as the queue worker's calls straight to a function, which
// woke nothing: faas#1131).
func (g *Gateway) Invoke(ctx context.Context, ref provider.Ref) int {
	fn, err := g.cfg.Provider.Function(ctx, ref)
	switch {
	case errors.Is(err, provider.ErrNotFound):
		return http.StatusNotFound
	case err != nil:
		return http.StatusBadGateway
	}
	name := ref.String()
	g.mu.Lock()
	st, ok := g.fns[ref]
	if !ok {
		// A deployed function with no workload set (no sync load: an
		// async-only function) is served like any other, with the default
		// workload; a 404 here failed its queued messages for ever, as the
		// worker redelivers every non-2xx (a review's finding). Its state
		// stays, so its calls are in its in-flight count from now on.
		g.setWorkload(ref, defaultWorkload)
		st = g.fns[ref]
	}
	if fn.AvailableReplicas == 0 {
		if !g.cfg.ScaleFromZero {
			// The proxy's "no endpoints" at once, started and completed
			// (a review's finding: this call went uncounted while Step
			// counted the same 503 for the load's calls).
			g.metrics.started(name, 1)
			g.metrics.complete(name, "503", 1, 0)
		}
		g.mu.Unlock()
		return http.StatusServiceUnavailable
	}
	if c := st.w.Concurrency; c > 0 && st.inflight >= int(fn.AvailableReplicas)*c {
		g.metrics.started(name, 1)
		g.metrics.complete(name, "429", 1, 0)
		g.mu.Unlock()
		return http.StatusTooManyRequests
	}
	st.inflight++
	g.metrics.started(name, 1)
	g.metrics.inflight(name, st.inflight+st.waitingCount())
	d := st.w.Duration
	g.mu.Unlock()

	start := g.cfg.Clock.Now()
	code := http.StatusOK
	if d > 0 {
		t := g.cfg.Clock.NewTicker(d)
		select {
		case <-t.C():
		case <-ctx.Done():
			code = http.StatusBadGateway
		}
		t.Stop()
	}
	g.mu.Lock()
	st.inflight--
	g.metrics.complete(name, fmt.Sprint(code), 1, g.cfg.Clock.Now().Sub(start))
	g.metrics.inflight(name, st.inflight+st.waitingCount())
	g.mu.Unlock()
	return code
}

// routeFunction is the function a route's {name} names (name or
// name.namespace, ns when it has no namespace) if the provider has it;
// otherwise it answers 400 (a bad name), 404 (no such function) or 500 and
// reports false.
func (g *Gateway) routeFunction(w http.ResponseWriter, r *http.Request, ns string) (provider.Ref, bool) {
	ref, err := provider.ParseRef(r.PathValue("name"), ns)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return ref, false
	}
	if _, err := g.cfg.Provider.Function(r.Context(), ref); errors.Is(err, provider.ErrNotFound) {
		http.Error(w, fmt.Sprintf("function %s not found", ref), http.StatusNotFound)
		return ref, false
	} else if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return ref, false
	}
	return ref, true
}
