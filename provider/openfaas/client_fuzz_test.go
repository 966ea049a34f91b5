package openfaas

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// refStatus is functionStatus as plain encoding/json reads it: an absent
// or null availableReplicas is nil.
type refStatus struct {
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace"`
	Labels            map[string]string `json:"labels"`
	Annotations       map[string]string `json:"annotations"`
	Replicas          uint64            `json:"replicas"`
	AvailableReplicas *uint64           `json:"availableReplicas"`
	CreatedAt         time.Time         `json:"createdAt"`
}

// FuzzFunctions checks the decode of a /system/functions listing, made
// element by element as the body arrives (decodeList, optCount), against
// json.Unmarshal of the whole body into a list of refStatus: for any body
// both refuse it or read the same statuses, and so when the body arrives
// a byte at a time. It then lists through a Client (the gateway answered
// in memory, as faasd or not): a listing encoding/json refuses, or with a
// function without a name, is an error that says so and why, naming the
// endpoint; any other is the functions read, their available replicas at
// most the desired (on faasd, an absent count is the replicas).
//
// One deliberate difference: decodeList counts nesting from each element,
// json.Unmarshal from the list (both allow 10,000): a listing it refuses
// only for its depth may be read.
func FuzzFunctions(f *testing.F) {
	for _, s := range []string{
		string(listBody(2)),
		`[{"name":"a","namespace":"dev","labels":{},"annotations":{}},{"name":"b","namespace":"dev","labels":{"x":"1"}}]`,
		`[{"name":"figlet","namespace":"openfaas-fn","replicas":1,"availableReplicas":0}]`,
		`[{"name":"figlet","replicas":3,"availableReplicas":5,"createdAt":"2026-12-01T23:00:00.5+01:00"}]`,
		`[{"name":"figlet","replicas":2,"availableReplicas":null},{"name":"env","replicas":0}]`,
		`[{"name":"a"},{"name":"b","namespace":"x"}]`,
		`null`, " [ ] \n",
		`[{"name":"a"}] [`, `[{"name":"a"}`, `{"name":"a"}`, `[{"name":""}]`, `[null]`,
		`[{"name":"a","replicas":"x"}]`, `[{"name":"a","replicas":-1}]`, `[{"name":"a","availableReplicas":1e3}]`,
		`[{"name":"a","availableReplicas":18446744073709551616}]`, `[{"name":"a","createdAt":"yesterday"}]`,
		`[{"NAME":"a","Replicas":1}]`, `[{"name":"a","labels":{"k":1}}]`, ``,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, faasd bool) {
		var want []refStatus
		wantErr := json.Unmarshal(body, &want)
		for name, r := range map[string]io.Reader{
			"whole":         bytes.NewReader(body),
			"a byte a time": iotest.OneByteReader(bytes.NewReader(body)),
			"data with EOF": iotest.DataErrReader(bytes.NewReader(body)),
		} {
			var got []refStatus
			err := decodeList(r, func(s functionStatus) error {
				got = append(got, asRef(s))
				return nil
			})
			switch {
			case err != nil && wantErr != nil:
				continue
			case err != nil:
				t.Fatalf("%s: decodeList refused what json.Unmarshal reads: %v\nbody %q", name, err, body)
			case wantErr != nil && strings.Contains(wantErr.Error(), "exceeded max depth"):
				continue // nesting counts from each element (above)
			case wantErr != nil:
				t.Fatalf("%s: decodeList read what json.Unmarshal refuses (%v): %+v\nbody %q", name, wantErr, got, body)
			}
			if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
				t.Fatalf("%s: statuses (-json.Unmarshal +decodeList):\n%s\nbody %q", name, d, body)
			}
		}

		fns, err := listFrom(t, body, faasd)
		if wantErr != nil && strings.Contains(wantErr.Error(), "exceeded max depth") {
			return
		}
		noName := false
		for _, s := range want {
			noName = noName || s.Name == ""
		}
		switch {
		case wantErr != nil || noName:
			if err == nil {
				t.Fatalf("listed %d functions from a listing json.Unmarshal refuses (%v) or with one without a name\nbody %q", len(fns), wantErr, body)
			}
			msg := err.Error()
			if !strings.Contains(msg, "GET /system/functions?namespace=openfaas-fn") ||
				!strings.Contains(msg, "listed a function without a name") && !strings.Contains(msg, "not the expected JSON (") {
				t.Fatalf("error %q does not name the endpoint and what is wrong\nbody %q", msg, body)
			}
			return
		case err != nil:
			t.Fatalf("a listing json.Unmarshal reads: %v\nbody %q", err, body)
		}
		wantFns := make([]provider.Function, len(want))
		for i, s := range want {
			ns := s.Namespace
			if ns == "" {
				ns = "openfaas-fn"
			}
			available := uint64(0)
			switch {
			case s.AvailableReplicas != nil:
				available = min(*s.AvailableReplicas, s.Replicas)
			case faasd:
				available = s.Replicas
			}
			wantFns[i] = provider.Function{
				Ref: provider.Ref{Name: s.Name, Namespace: ns}, Labels: s.Labels, Annotations: s.Annotations,
				Replicas: s.Replicas, AvailableReplicas: available, CreatedAt: s.CreatedAt,
			}
		}
		if d := cmp.Diff(wantFns, fns, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("functions (-json.Unmarshal +Functions):\n%s\nbody %q", d, body)
		}
	})
}

func asRef(s functionStatus) refStatus {
	r := refStatus{Name: s.Name, Namespace: s.Namespace, Labels: s.Labels, Annotations: s.Annotations,
		Replicas: s.Replicas, CreatedAt: s.CreatedAt}
	if s.AvailableReplicas.set {
		n := s.AvailableReplicas.n
		r.AvailableReplicas = &n
	}
	return r
}

// roundTrip is an http.RoundTripper of a function.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// listFrom lists the default namespace from a gateway, in memory, that
// answers the listing with body and /system/info as faasd or faas-netes.
func listFrom(t *testing.T, body []byte, faasd bool) ([]provider.Function, error) {
	info := `{"provider":{"provider":"faas-netes","orchestration":"kubernetes"}}`
	if faasd {
		info = `{"provider":{"provider":"faasd","orchestration":"containerd"}}`
	}
	gateway := roundTrip(func(r *http.Request) (*http.Response, error) {
		answer := body
		if r.URL.Path == "/system/info" {
			answer = []byte(info)
		}
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Request: r,
			Body: io.NopCloser(bytes.NewReader(answer))}, nil
	})
	cl := newTestClient(t, "http://gateway:8080", func(c *Config) {
		c.HTTPClient = &http.Client{Transport: gateway}
	})
	return cl.Functions(t.Context(), "")
}
