package controller

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestReview52LNewTermServesNoFormerTermsIdleSection: with the scaler on
// (the default) the explain API lists from the scaler's loop, which refuses
// a former term's view until the new term's first pass has decided
// (scaler.errHeldOver). Once it has, every section is served, the idler's
// "idle" among them. But the idler explains a function only at the end of
// a cycle, and its first cycle of the new term comes one idler.schedule
// after the term's keep-alive refresh (30 s by default, minutes or hours
// with a cron schedule), so until then the idle section is the former
// term's, an hour old here: "replicas 0", code idle, last action "scaled
// to zero", beside the scaler's section that reads 3 replicas under load.
// Idler.NewTerm's contract (idler/idler.go): "from now until this term's
// first cycle has explained every function, the explain API has none of
// them (NotListed), not the former term's" — NotListed is only consulted
// when the idler is the lister (scaler off), so with the scaler on the
// promise does not hold.
//
// Expected: the response for f carries no idle section evaluated before
// the term began (absent, or this term's: since session 53 a pending one,
// saying the term's first cycle is due, whose since is the term's start).
func TestReview52LNewTermServesNoFormerTermsIdleSection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Idler.Schedule = "@every 30s" // the shipped default
		s := newStack(t, cfg, Wiring{}, fn{name: "f", replicas: 1,
			labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "10s")})
		base := runStack(t, s)

		var leading atomic.Bool
		reg := prometheus.NewRegistry()
		ctl, err := New(cfg, Wiring{}, Deps{Provider: provider.Instrument(s.mem, reg), Source: s.src, Registerer: reg,
			Leading: leading.Load})
		if err != nil {
			t.Fatal(err)
		}
		mux := Mux(ctl, http.NotFoundHandler(), reg, func() error { return nil })

		// Term 1: f has no load and is idled.
		time.Sleep(3 * time.Second) // two scrapes
		end1 := startTerm(base, ctl, &leading)
		time.Sleep(2 * time.Minute)
		end1()
		if r := s.replicas(t, "f"); r != 0 {
			t.Fatalf("control: term 1 did not idle f: %d replicas", r)
		}

		// An hour as a follower: f gets steady load and the other leader
		// runs it at 3.
		s.gw.SetWorkload(ref("f"), gatewaysim.Workload{Duration: 50 * time.Millisecond,
			Load: gatewaysim.Pattern{{For: 3 * time.Hour, RPS: 20}}})
		if err := s.mem.Scale(base, ref("f"), 3); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)

		// Term 2: asked 10 s in, after the scaler's first passes and before
		// the idler's first cycle (30 s in).
		termStart := time.Now()
		end2 := startTerm(base, ctl, &leading)
		defer end2()
		time.Sleep(10 * time.Second)

		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions/"+ns+"/f", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("control: GET f 10 s into term 2: %d %s", rec.Code, rec.Body)
		}
		var one struct {
			Replicas uint64 `json:"replicas"`
			Sections struct {
				Idle *struct {
					EvaluatedAt time.Time `json:"evaluated_at"`
					Replicas    uint64    `json:"replicas"`
					Code        string    `json:"code"`
					LastAction  string    `json:"last_action"`
					Pending     bool      `json:"pending"`
					Since       time.Time `json:"since"`
				} `json:"idle"`
			} `json:"sections"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &one); err != nil {
			t.Fatal(err)
		}
		if idle := one.Sections.Idle; idle != nil && !(idle.Pending && !idle.Since.Before(termStart)) && idle.EvaluatedAt.Before(termStart) {
			t.Errorf("10 s into term 2 the idle section is term 1's, evaluated %s before the term began: replicas %d, code %q, last action %q "+
				"(the scaler's section beside it: %d replicas); want no idle section until this term's first idler cycle",
				termStart.Sub(idle.EvaluatedAt).Round(time.Second), idle.Replicas, idle.Code, idle.LastAction, one.Replicas)
		}
	})
}
