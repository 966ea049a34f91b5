package controller

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// slowReplicaHistory is a Prometheus whose replica history takes delay to
// read (an empty answer); every other query is an empty matrix at once.
type slowReplicaHistory struct{ delay time.Duration }

func (h slowReplicaHistory) QueryRange(ctx context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if q != keepalive.RebuildReplicasQuery(r.Step) {
		return model.Matrix{}, nil, nil, nil
	}
	select {
	case <-time.After(h.delay):
		return model.Matrix{}, nil, nil, nil
	case <-ctx.Done():
		return nil, nil, nil, ctx.Err()
	}
}

// TestScalerOffExplainDuringATermsRefreshIsNotAFormerTerms: with
// the scaler off (only scale to zero runs) the explain API lists and
// explains from the idler (http.go, idlerLister). Idler.NotListed promises
// 503 "rather than ... a former term's" explanations until a cycle of this
// term has explained the functions (idler/explain.go), and the scaler's
// lister refuses a former term's view the same way (scaler.errHeldOver,
// explain.Unlisted: "nor an earlier term's explanations, which read as
// current").
//
// Current: the idler forgets its former term's explanations only when its
// Run starts (Idler.Run sets explained=false), and Act starts the idler
// only after the term's keep-alive refresh (refreshZeroed, bounded by
// keep_alive.rebuild_timeout, 30 s by default; the replica history since
// the last term, about a step a half second at 100,000 functions). During
// that refresh, on the new leader, the explain API answers 200 with the
// replica count the idler saw in its former term, an hour old, as the
// function's replicas and desired replicas.
//
// Seen failing before the fix: "the new leader, during its term's
// keep-alive refresh, answers 200 with replicas 0, desired 0".
func TestScalerOffExplainDuringATermsRefreshIsNotAFormerTerms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Scaler.Enabled = false // only scale to zero runs: the idler lists
		cfg.KeepAlive.RebuildLookback = 2 * time.Hour
		cfg.KeepAlive.RebuildTimeout = 30 * time.Second
		s := newStack(t, cfg, Wiring{}, fn{name: "api", replicas: 2,
			labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "10s")})
		base := runStack(t, s)
		var leading atomic.Bool
		reg := prometheus.NewRegistry()
		ctl, err := New(cfg, Wiring{DefaultNamespace: ns}, Deps{Provider: s.mem, Source: s.src, Registerer: reg,
			Leading: leading.Load, History: slowReplicaHistory{delay: 20 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = ctl.Learn(base) }()
		time.Sleep(time.Minute) // the start's rebuild has ended
		mux := Mux(ctl, http.NotFoundHandler(), reg, func() error {
			if !leading.Load() {
				return errors.New("not the leader")
			}
			return nil
		})

		// Term 1: the idler idles api (no load) and explains it at 0.
		end1 := startTerm(base, ctl, &leading)
		time.Sleep(2 * time.Minute)
		end1()
		if r := s.replicas(t, "api"); r != 0 {
			t.Fatalf("control: term 1 did not idle api: %d replicas", r)
		}
		// Another leader wakes it to 5; an hour passes.
		if err := s.mem.Scale(base, ref("api"), 5); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)

		// Term 2: five seconds in, its keep-alive refresh is still reading.
		end2 := startTerm(base, ctl, &leading)
		defer end2()
		time.Sleep(5 * time.Second)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions/openfaas-fn/api", nil))
		if rec.Code != http.StatusOK {
			return // refused until this term has explained it: as promised
		}
		var f struct {
			Replicas        uint64 `json:"replicas"`
			DesiredReplicas uint64 `json:"desired_replicas"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &f); err != nil {
			t.Fatal(err)
		}
		if f.Replicas != 5 {
			t.Errorf("the new leader, during its term's keep-alive refresh, answers 200 with replicas %d, desired %d: "+
				"its former term's view an hour old (api has 5 now); want 503 until this term's idler has explained it:\n%s",
				f.Replicas, f.DesiredReplicas, rec.Body.String())
		}
	})
}
