package idler

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// landsThenFails is the shared in-memory provider whose next scale of ref
// to zero is applied and then answered with an error: an OpenFaaS gateway
// whose response timed out after faas-netes had changed the Deployment.
type landsThenFails struct {
	*testProvider
	mu   sync.Mutex
	ref  provider.Ref
	left int
}

// errAfterLanding is net/http's error for a response that timed out, as
// the OpenFaaS client returns it.
var errAfterLanding error = &url.Error{Op: "Post", URL: "http://gateway:8080/system/scale-function/f",
	Err: errors.New("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")}

func (p *landsThenFails) after(ref provider.Ref, to uint64, err error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil && to == 0 && ref == p.ref && p.left > 0 {
		p.left--
		return errAfterLanding
	}
	return err
}

func (p *landsThenFails) ScaleFrom(ctx context.Context, ref provider.Ref, from, to uint64) error {
	return p.after(ref, to, p.testProvider.ScaleFrom(ctx, ref, from, to))
}

// ScaleFromCreated is the actuator's write when the intent names the
// function's creation time, as the idler's do.
func (p *landsThenFails) ScaleFromCreated(ctx context.Context, ref provider.Ref, from, to uint64, created time.Time) error {
	return p.after(ref, to, p.testProvider.ScaleFromCreated(ctx, ref, from, to, created))
}

func (p *landsThenFails) Scale(ctx context.Context, ref provider.Ref, to uint64) error {
	return p.after(ref, to, p.testProvider.Scale(ctx, ref, to))
}

// callsWords words a provider's scale calls for a failure message.
func callsWords(p *testProvider, start time.Time) []string {
	var got []string
	for _, c := range p.Calls() {
		s := fmt.Sprintf("%s→%d at +%s", c.Ref.Name, c.Requested, c.At.Sub(start))
		if c.Err != nil {
			s += " (error)"
		}
		got = append(got, s)
	}
	return got
}

// landedIdler runs an idler ("@every 30s", cycles at +30s, +60s, …) over a
// provider whose first scale of "f" (opted in, zero-duration 1m, never
// invoked) to zero lands and answers an error.
func landedIdler(t *testing.T, start time.Time, cfg Config) (*landsThenFails, *fakeSource, *Idler) {
	t.Helper()
	f := ref("f")
	labels := optIn(LabelZeroDuration, "1m")
	if cfg.KeepAlive != nil {
		labels = optIn(LabelZeroDuration, "auto")
	}
	p := &landsThenFails{testProvider: newTestProvider(t, memory.Options{}, function("f", 2, start.Add(-time.Hour), labels)), ref: f, left: 1}
	src := newFakeSource(start.Add(-24 * time.Hour))
	cfg.Provider, cfg.Actuator, cfg.Source, cfg.Clock = p, newActuator(t, p, false), src, clock.Real()
	cfg.Schedule, cfg.Registerer = "@every 30s", prometheus.NewRegistry()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p, src, d
}

// TestZeroThatLandedDespiteAnErrorIsAWake: the idler's scale of "f" to
// zero at +30s lands but is answered with an error, so the idler did not
// mark it at zero. The gateway wakes it at +40s for a request; its replica
// is ready at +55s and the request starts then, which the source shows after
// its next scrape, at +65s. The +60s cycle lists one ready replica and no
// call: the idler must take it as woken (the listing cannot say the zero
// did not land), not idle it under the request the wake is for.
//
// Seen failing before the fix (and with the zeroFrom line in act.go removed):
// landed_error_test.go:133: scale calls [f→0 at +30s f→1 at +40s f→0 at +1m0s], want no
// scale to zero before +2m5s (the request at +65s, keep-alive 1m): idled again 20s after
// the wake; +60s cycle: idle "never invoked (no series) in the last 1m0s"
func TestZeroThatLandedDespiteAnErrorIsAWake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		f := ref("f")
		p, src, d := landedIdler(t, start, Config{})
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		wg.Go(func() {
			time.Sleep(40 * time.Second)
			p.SetColdStart(f, 15*time.Second)
			if err := p.testProvider.Scale(ctx, f, 1); err != nil { // the gateway's scale from zero
				t.Error(err)
			}
			time.Sleep(25 * time.Second)
			src.invoke(f) // started at +55s, scraped at +65s
		})
		time.Sleep(61 * time.Second)
		synctest.Wait()
		x, _ := d.Explain(f)
		at60 := x.(Explanation)
		time.Sleep(2*time.Minute + 30*time.Second) // to +3m31s
		synctest.Wait()
		cancel()
		wg.Wait()

		var zeroes []time.Duration
		for _, c := range p.Calls() {
			if c.Requested == 0 {
				zeroes = append(zeroes, c.At.Sub(start))
			}
		}
		if len(zeroes) < 1 || zeroes[0] != 30*time.Second {
			t.Fatalf("scale calls %v, want f→0 at +30s first", callsWords(p.testProvider, start))
		}
		if len(zeroes) > 1 && zeroes[1] < 125*time.Second {
			t.Fatalf("scale calls %v, want no scale to zero before +2m5s (the request at +65s, keep-alive 1m): idled again %s after the wake; +60s cycle: %s %q",
				callsWords(p.testProvider, start), zeroes[1]-40*time.Second, at60.Code, at60.Reason)
		}
		if at60.Code != CodeRecentlyScaled || !strings.Contains(at60.Reason, "may have landed") {
			t.Errorf("+60s cycle: %s %q, want recently_scaled saying the failed scale to zero may have landed", at60.Code, at60.Reason)
		}
		if len(zeroes) != 2 || zeroes[1] != 150*time.Second {
			t.Errorf("scale calls %v, want f→0 again at +2m30s, the first cycle a keep-alive after the request", callsWords(p.testProvider, start))
		}
	})
}

// TestZeroThatLandedDespiteAnErrorFollowsTheListing: nobody wakes "f" after
// the scale to zero that landed with an error; the next listing shows it at
// zero, and the idler believes the listing, not the error: the explain API's
// last action says it landed, it counts as idled, and an "auto" function's
// keep-alive policy learns the count it was idled from (what a pre-warm
// gives back). A wake after that is one, as after any idle.
//
// Seen failing before the fix (and with the zeroFrom line in act.go removed):
// landed_error_test.go:190: +60s cycle: already_zero, last action "scale to zero failed:
// Post \"http://gateway:8080/system/scale-function/f\": context deadline exceeded
// (Client.Timeout exceeded while awaiting headers)", want one saying the listing shows it
// landed
func TestZeroThatLandedDespiteAnErrorFollowsTheListing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		f := ref("f")
		pol := &zeroedPolicy{zeroed: map[string]uint64{}}
		p, _, d := landedIdler(t, start, Config{KeepAlive: pol})
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		time.Sleep(31 * time.Second)
		synctest.Wait()
		x, _ := d.Explain(f)
		at30 := x.(Explanation)
		time.Sleep(30 * time.Second)
		synctest.Wait()
		x, _ = d.Explain(f)
		at60 := x.(Explanation)
		idled := testutil.ToFloat64(d.m.idled)
		atZero := testutil.ToFloat64(d.m.atZero)
		if err := p.testProvider.Scale(ctx, f, 1); err != nil { // woken at +61s
			t.Fatal(err)
		}
		time.Sleep(30 * time.Second)
		synctest.Wait()
		x, _ = d.Explain(f)
		at90 := x.(Explanation)
		cancel()
		wg.Wait()

		if !strings.HasPrefix(at30.LastAction, "scale to zero failed") {
			t.Errorf("+30s cycle: last action %q, want the failure", at30.LastAction)
		}
		if at60.Code != CodeAlreadyZero || at60.Replicas != 0 || !strings.Contains(at60.LastAction, "listing shows 0 replicas") {
			t.Fatalf("+60s cycle: %s, last action %q, want one saying the listing shows it landed", at60.Code, at60.LastAction)
		}
		if idled != 1 || atZero != 1 {
			t.Errorf("after +60s: functions_idled_total %v, functions_at_zero %v, want 1 and 1", idled, atZero)
		}
		if pol.zeroed["f"] != 2 {
			t.Errorf("keep-alive policy told %v, want f idled from 2", pol.zeroed)
		}
		if at90.Code != CodeRecentlyScaled || !strings.Contains(at90.Reason, "woken from zero") || strings.Contains(at90.Reason, "may have landed") {
			t.Errorf("+90s cycle, woken at +61s: %s %q, want recently_scaled, woken from zero", at90.Code, at90.Reason)
		}
		if n := len(p.Calls()); n != 2 {
			t.Errorf("scale calls %v, want the zero and the wake only", callsWords(p.testProvider, start))
		}
	})
}
