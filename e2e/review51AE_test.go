package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// fatalRecorder is a testing.TB whose Fatal/Fatalf record the message and
// end the goroutine, as the real ones do.
type fatalRecorder struct {
	testing.TB
	fatal string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *fatalRecorder) Fatal(args ...any) {
	r.fatal = fmt.Sprint(args...)
	runtime.Goexit()
}

func recordFatal(f func(t testing.TB)) *fatalRecorder {
	r := &fatalRecorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

// explainAt (async_test.go) reads a controller's explanation, but a non-200
// answer (or a body that does not decode) is returned as an empty
// explain.Function, silently; Stack.Explain fails the test on both. In
// TestAsyncSourcesAgree, "Held for a while: every later decision of each
// agrees" compares latest(prometheus) with latest(jetstream): two
// controllers that both answer 503 (or 404: the function no longer
// listed) both give the zero Decision, which "agree" (Replicas 0 == 0,
// Code "" == ""), so the check passes without a single decision read.
//
// Expected: explainAt fails the test on a non-200 answer, as Stack.Explain
// does. Seen: it returns an empty function, and the agreement check holds.
func TestReview51AE_ExplainAtSwallowsNon200(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	ref := provider.Ref{Name: "a4-agree", Namespace: "openfaas-fn"}
	var p, j int
	var pc, jc string
	r := recordFatal(func(t testing.TB) {
		pd, jd := explainAt(t, srv.URL, ref).Decisions, explainAt(t, srv.URL, ref).Decisions
		p, j = len(pd), len(jd)
		pc, jc = fmt.Sprint(pd), fmt.Sprint(jd)
	})
	if r.fatal == "" {
		t.Errorf("explainAt on a 503 answer did not fail: decisions %d (%s) and %d (%s), which the agreement check "+
			"reads as two zero decisions that agree", p, pc, j, jc)
	}
}

// TestScaleDownAndIdle's idle check says: "Never invoked: idle only once
// Prometheus proves a whole window without invocations, so not before it
// has scraped for zeroDuration", and asserts idledAt.Sub(before) >=
// zeroDuration with `before` taken before Start. Start spends Prometheus'
// start-up and its first target-set tick (about 5 s, teststack's doc)
// before the first scrape of the gateway, so `before` precedes the first
// scrape by seconds: an idler that idles after only zeroDuration minus
// that gap of observation (about half of the test's 10 s) passes. The
// same loose reference is in TestPrometheusOutage (`restarted`, taken when
// Prometheus is ready, before its first scrape) and faults' promFault
// (`cleared`).
//
// Expected: the reference point of "scraped for zeroDuration" is the
// first scrape (within a scrape interval). Seen: the first scrape comes
// several seconds after `before`.
//
// (Fixer's note: as first written, this test required the first scrape
// to come within 1 s of a time taken before Start, which no fix of the
// check can give: Prometheus' start-up and its 5 s target-set ticker come
// first. The checks now count from teststack's Prom.FirstUp; this test
// holds that reference to the first gateway sample, within a scrape
// interval, and still reports how far `before` was from it.)
func TestReview51AE_IdleCheckReferenceIsBeforeTheFirstScrape(t *testing.T) {
	before := time.Now()
	st := Start(t, Options{Binary: controllerBin})
	ref := st.Prom.FirstUp(t, JobGateway) // what the idle checks count from
	m, ok := st.Prom.Query(t, `up{job="`+JobGateway+`"}[5m]`).(model.Matrix)
	if !ok || len(m) == 0 || len(m[0].Values) == 0 {
		t.Fatalf("no gateway scrape in Prometheus: %v", m)
	}
	first := m[0].Values[0].Timestamp.Time()
	if d := ref.Sub(first); d < 0 || d > time.Second {
		t.Errorf("idle checks count from %s, the first gateway scrape was at %s (%s apart); want the first scrape, within a scrape interval",
			ref.Format(time.StampMilli), first.Format(time.StampMilli), d)
	}
	t.Logf("first gateway scrape %s after `before` (the old reference)", first.Sub(before).Round(time.Millisecond))
}
