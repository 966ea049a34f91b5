package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// checkExactlyOnce: every published call id ran exactly once, nothing else
// ran, and the worker acknowledged as many as were published.
func checkExactlyOnce(t *testing.T, st *Stack, ref provider.Ref, ids []string) {
	t.Helper()
	exec, _ := st.Async.Executed()
	if len(exec) != len(ids) {
		t.Errorf("%d distinct messages executed, %d published", len(exec), len(ids))
	}
	for _, id := range ids {
		if n := exec[id]; n != 1 {
			t.Errorf("message %s executed %d times, want exactly once", id, n)
			break
		}
	}
	if got := st.Async.Worker.Processed(ref); int(got) != len(ids) {
		t.Errorf("acknowledged %g, published %d", got, len(ids))
	}
	if b := st.Async.Backlog(t, ref); b != 0 {
		t.Errorf("backlog %d left in the stream", b)
	}
}

// Scenario A: 5,000 async messages to a function at zero. The backlog wakes
// it within seconds, scales it to its max, drains; it comes back down (to
// its min, or to zero at once when its zero-duration has passed first) and
// is idled after its zero-duration; every message ran exactly once
// (published = acknowledged = executed). Also the async reaction figures.
func TestAsyncDrainFromZero(t *testing.T) {
	t.Parallel()
	ref := provider.Ref{Name: "a1-drain", Namespace: "openfaas-fn"}
	const n, maxReplicas = 5000, 10
	fn := NewFunction(ref, "com.openfaas.scale.type", "queue", "com.openfaas.scale.min", "1",
		"com.openfaas.scale.max", fmt.Sprint(maxReplicas), "com.openfaas.scale.zero", "true",
		"com.openfaas.scale.zero-duration", "25s")
	fn.Replicas = 0
	st := Start(t, Options{Binary: controllerBin, Async: true, Functions: []provider.Function{fn}})
	st.AsyncFunction(t, fn, 100*time.Millisecond, 10)

	start := time.Now()
	ids := st.Publish(t, ref, n, 32)
	published := time.Since(start)

	woken := func() (bool, string) {
		for _, c := range st.Calls(ref) {
			if c.From == 0 && c.To > 0 && c.Err == nil {
				return true, ""
			}
		}
		return false, st.Describe(ref)
	}
	Eventually(t, 30*time.Second, ref.String()+" woken from zero by its backlog", woken)
	var wake time.Time
	for _, c := range st.Calls(ref) {
		if c.From == 0 && c.To > 0 {
			wake = c.At
			break
		}
	}
	Eventually(t, 60*time.Second, fmt.Sprintf("%s scaled to its max %d", ref, maxReplicas), func() (bool, string) {
		for _, c := range st.Calls(ref) {
			if c.To == maxReplicas {
				return true, ""
			}
		}
		return false, st.Describe(ref)
	})
	Eventually(t, 120*time.Second, "all messages executed", func() (bool, string) {
		exec, _ := st.Async.Executed()
		return len(exec) == n, fmt.Sprintf("%d of %d executed; %s", len(exec), n, st.Describe(ref))
	})
	drained := time.Since(start)
	_, first := st.Async.Executed()
	// Down to its min 1, or straight to zero: once the function has had no
	// invocation for its zero-duration the idler idles it whatever count
	// the scaler's rate-limited way down has reached (CI at fabf97d saw
	// 10→5→3→2 by the scaler, then 2→0 by the idler 0.1 s before the
	// scaler's step to 1; the test waited for 1 and failed).
	Eventually(t, 60*time.Second, ref.String()+" back to its min 1 (or idled)", func() (bool, string) {
		return st.Function(t, ref).Replicas <= 1, st.Describe(ref)
	})
	Eventually(t, 60*time.Second, ref.String()+" idled after its zero-duration", func() (bool, string) {
		return st.Function(t, ref).Replicas == 0, st.Describe(ref)
	})
	checkExactlyOnce(t, st, ref, ids)
	for _, c := range st.Calls(ref) {
		if c.To > maxReplicas {
			t.Errorf("scaled above max: %d→%d", c.From, c.To)
		}
	}
	t.Logf("BENCH async-from-zero: publish %d in %s; first publish → first scale call %s, → first message executed %s; drained in %s",
		n, published.Round(time.Millisecond), wake.Sub(start).Round(time.Millisecond), first.Sub(start).Round(time.Millisecond), drained.Round(time.Millisecond))
}

// Scenario B: the idler runs every second with a 3 s zero-duration while
// messages wait for a function that has started none of them (its worker is
// busy): it is never idled while its backlog is above zero, whatever its rps
// (its type is rps, and its rps is 0). Once the work is done it is idled.
func TestAsyncNeverIdledWithBacklog(t *testing.T) {
	t.Parallel()
	ref := provider.Ref{Name: "a2-wait", Namespace: "openfaas-fn"}
	fn := NewFunction(ref, "com.openfaas.scale.zero", "true", "com.openfaas.scale.zero-duration", "3s")
	st := Start(t, Options{Binary: controllerBin, Async: true, Functions: []provider.Function{fn},
		Config: func(c *config.Config) { c.Idler.Schedule = "@every 1s" }})
	st.AsyncFunction(t, fn, 50*time.Millisecond, 10)
	st.Async.Worker.Pause(ref, true)
	ids := st.Publish(t, ref, 20, 4)

	watch := time.Now()
	for time.Since(watch) < 15*time.Second {
		if st.Function(t, ref).Replicas == 0 {
			t.Fatalf("idled with %d messages waiting; %s", st.Async.Backlog(t, ref), st.Describe(ref))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if v, _ := st.Metric(t, "faas_autoscaler_idler_skipped_total", map[string]string{"reason": "queued"}); v == 0 {
		t.Errorf("the idler never said it kept %s for its queue (skipped_total{reason=\"queued\"} = 0)", ref)
	}
	st.Async.Worker.Pause(ref, false)
	Eventually(t, 30*time.Second, "the backlog executed", func() (bool, string) {
		exec, _ := st.Async.Executed()
		return len(exec) == len(ids), fmt.Sprintf("%d of %d", len(exec), len(ids))
	})
	Eventually(t, 30*time.Second, ref.String()+" idled once its queue is empty", func() (bool, string) {
		return st.Function(t, ref).Replicas == 0, st.Describe(ref)
	})
	checkExactlyOnce(t, st, ref, ids)
}

// Scenario C: NATS restarted mid-drain on the same storage, with the queue
// load read from JetStream. While NATS is down the controller keeps its
// last decision (no scale call); it reads the backlog again within one
// evaluation of NATS being back; no message is lost.
func TestAsyncNATSRestart(t *testing.T) {
	t.Parallel()
	ref := provider.Ref{Name: "a3-restart", Namespace: "openfaas-fn"}
	const n, interval = 1500, 2 * time.Second
	fn := NewFunction(ref, "com.openfaas.scale.type", "queue", "com.openfaas.scale.max", "4")
	st := Start(t, Options{Binary: controllerBin, Async: true, QueueFromJetStream: true, Functions: []provider.Function{fn}})
	st.AsyncFunction(t, fn, 100*time.Millisecond, 10)
	ids := st.Publish(t, ref, n, 32)
	Eventually(t, 60*time.Second, "a third drained", func() (bool, string) {
		exec, _ := st.Async.Executed()
		return len(exec) >= n/3, fmt.Sprintf("%d of %d; %s", len(exec), n, st.Describe(ref))
	})
	calls := len(st.Calls(ref))
	st.Async.NATS.Stop()
	down := time.Now()
	time.Sleep(2*interval + time.Second)
	if got := st.Calls(ref); len(got) != calls {
		t.Errorf("scale calls while NATS was down: %v", got[calls:])
	}
	if err := st.Async.NATS.Start(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	var recovered time.Duration
	Eventually(t, 30*time.Second, "the controller reading the backlog again", func() (bool, string) {
		fn, err := tryExplainAt(st.Controller.URL(), ref)
		if err != nil {
			return false, err.Error()
		}
		d := fn.Decisions
		if len(d) > 0 && d[0].At.After(back) && d[0].Code != "no_data" {
			recovered = d[0].At.Sub(back)
			return true, ""
		}
		return false, fmt.Sprintf("%+v", d[:min(len(d), 2)])
	})
	Eventually(t, 120*time.Second, "every message executed", func() (bool, string) {
		exec, _ := st.Async.Executed()
		return len(exec) == n, fmt.Sprintf("%d of %d", len(exec), n)
	})
	exec, _ := st.Async.Executed()
	dups := 0
	for _, id := range ids {
		if exec[id] == 0 {
			t.Fatalf("message %s lost", id)
		}
		dups += exec[id] - 1
	}
	// A message counts as executed when the function has run it; the
	// worker acknowledges it after, so the last batch (the concurrency,
	// 10) may still be pending acknowledgement for a moment: read once,
	// the backlog said "10 left" in one CI run with every message run.
	Eventually(t, 10*time.Second, "the backlog acknowledged", func() (bool, string) {
		b := st.Async.Backlog(t, ref)
		return b == 0, fmt.Sprintf("backlog %d left", b)
	})
	if recovered > 2*interval+time.Second {
		t.Errorf("first decision with load %s after NATS was back; want within one evaluation (%s) plus reconnect", recovered, interval)
	}
	t.Logf("BENCH nats-restart: down %s; first decision with load %s after restart; %d duplicate executions (at-least-once: acks lost with the server)",
		back.Sub(down).Round(time.Millisecond), recovered.Round(time.Millisecond), dups)
}

// Scenario D: the same backlog read from Prometheus (the queue worker's
// metrics) and from JetStream directly gives the same decisions: two
// controllers in dry run, one per source, on one stack.
func TestAsyncSourcesAgree(t *testing.T) {
	t.Parallel()
	ref := provider.Ref{Name: "a4-agree", Namespace: "openfaas-fn"}
	fn := NewFunction(ref, "com.openfaas.scale.type", "queue", "com.openfaas.scale.max", "20")
	fn.Replicas = 2
	st := Start(t, Options{Binary: controllerBin, Async: true, Functions: []provider.Function{fn},
		ControllerArgs: []string{"--dry-run"}})
	st.AsyncFunction(t, fn, 50*time.Millisecond, 10)
	st.Async.Worker.Pause(ref, true)
	listen, lnFile := teststack.InheritedListener(t)
	args := append(controllerFlags(st.GatewayURL, st.Prom.URL(), st.SecretsDir, "fd:3", st.ConfigPath), "--dry-run", "--nats-url", st.Async.NATS.URL())
	js := startController(t, controllerBin, listen, lnFile, args)

	st.Publish(t, ref, 400, 8)
	want := need(400) // ceil(400 / (50 × 0.9)) = 9
	// latest is a controller's last decision; a failed read (a 503 before
	// its first listing) is not yet one, and says why.
	latest := func(u string) (explain.Decision, error) {
		fn, err := tryExplainAt(u, ref)
		if err != nil || len(fn.Decisions) == 0 {
			return explain.Decision{}, err
		}
		return fn.Decisions[0], nil
	}
	Eventually(t, 60*time.Second, fmt.Sprintf("both controllers deciding %d", want), func() (bool, string) {
		p, perr := latest(st.Controller.URL())
		j, jerr := latest(js.URL())
		return p.Replicas == want && j.Replicas == want,
			fmt.Sprintf("prometheus: %+v (%v); jetstream: %+v (%v)", p, perr, j, jerr)
	})
	// Held for a while: every later decision of each agrees. Each is read
	// for real (explainAt fails the test otherwise): two failed reads, or
	// two empty lists, would "agree" as two zero decisions.
	decided := func(u string) explain.Decision {
		d := explainAt(t, u, ref).Decisions
		if len(d) == 0 {
			t.Fatalf("explain %s at %s: no decision", ref, u)
		}
		return d[0]
	}
	for range 3 {
		time.Sleep(2 * time.Second)
		p, j := decided(st.Controller.URL()), decided(js.URL())
		if p.Replicas != j.Replicas || p.Code != j.Code {
			t.Fatalf("sources disagree: prometheus %d %s (%s); jetstream %d %s (%s)", p.Replicas, p.Code, p.Reason, j.Replicas, j.Code, j.Reason)
		}
	}
}

// explainAt is a controller's explanation of ref, read from base, as
// Stack.Explain reads the stack's own controller: a failed read fails the
// test. Returned empty, a 503 or 404 read as "no decision", and two such
// compared as agreeing decisions.
func explainAt(t testing.TB, base string, ref provider.Ref) explain.Function {
	t.Helper()
	fn, err := tryExplainAt(base, ref)
	if err != nil {
		t.Fatal(err)
	}
	return fn
}

// tryExplainAt is explainAt's read, for polls that wait through a
// not-yet answer (503 before the controller's first listing): the error
// says what came back.
func tryExplainAt(base string, ref provider.Ref) (explain.Function, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := base + "/api/v1/functions/" + url.PathEscape(ref.Namespace) + "/" + url.PathEscape(ref.Name)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return explain.Function{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return explain.Function{}, fmt.Errorf("explain %s: %w", ref, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return explain.Function{}, fmt.Errorf("explain %s at %s: status %d: %s", ref, base, resp.StatusCode, bytes.TrimSpace(body))
	}
	var fn explain.Function
	if err := json.NewDecoder(resp.Body).Decode(&fn); err != nil {
		return explain.Function{}, fmt.Errorf("explain %s at %s: %w", ref, base, err)
	}
	return fn, nil
}
