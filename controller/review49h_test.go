package controller

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/internal/exposition"
)

// TestReview49hLeadingAgainBeforeActServesTheLastTerm: the elector sets
// IsLeader true and then calls OnStartedLeading, whose act waits the
// warm-up (2 scrape intervals + 100 ms with the embedded source, at every
// term) before Controller.Act starts the loop, whose Run calls newTerm.
// Meanwhile the loop still holds its former term's listing (listed true,
// heldOver false): followerRefuses lets the request through (leading) and
// Loop.NotListed says nil, so the API answers 200 with the replicas,
// desired count and decisions of a term that ended an hour ago, which the
// README promises to refuse ("503 … in a leadership term after an earlier
// one until the term's first pass has decided"). Notify refuses in the
// same window (termEndedLocked: the former term's ctx is done); NotListed
// does not look at it.
//
// The same with scaler.enabled false: the idler's explained flag is reset
// by NewTerm and Run, both inside Act, after the warm-up.
//
// Seen failing before the fix (Loop.NotListed refuses once a term has ended;
// the idler's Run forgets what it explained when it returns): 200
// Retry-After="", want 503 with Retry-After.
func TestReview49hLeadingAgainBeforeActServesTheLastTerm(t *testing.T) {
	for _, scalerOn := range []bool{true, false} {
		t.Run(map[bool]string{true: "scaler", false: "idler only"}[scalerOn], func(t *testing.T) {
			leadingAgainBeforeAct(t, scalerOn)
		})
	}
}

func leadingAgainBeforeAct(t *testing.T, scalerOn bool) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Scaler.Enabled = scalerOn
		s := newStack(t, cfg, Wiring{}, fn{name: "api", replicas: 3})
		base := runStack(t, s)
		var leading atomic.Bool
		reg := prometheus.NewRegistry()
		ctl, err := New(cfg, Wiring{}, Deps{Provider: s.mem, Source: s.src, Registerer: reg, Leading: leading.Load})
		if err != nil {
			t.Fatal(err)
		}
		mux := Mux(ctl, http.NotFoundHandler(), reg, func() error {
			if !leading.Load() {
				return errors.New("not the leader")
			}
			return nil
		})
		get := func(p string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
			return rec
		}
		end := startTerm(base, ctl, &leading)
		time.Sleep(30 * time.Second)
		if rec := get("/api/v1/functions"); rec.Code != http.StatusOK {
			t.Fatalf("control: term 1 answers %d: %s", rec.Code, rec.Body)
		}
		end()
		if err := s.mem.Scale(base, ref("api"), 7); err != nil { // the other leader's write
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		if rec := get("/api/v1/functions"); rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("control: a follower answers %d: %s", rec.Code, rec.Body)
		}

		// The lease is won again: IsLeader is true from here; Act runs
		// only after the warm-up.
		leading.Store(true)
		for _, p := range []string{"/api/v1/functions", "/api/v1/functions/" + ns + "/api"} {
			if rec := get(p); rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
				body := rec.Body.String()
				if len(body) > 300 {
					body = body[:300] + "…"
				}
				t.Errorf("GET %s leading again, before the new term's loop has started: %d Retry-After=%q, "+
					"want 503 with Retry-After (the body is the former term's, an hour old; the function has 7 now):\n%s",
					p, rec.Code, rec.Header().Get("Retry-After"), body)
			}
		}
		leading.Store(false)
	})
}

// TestReview49hMetricsHonoursGzipRefused: /metrics is "gzipped when
// accepted". RFC 9110 12.5.3: a coding with qvalue 0 is not acceptable, and
// a qvalue is written "0", "0.0", "0.00" or "0.000" (and "Q=0": parameter
// names are case-insensitive). acceptsGzip takes only the literal "q=0" as
// a refusal, so "gzip;q=0.0" got a gzipped body the client said it cannot
// read. promhttp (the other gatherer's handler) negotiates the qvalue.
//
// Seen failing before the fix (acceptsGzip reads the q-value as a number):
// Accept-Encoding "gzip;q=0.0": Content-Encoding "gzip", want none.
func TestReview49hMetricsHonoursGzipRefused(t *testing.T) {
	reg := exposition.NewRegistry()
	h := metricsHandler(reg)
	for _, ae := range []string{"gzip;q=0", "gzip;q=0.0", "gzip; q=0.000", "gzip;Q=0"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept-Encoding", ae)
		h.ServeHTTP(rec, req)
		if ce := rec.Header().Get("Content-Encoding"); ce != "" {
			t.Errorf("Accept-Encoding %q (gzip not acceptable): Content-Encoding %q, want none", ae, ce)
		}
	}
}
