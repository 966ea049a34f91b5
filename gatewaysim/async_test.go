package gatewaysim

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

type fakePublisher struct {
	mu   sync.Mutex
	reqs []AsyncRequest
	refs []provider.Ref
	err  error
}

func (p *fakePublisher) PublishAsync(_ context.Context, ref provider.Ref, req AsyncRequest) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return "", p.err
	}
	p.reqs, p.refs = append(p.reqs, req), append(p.refs, ref)
	if req.CallID != "" {
		return req.CallID, nil
	}
	return "id-1", nil
}

// TestAsyncRoute: a queued request is answered 202 with its call id and
// carries the body, the X- headers and the callback URL; unknown functions
// are 404, oversize bodies 413, a failed publish 500; without a publisher
// there is no route.
func TestAsyncRoute(t *testing.T) {
	g, _ := newGateway(t, 1, nil, Config{})
	pub := &fakePublisher{}
	srv := httptest.NewServer(g.Handler(APIOptions{Async: pub, Username: "u", Password: "p"}))
	defer srv.Close()
	post := func(path, body string, h map[string]string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := post("/async-function/figlet.openfaas-fn", "hello", map[string]string{"X-Callback-Url": "http://cb/", "X-Tenant": "a", "Authorization": "secret"})
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("X-Call-Id") != "id-1" {
		t.Fatalf("status %d, call id %q; want 202 id-1", resp.StatusCode, resp.Header.Get("X-Call-Id"))
	}
	r := pub.reqs[0]
	if pub.refs[0] != ref || string(r.Body) != "hello" || r.CallbackURL != "http://cb/" || r.Header.Get("X-Tenant") != "a" || r.Header.Get("Authorization") != "" {
		t.Fatalf("published %v %+v", pub.refs[0], r)
	}
	if resp := post("/async-function/figlet", "x", map[string]string{"X-Call-Id": "given"}); resp.Header.Get("X-Call-Id") != "given" || pub.refs[1] != ref {
		t.Fatalf("bare name / given call id: %q %v", resp.Header.Get("X-Call-Id"), pub.refs[1])
	}
	if resp := post("/async-function/nope", "x", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown function: %d, want 404", resp.StatusCode)
	}
	if resp := post("/async-function/figlet", strings.Repeat("x", maxAsyncBody+1), nil); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversize: %d, want 413", resp.StatusCode)
	}
	pub.err = errors.New("nats: no responders")
	if resp := post("/async-function/figlet", "x", nil); resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("publish failed: %d, want 500", resp.StatusCode)
	}

	plain := httptest.NewServer(g.Handler(APIOptions{}))
	defer plain.Close()
	resp2, err := http.Post(plain.URL+"/async-function/figlet", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusNotFound {
		t.Fatalf("without a publisher: %d, want 404", resp2.StatusCode)
	}
}

// TestInvoke: the queue worker's synchronous call: 503 at zero, 429 over
// the replicas' concurrency, else 200 after the function's duration, counted
// as started and completed.
func TestInvoke(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, mem := newGateway(t, 1, nil, Config{Clock: clock.Real()})
		g.SetWorkload(ref, Workload{Duration: time.Second, Concurrency: 1})
		ctx := context.Background()
		done := make(chan int)
		go func() { done <- g.Invoke(ctx, ref) }()
		synctest.Wait()
		if code := g.Invoke(ctx, ref); code != http.StatusTooManyRequests {
			t.Fatalf("second call on one replica of concurrency 1: %d, want 429", code)
		}
		if code := <-done; code != http.StatusOK {
			t.Fatalf("first call: %d, want 200", code)
		}
		if got := counter(t, g, "total", ref.String(), "200"); got != 1 {
			t.Fatalf("200s counted: %g, want 1", got)
		}
		if err := mem.Scale(ctx, ref, 0); err != nil {
			t.Fatal(err)
		}
		if code := g.Invoke(ctx, ref); code != http.StatusServiceUnavailable {
			t.Fatalf("at zero: %d, want 503", code)
		}
		if code := g.Invoke(ctx, provider.Ref{Name: "nope", Namespace: "openfaas-fn"}); code != http.StatusNotFound {
			t.Fatalf("unknown: %d, want 404", code)
		}
	})
}
