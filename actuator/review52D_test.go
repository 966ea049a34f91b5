package actuator

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// slowReply is a memory provider whose writes land at once and whose reply
// comes reply later: a gateway or API server that applied the scale and
// answers slowly (a loaded Kubernetes API server, a slow network back). The
// write is visible to every listing from the moment it lands.
type slowReply struct {
	*memory.Provider
	reply time.Duration
}

func (s *slowReply) ScaleFrom(ctx context.Context, ref provider.Ref, from, to uint64) error {
	return s.ScaleFromCreated(ctx, ref, from, to, time.Time{})
}

func (s *slowReply) ScaleFromCreated(ctx context.Context, ref provider.Ref, from, to uint64, created time.Time) error {
	err := s.Provider.ScaleFromCreated(ctx, ref, from, to, created)
	select {
	case <-time.After(s.reply):
		return err
	case <-ctx.Done():
		return ctx.Err() // the reply is lost; the write has landed all the same
	}
}

// TestReview52DLoweringDecidedOnTheLandedCountIsNotStale: the scaler
// lowers "a" 3→1; the write lands at once, the provider's reply comes 4 s
// later. 2 s in, the idler lists "a", sees the 1 the scaler wrote, judges it
// idle and proposes 1→0, decided on exactly the count the scaler's write
// left. Arbitrate takes the scaler's write as made "after" the idler looked
// (Write.At is when the reply came, not when the write landed) and drops the
// scale to zero as changed: "scaler changed it 3→1 at …, after this was
// decided on 1" — a reason that contradicts itself (the proposer decided on
// the write's result). The function stays up until the idler's next cycle
// (minutes), and the idler reports the idle as overruled. The same holds for
// the scaler's own next scale-down decided on the count its previous write
// landed. Per Arbitrate's contract a lower count is dropped when "the count
// changed" since the proposer looked; here it had not. Expected: applied.
func TestReview52DLoweringDecidedOnTheLandedCountIsNotStale(t *testing.T) {
	for _, tc := range []struct {
		name    string
		next    Component
		mid, to uint64
	}{{"the idler's zero", Idler, 1, 0}, {"the scaler's next scale-down", Scaler, 2, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 3})
				slow := &slowReply{Provider: r.p, reply: 4 * time.Second}
				r.a.cfg.Provider = slow
				stop := r.run()
				defer stop()

				down := r.submit(intent(Scaler, refA, 3, tc.mid))
				time.Sleep(2 * time.Second)
				if n := r.replicas(refA); n != tc.mid {
					t.Fatalf("the scaler's write has not landed: %d replicas", n)
				}
				// Listed now: the count the scaler's write landed.
				next := r.submit(intent(tc.next, refA, tc.mid, tc.to))
				time.Sleep(7 * time.Second) // the scaler's reply comes, the next intent runs, its reply comes (4 s too)
				if o := outcome(t, down); o.Code != CodeApplied {
					t.Fatalf("scaler 3→%d: %s (%s)", tc.mid, o.Code, o.Reason)
				}
				o := outcome(t, next)
				if o.Code != CodeApplied || r.replicas(refA) != tc.to {
					t.Errorf("%s %d→%d decided on the %d the scaler's write had landed: %s (%s), replicas %d; want applied, %d",
						tc.next, tc.mid, tc.to, tc.mid, o.Code, o.Reason, r.replicas(refA), tc.to)
				}
			})
		})
	}
}

// TestReview52DIdleWhoseReplyWasLostStillGuardsAgainstStaleWakes: the
// idler's 3→0 lands, but its reply never comes (the call times out after
// 5 s: a gateway that applied the scale and hung on the answer). The
// actuator records an error and backs off 1 s; nothing of the zero is kept.
// The scaler's next pass finds "a" at 0 and, its 30 s load window still
// holding the load from before the idle, proposes a wake 0→2. That is the
// case CodeStaleEvidence exists for (README: "a wake from zero resting on
// load measured before the idle is dropped"), but the actuator does not
// know the idle happened (Input.Last is only a write whose reply came), so
// the wake is applied and the function the idler just judged idle is back
// up. README and execute.go say a lost reply "may have landed"; the
// arbitration then has to allow for it. Expected: stale_evidence, 0.
func TestReview52DIdleWhoseReplyWasLostStillGuardsAgainstStaleWakes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 3})
		slow := &slowReply{Provider: r.p, reply: time.Hour}
		r.a.cfg.Provider = slow
		idleAt := time.Now()
		o := r.a.Apply(t.Context(), intent(Idler, refA, 3, 0))
		if o.Code != CodeError || r.replicas(refA) != 0 {
			t.Fatalf("idle whose reply is lost: %s (%s), replicas %d; want error, 0 (landed)", o.Code, o.Reason, r.replicas(refA))
		}
		slow.reply = 0              // the provider answers again
		time.Sleep(2 * time.Second) // past the 1 s back-off
		wake := intent(Scaler, refA, 0, 2)
		wake.EvidenceFrom = idleAt.Add(-30 * time.Second)
		o = r.a.Apply(t.Context(), wake)
		if o.Code != CodeStaleEvidence || r.replicas(refA) != 0 {
			t.Errorf("wake on load measured before the idle that landed: %s (%s), replicas %d; want stale_evidence, 0",
				o.Code, o.Reason, r.replicas(refA))
		}
	})
}
