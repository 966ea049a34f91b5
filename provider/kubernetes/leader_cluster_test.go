package kubernetes

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubecluster"
	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/leader"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Short election timings keep the test to seconds; the ratios are the
// defaults' (15/10/2 s): 1 s between the old leader stopping and a new one
// being allowed to start.
const (
	testLease   = 4 * time.Second
	testRenew   = 3 * time.Second
	testRetry   = 500 * time.Millisecond
	actionEvery = 100 * time.Millisecond
)

// scaleLog is the ledger of scale actions by every replica. Each action
// reads the live replica count and writes count+1, so two replicas acting at
// once would write some count twice.
type scaleLog struct {
	mu      sync.Mutex
	actions []scaleAction
}

type scaleAction struct {
	who string
	to  uint64
	at  time.Time
	// maybe: the call was made and failed (actuator.CodeError), so the
	// API server may have taken the count or not. A leader whose lease
	// lapses mid-call cancels it, and a write the server already accepted
	// then reads as failed to the caller (seen in CI: the old leader's
	// count 30 landed, unrecorded, and the new leader wrote 31).
	maybe bool
}

func (l *scaleLog) add(who string, to uint64, maybe bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.actions = append(l.actions, scaleAction{who, to, time.Now(), maybe})
}

// checkLedger verifies that no count was written twice and none skipped:
// each recorded write is one above the count before it, where a failed
// call in between may have landed or not. It returns the lowest and
// highest count the API server can hold after them.
func checkLedger(acts []scaleAction) (lo, hi uint64, err error) {
	var maybes uint64
	for i, act := range acts {
		if act.maybe {
			maybes++
			continue
		}
		if act.to < lo+1 || act.to > lo+1+maybes {
			return 0, 0, fmt.Errorf("action %d by %s wrote %d; want %d (or up to %d after %d failed calls that may have landed): a count written twice or skipped: %+v",
				i, act.who, act.to, lo+1, lo+1+maybes, maybes, acts)
		}
		lo, maybes = act.to, 0
	}
	return lo, lo + maybes, nil
}

func (l *scaleLog) snapshot() []scaleAction {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]scaleAction(nil), l.actions...)
}

// electedReplica is one controller replica: its own provider (cache), its
// own elector, and a lease client whose connection the test can cut.
type electedReplica struct {
	name        string
	elector     *leader.Elector
	partitioned atomic.Bool
	stop        context.CancelFunc
	done        chan error
}

func startElectedReplica(t *testing.T, c *kubecluster.Cluster, ns, name string, ref provider.Ref, log *scaleLog) *electedReplica {
	t.Helper()
	r := &electedReplica{name: name, done: make(chan error, 1)}
	p := startProvider(t, c.Config, ns)

	// The lease client goes through a transport that, once partitioned,
	// hangs every request until its deadline, like a dropped network path.
	leaseCfg := rest.CopyConfig(c.Config)
	leaseCfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if r.partitioned.Load() {
				<-req.Context().Done()
				return nil, req.Context().Err()
			}
			return rt.RoundTrip(req)
		})
	}
	leaseClient, err := kubeapi.New(leaseCfg)
	if err != nil {
		t.Fatal(err)
	}
	var e *leader.Elector
	e, err = leader.New(leader.Config{
		Client: leaseClient, Namespace: ns, Identity: name,
		LeaseDuration: testLease, RenewDeadline: testRenew, RetryPeriod: testRetry,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
		OnStartedLeading: func(ctx context.Context) {
			// The controller's one writer, guarded by this elector as the
			// assembly wires it: a replica that lost the lease writes nothing.
			ac := actuator.Default()
			ac.Provider, ac.Leading = p, e.IsLeader
			act, err := actuator.New(ac)
			if err != nil {
				t.Error(err)
				return
			}
			for ctx.Err() == nil {
				s, err := c.Client.AppsV1().Deployments(ns).GetScale(ctx, ref.Name, metav1.GetOptions{})
				if err == nil {
					from := uint64(s.Spec.Replicas)
					o := act.Apply(ctx, actuator.Intent{Ref: ref, From: from, To: from + 1, Who: actuator.Scaler, Observed: time.Now()})
					switch o.Code {
					case actuator.CodeApplied:
						log.add(name, from+1, false)
					case actuator.CodeError:
						log.add(name, from+1, true)
					}
				}
				select {
				case <-ctx.Done():
				case <-time.After(actionEvery):
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.elector = e
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	go func() { r.done <- e.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

// Two replicas; the leader is cut off from the API server (it cannot renew,
// and its requests hang). The other takes over within the lease duration,
// and no count is ever written twice: the old leader stopped first.
func TestClusterLeaderFailoverNeverScalesTwice(t *testing.T) {
	tests := []struct {
		name     string
		kill     func(r *electedReplica)
		deadline time.Duration // from the kill to the follower leading
	}{
		{
			name: "leader partitioned",
			kill: func(r *electedReplica) { r.partitioned.Store(true) },
			// The follower sees the last renewal at its next poll and takes
			// over at its first poll LeaseDuration later; polls are
			// RetryPeriod apart plus up to 1.2×RetryPeriod of jitter. The
			// second is slack for a loaded machine.
			deadline: testLease + 2*testRetry*22/10 + time.Second,
		},
		{
			name: "leader shut down",
			kill: func(r *electedReplica) { r.stop() },
			// It released the Lease: the follower's next poll, not a lease
			// duration.
			deadline: testRetry*22/10 + time.Second,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := cluster.Get(t)
			ns := c.Namespace(t)
			// Paused: the count changes, but KCM makes no pods for it.
			d := functionDeployment(ns, "counter", 0, nil)
			d.Spec.Paused = true
			createDeployment(t, c.Client, d)
			ref := provider.Ref{Name: "counter", Namespace: ns}
			var log scaleLog

			a := startElectedReplica(t, c, ns, "a", ref, &log)
			testenv.WaitFor(t, 30*time.Second, "a leads", a.elector.IsLeader)
			b := startElectedReplica(t, c, ns, "b", ref, &log)
			testenv.WaitFor(t, 10*time.Second, "a acts", func() bool { return len(log.snapshot()) >= 5 })
			if b.elector.IsLeader() {
				t.Fatal("b leads while a renews")
			}

			killed := time.Now()
			tc.kill(a)
			testenv.WaitFor(t, 30*time.Second, "b leads", b.elector.IsLeader)
			if took := time.Since(killed); took > tc.deadline {
				t.Errorf("b led %s after the kill; want within %s", took.Round(time.Millisecond), tc.deadline)
			} else {
				t.Logf("b led %s after the kill", took.Round(time.Millisecond))
			}
			testenv.WaitFor(t, 10*time.Second, "b acts", func() bool {
				acts := log.snapshot()
				return acts[len(acts)-1].who == "b" && countBy(acts, "b") >= 5
			})
			b.stop()
			<-b.done
			b.done <- nil // for the cleanup
			a.stop()

			acts := log.snapshot()
			lo, hi, err := checkLedger(acts)
			if err != nil {
				t.Fatal(err)
			}
			var lastA, firstB time.Time
			for _, act := range acts {
				switch {
				case act.who == "a":
					lastA = act.at
				case firstB.IsZero():
					firstB = act.at
				}
			}
			if !lastA.Before(firstB) {
				t.Errorf("a acted at %s, after b's first action at %s", lastA, firstB)
			}
			s, err := c.Client.AppsV1().Deployments(ns).GetScale(t.Context(), "counter", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if n := uint64(s.Spec.Replicas); n < lo || n > hi {
				t.Errorf("replicas %d after the recorded actions, which allow %d to %d: an action went unrecorded", n, lo, hi)
			}
			t.Logf("%d actions by a, %d by b; gap between a's last and b's first: %s",
				countBy(acts, "a"), countBy(acts, "b"), firstB.Sub(lastA).Round(time.Millisecond))
		})
	}
}

// TestCheckLedger: the ledger check accepts a failed call that landed (the
// CI run's sequence) and still catches a count written twice or skipped.
func TestCheckLedger(t *testing.T) {
	seq := func(who string, from, to uint64) []scaleAction {
		var out []scaleAction
		for c := from; c <= to; c++ {
			out = append(out, scaleAction{who: who, to: c})
		}
		return out
	}
	landed := append(append(seq("a", 1, 29), scaleAction{who: "a", to: 30, maybe: true}), seq("b", 31, 35)...)
	if lo, hi, err := checkLedger(landed); err != nil || lo != 35 || hi != 35 {
		t.Errorf("a failed call that landed: %d–%d, %v; want 35–35 and no error", lo, hi, err)
	}
	lost := append(append(seq("a", 1, 29), scaleAction{who: "a", to: 30, maybe: true}), seq("b", 30, 32)...)
	if lo, hi, err := checkLedger(lost); err != nil || lo != 32 || hi != 32 {
		t.Errorf("a failed call that did not land: %d–%d, %v; want 32–32 and no error", lo, hi, err)
	}
	trailing := append(seq("a", 1, 3), scaleAction{who: "a", to: 4, maybe: true})
	if lo, hi, err := checkLedger(trailing); err != nil || lo != 3 || hi != 4 {
		t.Errorf("a trailing failed call: %d–%d, %v; want 3–4 and no error", lo, hi, err)
	}
	for name, acts := range map[string][]scaleAction{
		"written twice":          append(seq("a", 1, 30), seq("b", 30, 31)...),
		"skipped, unrecorded":    append(seq("a", 1, 29), seq("b", 31, 35)...),
		"twice after a failure":  append(append(seq("a", 1, 29), scaleAction{who: "a", to: 30, maybe: true}), seq("b", 29, 30)...),
		"two skipped, one maybe": append(append(seq("a", 1, 29), scaleAction{who: "a", to: 30, maybe: true}), seq("b", 32, 33)...),
	} {
		if _, _, err := checkLedger(acts); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func countBy(acts []scaleAction, who string) int {
	n := 0
	for _, a := range acts {
		if a.who == who {
			n++
		}
	}
	return n
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// testWriter sends a logger's lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(b))
	return len(b), nil
}
