package explain_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// fakeLister knows a fixed set of functions.
type fakeLister map[provider.Ref]explain.Function

func (f fakeLister) Refs() []provider.Ref {
	var out []provider.Ref
	for ref := range f {
		out = append(out, ref)
	}
	return out
}

func (f fakeLister) Explain(ref provider.Ref) (explain.Function, bool) {
	fn, ok := f[ref]
	return fn, ok
}

type section struct {
	name string
	data map[provider.Ref]any
}

func (s section) Name() string { return s.name }
func (s section) Explain(ref provider.Ref) (any, bool) {
	v, ok := s.data[ref]
	return v, ok
}

var (
	at   = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	refA = provider.Ref{Name: "a", Namespace: "openfaas-fn"}
	refB = provider.Ref{Name: "b", Namespace: "dev"}
	refC = provider.Ref{Name: "c", Namespace: "openfaas-fn"}
)

func lister() fakeLister {
	return fakeLister{
		refA: {Ref: refA.String(), Name: "a", Namespace: "openfaas-fn", Replicas: 2, AvailableReplicas: 2, DesiredReplicas: 5,
			Spec: map[string]any{"min": 1}, Decisions: []explain.Decision{
				{At: at, Trigger: "firing", Current: 2, Replicas: 5, Code: "scale_up", Reason: "rps 200 → 5", Scale: true, Result: "ok"},
				{At: at.Add(-5 * time.Second), Trigger: "tick", Current: 2, Replicas: 2, Code: "within_tolerance", Reason: "keep 2", Result: "none"},
			}},
		refB: {Ref: refB.String(), Name: "b", Namespace: "dev", Replicas: 1, AvailableReplicas: 1, DesiredReplicas: 1,
			SpecError: &explain.LabelError{Label: "com.openfaas.scale.max", Value: "lots", Reason: "want a whole number"}},
		refC: {Ref: refC.String(), Name: "c", Namespace: "openfaas-fn"},
	}
}

func get(t *testing.T, h http.Handler, method, path string) (int, http.Header, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

func TestList(t *testing.T) {
	status, hdr, body := get(t, explain.Handler(lister()), http.MethodGet, "/api/v1/functions")
	if status != http.StatusOK || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", status, hdr.Get("Content-Type"))
	}
	var got struct{ Functions []explain.Summary }
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	var refs []string
	for _, s := range got.Functions {
		refs = append(refs, s.Ref)
	}
	if diff := cmp.Diff([]string{"b.dev", "a.openfaas-fn", "c.openfaas-fn"}, refs); diff != "" {
		t.Errorf("order by namespace then name (-want +got):\n%s", diff)
	}
	a := got.Functions[1]
	if a.DesiredReplicas != 5 || a.Last == nil || a.Last.Code != "scale_up" {
		t.Errorf("summary of a = %+v, want desired 5 and the newest decision", a)
	}
	if !got.Functions[0].Invalid || got.Functions[2].Last != nil {
		t.Errorf("b should be invalid, c without decisions: %+v", got.Functions)
	}
}

func TestOneWithSections(t *testing.T) {
	idle := section{name: "idle", data: map[provider.Ref]any{refA: map[string]string{"state": "active"}}}
	sched := section{name: "schedule", data: map[provider.Ref]any{}}
	status, _, body := get(t, explain.Handler(lister(), idle, sched), http.MethodGet, "/api/v1/functions/openfaas-fn/a")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"idle": map[string]any{"state": "active"}}
	if diff := cmp.Diff(want, got["sections"]); diff != "" {
		t.Errorf("sections (-want +got); a section that does not know the function is left out:\n%s", diff)
	}
	for _, k := range []string{"ref", "spec", "replicas", "available_replicas", "desired_replicas", "decisions"} {
		if _, ok := got[k]; !ok {
			t.Errorf("field %q missing from %s", k, body)
		}
	}
	if ds := got["decisions"].([]any); len(ds) != 2 || ds[0].(map[string]any)["reason"] != "rps 200 → 5" {
		t.Errorf("decisions %v", ds)
	}
}

func TestLabelErrorShown(t *testing.T) {
	_, _, body := get(t, explain.Handler(lister()), http.MethodGet, "/api/v1/functions/dev/b")
	var got explain.Function
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.SpecError == nil || got.SpecError.Label != "com.openfaas.scale.max" || got.Spec != nil {
		t.Errorf("want the label error and no spec: %s", body)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, method, path string
		want               int
		wantBody           string
	}{
		{"unknown function", http.MethodGet, "/api/v1/functions/openfaas-fn/nope", http.StatusNotFound, "unknown function nope.openfaas-fn"},
		{"unknown namespace", http.MethodGet, "/api/v1/functions/x/a", http.StatusNotFound, "unknown function a.x"},
		{"other path", http.MethodGet, "/api/v1/x", http.StatusNotFound, "no such endpoint /api/v1/x"},
		// The function_name label's form, as an operator copies it from an
		// alert or a metric: the answer shows the path that works.
		{"name.namespace", http.MethodGet, "/api/v1/functions/figlet.openfaas-fn", http.StatusNotFound,
			"no such endpoint /api/v1/functions/figlet.openfaas-fn: a function is /api/v1/functions/{namespace}/{name}, here /api/v1/functions/openfaas-fn/figlet"},
		{"bare name", http.MethodGet, "/api/v1/functions/a", http.StatusNotFound,
			"no such endpoint /api/v1/functions/a: a function is /api/v1/functions/{namespace}/{name}"},
		{"too deep", http.MethodGet, "/api/v1/functions/a/b/c", http.StatusNotFound,
			"no such endpoint /api/v1/functions/a/b/c: a function is /api/v1/functions/{namespace}/{name}"},
		{"post list", http.MethodPost, "/api/v1/functions", http.StatusMethodNotAllowed, "method POST not allowed"},
		{"delete one", http.MethodDelete, "/api/v1/functions/openfaas-fn/a", http.StatusMethodNotAllowed, "method DELETE not allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, body := get(t, explain.Handler(lister()), tc.method, tc.path)
			if status != tc.want {
				t.Errorf("status %d, want %d", status, tc.want)
			}
			var e struct{ Error string }
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error != tc.wantBody {
				t.Errorf("body %q (%v), want a JSON error %q", body, err, tc.wantBody)
			}
			if tc.want == http.StatusMethodNotAllowed && !strings.Contains(hdr.Get("Allow"), "GET") {
				t.Errorf("Allow header %q", hdr.Get("Allow"))
			}
		})
	}
}
