package controller

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestIdleSectionSaysTheFirstCycleIsPending: right after a term begins (a
// process start, a new leader) the explain API served f, from the scaler's
// listing, with no idle section until the idler's first cycle ended (one
// idler.schedule after the term's refresh, and minutes long at 10,000
// functions): an operator asking why f was not idled got nothing. The
// section says what is true: pending, since the term began, the first
// cycle due at ….
func TestIdleSectionSaysTheFirstCycleIsPending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Idler.Schedule = "@every 30s" // the shipped default
		s := newStack(t, cfg, Wiring{}, fn{name: "f", replicas: 1,
			labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "10m")})
		base := runStack(t, s)
		var leading atomic.Bool
		reg := prometheus.NewRegistry()
		ctl, err := New(cfg, Wiring{}, Deps{Provider: provider.Instrument(s.mem, reg), Source: s.src, Registerer: reg,
			Leading: leading.Load})
		if err != nil {
			t.Fatal(err)
		}
		mux := Mux(ctl, http.NotFoundHandler(), reg, func() error { return nil })

		termStart := time.Now()
		end := startTerm(base, ctl, &leading)
		defer end()
		time.Sleep(10 * time.Second) // the scaler's first passes done, the idler's first cycle 30 s in

		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions/"+ns+"/f", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("control: GET f 10 s into the term: %d %s", rec.Code, rec.Body)
		}
		var one struct {
			Sections struct {
				Idle *struct {
					Pending     bool      `json:"pending"`
					Reason      string    `json:"reason"`
					Since       time.Time `json:"since"`
					NextCycleAt time.Time `json:"next_cycle_at"`
				} `json:"idle"`
			} `json:"sections"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &one); err != nil {
			t.Fatal(err)
		}
		idle := one.Sections.Idle
		if idle == nil {
			t.Fatalf("10 s into the term, before the idler's first cycle: no idle section in %s; want one saying the first cycle is pending", rec.Body)
		}
		if !idle.Pending || idle.Since.Before(termStart) || !idle.NextCycleAt.After(time.Now()) || !strings.Contains(idle.Reason, "due") {
			t.Errorf("10 s into the term: idle section %+v; want pending since the term began (%v), the first cycle due after now", *idle, termStart)
		}
	})
}
