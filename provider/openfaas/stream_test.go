package openfaas

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// listBody is a faas-netes style listing of n functions.
func listBody(n int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"fn-%06d","image":"ghcr.io/openfaas/figlet:latest","namespace":"openfaas-fn",`+
			`"replicas":1,"availableReplicas":1,"createdAt":"2026-12-01T23:00:00Z","labels":{"faas_function":"fn-%06d"}}`, i, i)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// TestListingIsDecodedAsItArrives: a listing is decoded element by element
// from the connection, not read whole and then decoded into a second list:
// at 100,000 functions that was ~115 MB held at once (the body grown by
// io.ReadAll's doubling, then the decoded list's), three listings at a
// time (scaler, idler, pre-warmer). Read whole first, a listing of this
// body allocated 7.1 times its size; decoded as it arrives, 4.7 (most of
// it what the result keeps: a Function, a name and a label map each).
func TestListingIsDecodedAsItArrives(t *testing.T) {
	const n = 20_000
	body := listBody(n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	cl := newTestClient(t, srv.URL, nil)
	if _, err := cl.Functions(t.Context(), "openfaas-fn"); err != nil { // warm the connection
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fns, err := cl.Functions(t.Context(), "openfaas-fn")
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) != n || fns[n-1].Name != fmt.Sprintf("fn-%06d", n-1) || fns[0].Labels["faas_function"] != "fn-000000" {
		t.Fatalf("listed %d functions, last %+v: want all %d", len(fns), fns[len(fns)-1], n)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("body %d bytes, listing allocated %d bytes (%.2f×)", len(body), alloc, float64(alloc)/float64(len(body)))
	if alloc > uint64(6*len(body)) {
		t.Errorf("a listing of a %d-byte body allocated %d bytes, want under six times the body (decode as it arrives)", len(body), alloc)
	}
}

// TestListingBodiesAsUnmarshalReadThem: decoded element by element, a
// listing still reads what json.Unmarshal read and refuses what it refused.
func TestListingBodiesAsUnmarshalReadThem(t *testing.T) {
	for _, tc := range []struct {
		body    string
		n       int
		wantErr string
	}{
		{body: "null", n: 0},
		{body: " [ ] \n", n: 0},
		{body: `[{"name":"a"},{"name":"b","namespace":"x"}]`, n: 2},
		{body: `[{"name":"a"}] [`, wantErr: "not the expected JSON"},
		{body: `[{"name":"a"}`, wantErr: "not the expected JSON"},
		{body: `{"name":"a"}`, wantErr: "not the expected JSON"},
		{body: `[{"name":""}]`, wantErr: "without a name"},
		{body: `[{"name":"a","replicas":"x"}]`, wantErr: "not the expected JSON"},
		// An empty 200 (a proxy, a gateway cut short) said only "(EOF)".
		{body: "", wantErr: "(an empty body, no JSON value)"},
		{body: " \n", wantErr: "(an empty body, no JSON value)"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(tc.body))
		}))
		cl := newTestClient(t, srv.URL, nil)
		fns, err := cl.Functions(t.Context(), "openfaas-fn")
		srv.Close()
		switch {
		case tc.wantErr == "" && (err != nil || len(fns) != tc.n):
			t.Errorf("%q: %d functions, error %v; want %d", tc.body, len(fns), err, tc.n)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%q: error %v, want one saying %q", tc.body, err, tc.wantErr)
		}
	}
}
