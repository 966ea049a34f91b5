package controller

import (
	"bytes"
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// slowListing is the memory provider whose listings take 2 s while slow is
// set (a large fleet, a loaded API server).
type slowListing struct {
	*memory.Provider
	slow *atomic.Bool
}

func (s slowListing) Functions(ctx context.Context, namespace string) ([]provider.Function, error) {
	if s.slow.Load() {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	return s.Provider.Functions(ctx, namespace)
}

// TestANewTermDoesNotAnswerAlertsFromAFormerTermsListing: Loop.Notify
// returns ErrUnavailable (503 with Retry-After: AlertManager retries)
// "before the first successful listing, when no name can be checked", and
// ErrUnknownFunction (200: handled, never retried) only "when the last
// listing did not have the function". A listing made in a former term,
// maybe hours ago, checks nothing about now.
//
// Current: a replica that leads again answers from its former term's
// listing until the new term's first pass has listed: an alert for a
// function deployed while it followed is answered 200 "unknown_function",
// and AlertManager drops it (it would retry a 503, as it does for a
// process that has just started). The scaler's periodic pass picks an rps
// function up at its next tick, but a step-mode function scales on alerts
// only (scaler/doc.go: "Step mode follows alerts"), so its step up waits
// for AlertManager's repeat_interval. The window is one listing long (a
// few milliseconds from the Kubernetes provider's cache, longer on a large
// fleet): a missed scaling action, rarely.
func TestANewTermDoesNotAnswerAlertsFromAFormerTermsListing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		s := newStack(t, cfg, Wiring{}, fn{name: "nodeinfo", replicas: 1})
		base := runStack(t, s)
		var leading, slow atomic.Bool
		reg := prometheus.NewRegistry()
		ctl, err := New(cfg, Wiring{}, Deps{Provider: slowListing{s.mem, &slow}, Source: s.src, Registerer: reg, Leading: leading.Load})
		if err != nil {
			t.Fatal(err)
		}
		post := alertPoster(t, ctl.Loop)
		// A fresh process answers 503 while it lists: the control.
		slow.Store(true)
		end1 := startTerm(base, ctl, &leading)
		time.Sleep(time.Second) // listing
		if rec := post(); rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("control: a first term answers %d while it lists, want 503: %s", rec.Code, rec.Body.String())
		}
		time.Sleep(time.Minute)
		end1()

		// figlet is deployed while this replica follows.
		if err := s.mem.Deploy(provider.Function{Ref: ref("figlet"), Replicas: 1, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)

		// Term 2: the alert comes while the first pass lists.
		end2 := startTerm(base, ctl, &leading)
		time.Sleep(time.Second)
		rec := post()
		end2()
		if rec.Code != http.StatusServiceUnavailable && !bytes.Contains(rec.Body.Bytes(), []byte(`"result":"accepted","alerts":1,"accepted":1`)) {
			t.Errorf("term 2, before its first listing, answers %d to a firing alert for figlet (deployed while it followed), from term 1's listing; "+
				"AlertManager does not retry it: %s", rec.Code, rec.Body.String())
		}
	})
}
