package sim_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/ours"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestWindowStartsFresh: a request at minute 0 warms a replica that a fixed
// 10-minute keep-alive still holds at minute 2. Replayed whole, the second
// request is warm; replayed from minute 2, it is the window's first and
// finds no replica.
func TestWindowStartsFresh(t *testing.T) {
	tr := oneFunction(1, 0, 1, 0)
	fixed := []sim.Policy{peers.FixedKeepAlive{KeepAlive: 10 * time.Minute}}
	cfg := sim.DefaultConfig()
	whole, err := sim.Run(tr, cfg, fixed, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.FromMinute, cfg.Minutes = 2, 1
	win, err := sim.Run(tr, cfg, fixed, nil)
	if err != nil {
		t.Fatal(err)
	}
	if whole[0].Invocations != 2 || whole[0].ColdStarts != 1 {
		t.Errorf("whole: %d invocations, %d cold; want 2 and 1", whole[0].Invocations, whole[0].ColdStarts)
	}
	if win[0].Invocations != 1 || win[0].ColdStarts != 1 {
		t.Errorf("window: %d invocations, %d cold; want 1 and 1", win[0].Invocations, win[0].ColdStarts)
	}
	// One minute replayed: 60 s less the 2 s start is the most it can hold.
	if win[0].ReplicaSeconds > 60 {
		t.Errorf("window: %.1f replica-seconds in a one-minute window", win[0].ReplicaSeconds)
	}
}

// TestWindowIsATraceOfItsOwn: replaying minutes [from, from+n) of a trace is
// replaying a trace that holds only those minutes, starting at their time
// of day — for the fleet (faas-autoscaler) and a per-function policy alike.
func TestWindowIsATraceOfItsOwn(t *testing.T) {
	tr, err := trace.Load("testdata/small")
	if err != nil {
		t.Fatal(err)
	}
	const from, n = 7, 9
	cut := *tr
	cut.Minutes = n
	cut.Functions = append([]trace.Function(nil), tr.Functions...)
	for i := range cut.Functions {
		cut.Functions[i].PerMinute = tr.Functions[i].PerMinute[from : from+n]
	}
	run := func(tr *trace.Trace, cfg sim.Config) []sim.Result {
		rs, err := sim.Run(tr, cfg, []sim.Policy{ours.Default(), peers.DefaultHybrid()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rs {
			rs[i].Wall, rs[i].IdleNormalised = 0, 0
		}
		return rs
	}
	cfg := sim.DefaultConfig()
	cfg.FromMinute, cfg.Minutes = from, n
	got := run(tr, cfg)
	cfg.FromMinute, cfg.Minutes = 0, 0
	cfg.Start = cfg.Start.Add(from * time.Minute)
	want := run(&cut, cfg)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("window of the trace and the cut trace differ: %d/%d vs %d/%d cold starts",
			got[0].ColdStarts, got[1].ColdStarts, want[0].ColdStarts, want[1].ColdStarts)
	}
	if got[0].Invocations == 0 {
		t.Error("the window has no invocations: the test compares nothing")
	}
}

func TestWindowPastTheEnd(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.FromMinute = 4
	_, err := sim.Run(oneFunction(1, 0, 1, 0), cfg, []sim.Policy{peers.FixedKeepAlive{KeepAlive: time.Minute}}, nil)
	if err == nil || !strings.Contains(err.Error(), "from-minute = 4, but trace synthetic has minutes 0..3") {
		t.Errorf("err = %v", err)
	}
	cfg.FromMinute = -1
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "from-minute = -1") {
		t.Errorf("Validate = %v", err)
	}
}

// startSpy records the start time its controllers are built with.
type startSpy struct{ got *time.Time }

func (startSpy) Name() string { return "spy" }

func (s startSpy) NewController(_ sim.FunctionInfo, start time.Time) sim.Controller {
	*s.got = start
	return spyCtl{}
}

type spyCtl struct{}

func (spyCtl) Arrival(time.Time, sim.State) sim.Decision { return sim.Decision{Replicas: 1} }
func (spyCtl) Wake(time.Time, sim.State) sim.Decision    { return sim.Decision{Replicas: sim.Keep} }

// TestWindowKeepsTimeOfDay: a policy sees the window's first minute at the
// time of day it has in the trace (a diurnal policy must not think the
// second half of the day is the night).
func TestWindowKeepsTimeOfDay(t *testing.T) {
	var got time.Time
	cfg := sim.DefaultConfig()
	cfg.FromMinute = 2
	if _, err := sim.Run(oneFunction(1, 0, 1, 0), cfg, []sim.Policy{startSpy{&got}}, nil); err != nil {
		t.Fatal(err)
	}
	if want := cfg.Start.Add(2 * time.Minute); !got.Equal(want) {
		t.Errorf("controller started at %s, want %s", got, want)
	}
}
