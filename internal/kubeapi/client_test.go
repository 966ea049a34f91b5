package kubeapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
)

// apiServer answers each request from a table keyed by method and path, and
// records what it was sent.
type apiServer struct {
	mu      sync.Mutex
	replies map[string]reply
	seen    []request
}

type reply struct {
	code int
	body string
}

type request struct {
	method, path, query, body string
}

func (a *apiServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	a.seen = append(a.seen, request{r.Method, r.URL.Path, r.URL.RawQuery, string(b)})
	rep, ok := a.replies[r.Method+" "+r.URL.Path]
	a.mu.Unlock()
	if !ok {
		rep = reply{404, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"no such path in the test"}`}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.code)
	_, _ = io.WriteString(w, rep.body)
}

func (a *apiServer) last(t *testing.T) request {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.seen) == 0 {
		t.Fatal("no request reached the server")
	}
	return a.seen[len(a.seen)-1]
}

func newTestClient(t *testing.T, replies map[string]reply) (*Client, *apiServer) {
	t.Helper()
	a := &apiServer{replies: replies}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	c, err := New(&rest.Config{Host: srv.URL, QPS: 50, Burst: 100})
	if err != nil {
		t.Fatal(err)
	}
	return c, a
}

const scalePath = "/apis/apps/v1/namespaces/openfaas-fn/deployments/echo/scale"

func TestScaleSubresource(t *testing.T) {
	c, srv := newTestClient(t, map[string]reply{
		"GET " + scalePath: {200, `{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"echo","namespace":"openfaas-fn","resourceVersion":"7"},"spec":{"replicas":2},"status":{"replicas":2}}`},
		"PUT " + scalePath: {200, `{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"echo","namespace":"openfaas-fn","resourceVersion":"8"},"spec":{"replicas":5},"status":{"replicas":2}}`},
	})
	ctx := context.Background()
	s, err := c.GetScale(ctx, "openfaas-fn", "echo")
	if err != nil {
		t.Fatal(err)
	}
	if s.Spec.Replicas != 2 || s.ResourceVersion != "7" {
		t.Fatalf("GetScale = replicas %d, resourceVersion %q; want 2, 7", s.Spec.Replicas, s.ResourceVersion)
	}
	s.Spec.Replicas = 5
	out, err := c.UpdateScale(ctx, "openfaas-fn", "echo", s, metav1.UpdateOptions{FieldManager: "faas-autoscaler"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Spec.Replicas != 5 || out.ResourceVersion != "8" {
		t.Errorf("UpdateScale = replicas %d, resourceVersion %q; want 5, 8", out.Spec.Replicas, out.ResourceVersion)
	}
	// The body is an autoscaling/v1 Scale carrying the resourceVersion read,
	// which is what makes the write conditional.
	var sent autoscalingv1.Scale
	if err := json.Unmarshal([]byte(srv.last(t).body), &sent); err != nil {
		t.Fatal(err)
	}
	if sent.APIVersion != "autoscaling/v1" || sent.Kind != "Scale" || sent.ResourceVersion != "7" || sent.Spec.Replicas != 5 {
		t.Errorf("sent %s %s rv %q replicas %d; want autoscaling/v1 Scale rv 7 replicas 5",
			sent.APIVersion, sent.Kind, sent.ResourceVersion, sent.Spec.Replicas)
	}
	// The manager the write is recorded under is named, not left to the
	// user agent.
	if q := srv.last(t).query; q != "fieldManager=faas-autoscaler" {
		t.Errorf("UpdateScale query %q; want fieldManager=faas-autoscaler", q)
	}
}

func TestListSendsTheSelector(t *testing.T) {
	c, srv := newTestClient(t, map[string]reply{
		"GET /apis/apps/v1/namespaces/openfaas-fn/deployments": {200, `{"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{"resourceVersion":"12"},"items":[{"metadata":{"name":"echo","namespace":"openfaas-fn"}}]}`},
	})
	l, err := c.ListDeployments(context.Background(), "openfaas-fn", metav1.ListOptions{LabelSelector: "faas_function", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 1 || l.Items[0].Name != "echo" || l.ResourceVersion != "12" {
		t.Errorf("ListDeployments = %+v; want echo at resourceVersion 12", l)
	}
	q := srv.last(t).query
	if !strings.Contains(q, "labelSelector=faas_function") || !strings.Contains(q, "limit=500") {
		t.Errorf("query %q; want the selector and the page size", q)
	}
}

func TestErrorsKeepTheServersReason(t *testing.T) {
	c, _ := newTestClient(t, map[string]reply{
		"PUT /apis/coordination.k8s.io/v1/namespaces/openfaas/leases/faas-autoscaler": {409, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Conflict","code":409,"message":"Operation cannot be fulfilled on leases.coordination.k8s.io \"faas-autoscaler\": the object has been modified"}`},
	})
	ctx := context.Background()
	_, err := c.UpdateLease(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "openfaas", Name: "faas-autoscaler", ResourceVersion: "3"}})
	if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), "the object has been modified") {
		t.Errorf("UpdateLease error = %v; want the server's Conflict with its message", err)
	}
	_, err = c.GetLease(ctx, "openfaas", "other")
	if !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), "no such path in the test") {
		t.Errorf("GetLease error = %v; want the server's NotFound with its message", err)
	}
}

func TestLeaseCreateAndUpdatePaths(t *testing.T) {
	const lease = `{"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"faas-autoscaler","namespace":"openfaas","resourceVersion":"4"},"spec":{"holderIdentity":"a"}}`
	c, srv := newTestClient(t, map[string]reply{
		"POST /apis/coordination.k8s.io/v1/namespaces/openfaas/leases":                {201, lease},
		"PUT /apis/coordination.k8s.io/v1/namespaces/openfaas/leases/faas-autoscaler": {200, lease},
	})
	ctx := context.Background()
	l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "openfaas", Name: "faas-autoscaler"}}
	got, err := c.CreateLease(ctx, l)
	if err != nil || got.ResourceVersion != "4" || *got.Spec.HolderIdentity != "a" {
		t.Fatalf("CreateLease = %+v, %v", got, err)
	}
	if _, err := c.UpdateLease(ctx, got); err != nil {
		t.Fatal(err)
	}
	var sent coordinationv1.Lease
	if err := json.Unmarshal([]byte(srv.last(t).body), &sent); err != nil {
		t.Fatal(err)
	}
	if sent.APIVersion != "coordination.k8s.io/v1" || sent.ResourceVersion != "4" {
		t.Errorf("update sent %s rv %q; want coordination.k8s.io/v1 rv 4", sent.APIVersion, sent.ResourceVersion)
	}
}

func TestNewRefusesQPSWithoutBurst(t *testing.T) {
	_, err := New(&rest.Config{Host: "http://127.0.0.1:1", QPS: 5})
	if err == nil || !strings.Contains(err.Error(), "burst") {
		t.Errorf("New with QPS and no burst = %v; want an error naming burst", err)
	}
}

func TestWatchDecodesAnExpiredWatchAsGone(t *testing.T) {
	const path = "/apis/apps/v1/namespaces/openfaas-fn/deployments"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path || r.URL.Query().Get("watch") != "true" {
			http.Error(w, "want a watch of "+path, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"type":"ADDED","object":{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"echo","namespace":"openfaas-fn","resourceVersion":"5"}}}`+"\n")
		_, _ = io.WriteString(w, `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"too old resource version: 5 (9)"}}`+"\n")
	}))
	t.Cleanup(srv.Close)
	c, err := New(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.WatchDeployments(context.Background(), "openfaas-fn", metav1.ListOptions{ResourceVersion: "5"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	added := <-w.ResultChan()
	if d, ok := added.Object.(*appsv1.Deployment); added.Type != watch.Added || !ok || d.Name != "echo" {
		t.Fatalf("first event = %s %T; want ADDED *Deployment echo", added.Type, added.Object)
	}
	ev := <-w.ResultChan()
	status, ok := ev.Object.(*metav1.Status)
	if ev.Type != watch.Error || !ok {
		t.Fatalf("second event = %s %T %v; want ERROR *Status", ev.Type, ev.Object, ev.Object)
	}
	if err := apierrors.FromObject(status); !apierrors.IsResourceExpired(err) {
		t.Errorf("the ERROR event reads as %v; want ResourceExpired (410), which makes the informer re-list", err)
	}
}

// HPAs are read through autoscaling/v1 (whatever version wrote them): the
// list decodes scaleTargetRef and the watch decodes HPA events.
func TestHorizontalPodAutoscalerPaths(t *testing.T) {
	const path = "/apis/autoscaling/v1/namespaces/openfaas-fn/horizontalpodautoscalers"
	const hpa = `{"kind":"HorizontalPodAutoscaler","apiVersion":"autoscaling/v1","metadata":{"name":"keda-hpa-echo","namespace":"openfaas-fn","resourceVersion":"3"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"echo","apiVersion":"apps/v1"},"maxReplicas":5}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.Error(w, "want "+path, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("watch") == "true" {
			_, _ = io.WriteString(w, `{"type":"ADDED","object":`+hpa+"}\n")
			return
		}
		_, _ = io.WriteString(w, `{"kind":"HorizontalPodAutoscalerList","apiVersion":"autoscaling/v1","metadata":{"resourceVersion":"3"},"items":[`+hpa+`]}`)
	}))
	t.Cleanup(srv.Close)
	c, err := New(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.ListHorizontalPodAutoscalers(context.Background(), "openfaas-fn", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 1 || l.Items[0].Spec.ScaleTargetRef != (autoscalingv1.CrossVersionObjectReference{Kind: "Deployment", Name: "echo", APIVersion: "apps/v1"}) {
		t.Errorf("ListHorizontalPodAutoscalers = %+v; want keda-hpa-echo scaling Deployment echo", l.Items)
	}
	w, err := c.WatchHorizontalPodAutoscalers(context.Background(), "openfaas-fn", metav1.ListOptions{ResourceVersion: "3"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ev := <-w.ResultChan()
	if h, ok := ev.Object.(*autoscalingv1.HorizontalPodAutoscaler); ev.Type != watch.Added || !ok || h.Name != "keda-hpa-echo" {
		t.Errorf("event = %s %T; want ADDED *HorizontalPodAutoscaler keda-hpa-echo", ev.Type, ev.Object)
	}
}
