package idler

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func optIn(extra ...string) map[string]string {
	m := map[string]string{LabelZero: "true", LabelZeroDuration: "15m"}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

func quiet() Observation    { return Observation{Known: true, HasStarted: true} }
func noSeries() Observation { return Observation{Known: true} }

func TestDecide(t *testing.T) {
	now := t0
	old := now.Add(-24 * time.Hour)
	tests := []struct {
		name     string
		labels   map[string]string
		replicas uint64
		created  time.Time
		first    time.Time
		obs      Observation
		tweak    func(*Input)
		want     Code
		idle     bool
	}{
		{name: "no labels map", labels: nil, replicas: 1, created: old, obs: noSeries(), want: CodeNotOptedIn},
		{name: "empty labels map", labels: map[string]string{}, replicas: 1, created: old, obs: noSeries(), want: CodeNotOptedIn},
		{name: "label false", labels: map[string]string{LabelZero: "false"}, replicas: 1, created: old, obs: quiet(), want: CodeNotOptedIn},
		{name: "duration without zero label", labels: map[string]string{LabelZeroDuration: "1m"}, replicas: 1, created: old, obs: quiet(), want: CodeNotOptedIn},
		{name: "label yes is invalid, not a default", labels: map[string]string{LabelZero: "yes"}, replicas: 1, created: old, obs: quiet(), want: CodeInvalidLabel},
		{name: "bad zero-duration", labels: optIn(LabelZeroDuration, "15"), replicas: 1, created: old, obs: quiet(), want: CodeInvalidLabel},
		{name: "negative zero-duration", labels: optIn(LabelZeroDuration, "-1m"), replicas: 1, created: old, obs: quiet(), want: CodeInvalidLabel},
		{name: "never invoked but too young", labels: optIn(), replicas: 1, created: now.Add(-5 * time.Minute), obs: noSeries(), want: CodeTooYoung},
		{name: "never invoked and old enough", labels: optIn(), replicas: 1, created: now.Add(-16 * time.Minute), obs: noSeries(), want: CodeIdle, idle: true},
		{name: "never invoked, no deploy time, seen long enough", labels: optIn(), replicas: 1, first: now.Add(-15 * time.Minute), obs: noSeries(), want: CodeIdle, idle: true},
		{name: "never invoked, no deploy time, just seen", labels: optIn(), replicas: 1, first: now.Add(-time.Minute), obs: noSeries(), want: CodeTooYoung},
		{name: "never invoked, no deploy time, never seen", labels: optIn(), replicas: 1, obs: noSeries(), want: CodeTooYoung},
		{name: "invoked before, quiet window, no deploy time", labels: optIn(), replicas: 1, first: now, obs: quiet(), want: CodeIdle, idle: true},
		{name: "label 1 opts in", labels: optIn(LabelZero, "1"), replicas: 2, created: old, obs: quiet(), want: CodeIdle, idle: true},
		{name: "data missing", labels: optIn(), replicas: 1, created: old, obs: Observation{MissingWhy: "activity query failed: timeout"}, want: CodeMissingData},
		{name: "data missing without a reason", labels: optIn(), replicas: 1, created: old, obs: Observation{}, want: CodeMissingData},
		{name: "in-flight > 0", labels: optIn(), replicas: 1, created: old, obs: Observation{Known: true, HasStarted: true, HasInflight: true, Inflight: 1}, want: CodeInflight},
		{name: "in-flight 0 and quiet", labels: optIn(), replicas: 1, created: old, obs: Observation{Known: true, HasStarted: true, HasInflight: true}, want: CodeIdle, idle: true},
		{name: "activity in the last second", labels: optIn(), replicas: 1, created: old, obs: Observation{Known: true, HasStarted: true, Started: 1}, want: CodeActive},
		{name: "fractional activity counts", labels: optIn(), replicas: 1, created: old, obs: Observation{Known: true, HasStarted: true, Started: 0.02}, want: CodeActive},
		{name: "already zero", labels: optIn(), replicas: 0, created: old, obs: quiet(), want: CodeAlreadyZero},
		{name: "scheduled minimum", labels: optIn(), replicas: 3, created: old, obs: quiet(),
			tweak: func(in *Input) { in.ScheduledMin, in.ScheduleReason = 3, "weekday" }, want: CodeScheduledMin},
		{name: "bad schedule keeps it", labels: optIn(), replicas: 3, created: old, obs: quiet(),
			tweak: func(in *Input) { in.ScheduleErr = errors.New("bad") }, want: CodeInvalidLabel},
		{name: "recently scaled up by the scaler", labels: optIn(), replicas: 4, created: old, obs: quiet(),
			tweak: func(in *Input) { in.LastScaleUp = now.Add(-time.Minute) }, want: CodeRecentlyScaled},
		{name: "scaled up long ago", labels: optIn(), replicas: 4, created: old, obs: quiet(),
			tweak: func(in *Input) { in.LastScaleUp = now.Add(-time.Hour) }, want: CodeIdle, idle: true},
		{name: "refused recently", labels: optIn(), replicas: 1, created: old, obs: quiet(),
			tweak: func(in *Input) { in.RefusedUntil = now.Add(time.Minute) }, want: CodeRefused, idle: true},
		{name: "refusal back-off over", labels: optIn(), replicas: 1, created: old, obs: quiet(),
			tweak: func(in *Input) { in.RefusedUntil = now }, want: CodeIdle, idle: true},
		{name: "woken from zero within the keep-alive (requests wait for the replica)", labels: optIn(), replicas: 1, created: old, obs: noSeries(),
			tweak: func(in *Input) { in.LastWoken = now.Add(-time.Second) }, want: CodeRecentlyScaled},
		{name: "woken long ago", labels: optIn(), replicas: 1, created: old, obs: quiet(),
			tweak: func(in *Input) { in.LastWoken = now.Add(-time.Hour) }, want: CodeIdle, idle: true},
		{name: "replicas still starting", labels: optIn(), replicas: 2, created: old, obs: noSeries(),
			tweak: func(in *Input) { in.Available = 1 }, want: CodeRecentlyScaled},
		{name: "labels in annotations", labels: nil, replicas: 1, created: old, obs: quiet(),
			tweak: func(in *Input) { in.Spec = mustSpec(t, provider.Function{Annotations: optIn()}) }, want: CodeIdle, idle: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fn := provider.Function{Ref: provider.Ref{Name: "f", Namespace: "ns"}, Labels: tc.labels, Replicas: tc.replicas, CreatedAt: tc.created}
			spec, err := ParseZeroSpec(fn, DefaultZeroDuration)
			in := Input{Ref: fn.Ref, Spec: spec, SpecErr: err, Replicas: tc.replicas, Available: tc.replicas, KeepAlive: spec.Duration,
				CreatedAt: tc.created, FirstSeen: tc.first, Observation: tc.obs}
			if tc.tweak != nil {
				tc.tweak(&in)
			}
			v := Decide(in, now)
			if v.Code != tc.want || v.Idle != tc.idle {
				t.Fatalf("Decide = %s (idle %v) %q; want %s (idle %v)", v.Code, v.Idle, v.Reason, tc.want, tc.idle)
			}
			if v.Reason == "" {
				t.Error("empty reason")
			}
			if v.Idle && !v.IdleSince.Equal(now.Add(-in.KeepAlive)) {
				t.Errorf("IdleSince = %v, want now-keepalive", v.IdleSince)
			}
		})
	}
}

func mustSpec(t *testing.T, fn provider.Function) ZeroSpec {
	t.Helper()
	s, err := ParseZeroSpec(fn, DefaultZeroDuration)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// WouldIdleAt must say when, with no further activity, the function becomes idle.
func TestDecideWouldIdleAt(t *testing.T) {
	spec := ZeroSpec{OptIn: true, Duration: 10 * time.Minute}
	base := Input{Spec: spec, KeepAlive: spec.Duration, Replicas: 1, Available: 1, CreatedAt: t0.Add(-time.Hour)}
	tests := []struct {
		name  string
		tweak func(*Input)
		want  time.Time
	}{
		{"active now", func(in *Input) { in.Observation = Observation{Known: true, HasStarted: true, Started: 2} }, t0.Add(10 * time.Minute)},
		{"active, last seen earlier", func(in *Input) {
			in.Observation = Observation{Known: true, HasStarted: true, Started: 2}
			in.LastActive = t0.Add(-3 * time.Minute)
		}, t0.Add(7 * time.Minute)},
		{"too young", func(in *Input) { in.CreatedAt = t0.Add(-4 * time.Minute); in.Observation = noSeries() }, t0.Add(6 * time.Minute)},
		{"recently scaled", func(in *Input) { in.Observation = quiet(); in.LastScaleUp = t0.Add(-time.Minute) }, t0.Add(9 * time.Minute)},
		{"recently woken", func(in *Input) { in.Observation = quiet(); in.LastWoken = t0.Add(-2 * time.Minute) }, t0.Add(8 * time.Minute)},
		{"missing data: unknown", func(in *Input) {}, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			tc.tweak(&in)
			if got := Decide(in, t0).WouldIdleAt; !got.Equal(tc.want) {
				t.Fatalf("WouldIdleAt = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseZeroSpec(t *testing.T) {
	tests := []struct {
		name    string
		fn      provider.Function
		want    ZeroSpec
		wantErr string
	}{
		{"absent", provider.Function{}, ZeroSpec{Duration: 15 * time.Minute, DurationSource: "default", Serves: 1}, ""},
		{"true with duration", provider.Function{Labels: optIn(LabelZeroDuration, "90s")}, ZeroSpec{OptIn: true, Duration: 90 * time.Second, DurationSource: "label", Serves: 1}, ""},
		{"TRUE", provider.Function{Labels: map[string]string{LabelZero: "TRUE"}}, ZeroSpec{OptIn: true, Duration: 15 * time.Minute, DurationSource: "default", Serves: 1}, ""},
		{"auto", provider.Function{Labels: optIn(LabelZeroDuration, "auto")}, ZeroSpec{OptIn: true, Auto: true, Duration: 15 * time.Minute, DurationSource: "default", Serves: 1}, ""},
		{"capacity: a replica serves its target", provider.Function{Labels: map[string]string{LabelZero: "true", LabelZeroDuration: "auto",
			scaler.LabelType: "capacity", scaler.LabelTarget: "25"}}, ZeroSpec{OptIn: true, Auto: true, Duration: 15 * time.Minute, DurationSource: "default", Serves: 25}, ""},
		{"label wins over annotation", provider.Function{Labels: map[string]string{LabelZero: "false"}, Annotations: optIn(LabelZeroDuration, "20m")}, ZeroSpec{Duration: 20 * time.Minute, DurationSource: "label", Serves: 1}, ""},
		{"bad zero", provider.Function{Labels: map[string]string{LabelZero: "on"}}, ZeroSpec{}, `label com.openfaas.scale.zero="on": want true, 1, false or 0`},
		{"bad duration", provider.Function{Labels: optIn(LabelZeroDuration, "ten minutes")}, ZeroSpec{},
			`label com.openfaas.scale.zero-duration="ten minutes": want a Go duration such as 15m, or auto`},
		{"zero duration", provider.Function{Labels: optIn(LabelZeroDuration, "0s")}, ZeroSpec{}, `label com.openfaas.scale.zero-duration="0s": must be positive`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseZeroSpec(tc.fn, 15*time.Minute)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// TestDecideReasonsWordedAsBefore: the reasons every cycle gives most
// functions are put together without fmt; the words must be fmt's.
func TestDecideReasonsWordedAsBefore(t *testing.T) {
	now := t0
	base := Input{Ref: provider.Ref{Name: "f", Namespace: "ns"}, Spec: ZeroSpec{OptIn: true}, Replicas: 2, Available: 2,
		CreatedAt: now.Add(-48 * time.Hour)}
	for _, keep := range []time.Duration{5 * time.Minute, 90 * time.Second, 90*time.Minute + 500*time.Millisecond} {
		for _, n := range []float64{1, 0.02, 3.5, 1e21, 12345678} {
			in := base
			in.KeepAlive = keep
			in.Observation = Observation{Known: true, HasStarted: true, Started: n}
			if got, want := Decide(in, now).Reason, fmt.Sprintf("%g invocation(s) started in the last %s", n, keep); got != want {
				t.Errorf("active: %q, want %q", got, want)
			}
			in.Observation = Observation{Known: true, HasStarted: true, HasInflight: true, Inflight: n}
			if got, want := Decide(in, now).Reason, fmt.Sprintf("%g invocation(s) in flight", n); got != want {
				t.Errorf("in flight: %q, want %q", got, want)
			}
		}
		in := base
		in.KeepAlive = keep
		for _, obs := range []Observation{{Known: true, HasStarted: true}, {Known: true}} {
			in.Observation = obs
			quiet := map[bool]string{true: "no invocation", false: "never invoked (no series)"}[obs.HasStarted]
			if got, want := Decide(in, now).Reason, fmt.Sprintf("%s in the last %s", quiet, keep); got != want {
				t.Errorf("idle: %q, want %q", got, want)
			}
		}
	}
	in := base
	in.KeepAlive, in.ScheduledMin, in.ScheduleReason = time.Minute, 3, `schedule "0 8 * * 1-5 for 12h = 3" since …`
	if got, want := Decide(in, now).Reason, fmt.Sprintf("scheduled minimum %d active (%s)", in.ScheduledMin, in.ScheduleReason); got != want {
		t.Errorf("scheduled: %q, want %q", got, want)
	}
}

// TestDecideHistoryPending: an "auto" function whose keep-alive history is
// still being read is not idled, however long it has been quiet; one at
// zero is already there, and a scheduled minimum still says why it runs.
func TestDecideHistoryPending(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	in := Input{Spec: ZeroSpec{OptIn: true, Auto: true, Duration: 15 * time.Minute}, Replicas: 1, Available: 1,
		KeepAlive: 15 * time.Minute, CreatedAt: now.Add(-48 * time.Hour), FirstSeen: now.Add(-48 * time.Hour),
		Observation: Observation{Known: true}, HistoryPending: true}
	if v := Decide(in, now); v.Code != CodeMissingData || v.Idle || !strings.Contains(v.Reason, "still being read") {
		t.Errorf("quiet auto function, history pending: %+v, want missing_data, not idled", v)
	}
	in.HistoryPending = false
	if v := Decide(in, now); v.Code != CodeIdle {
		t.Errorf("the same function once the history is read: %+v, want idle", v)
	}
	in.HistoryPending, in.Replicas = true, 0
	if v := Decide(in, now); v.Code != CodeAlreadyZero {
		t.Errorf("at zero, history pending: %+v, want already_zero", v)
	}
}
