package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestCapacityPartsSayWhichPartWon: the in-flight gauge shows 6 at a scrape
// where the arrivals bring 4 (the gauge wins), then 0 at a scrape where 40
// arrivals of 0.2 s bring 8 (the arrivals win). LoadParts answers Load's
// values (over every function, and over refs) with the arrivals' winner
// listed and the gauge's not (metricsource.Parts); rps says no parts.
func TestCapacityPartsSayWhichPartWon(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	g := gw{}
	for s := 0; s <= 6; s++ {
		switch s {
		case 2:
			g.call(20, 0.2) // 20 × 0.2 / 1 = 4 in flight from the arrivals…
			g.inflight = 6  // …and 6 seen by the gauge
		case 3:
			g.inflight = 0
		case 5:
			g.call(40, 0.2) // 40 × 0.2 = 8 from the arrivals, the gauge sees none
		}
		src.Observe(t0.Add(time.Duration(s)*time.Second), g.samples())
	}
	clk.t = t0.Add(6500 * time.Millisecond)
	a := fnRef("a")
	ctx := context.Background()
	for _, c := range []struct {
		window time.Duration
		want   float64
		part   metricsource.Part
	}{
		{2 * time.Second, 8, metricsource.PartArrivals}, // seconds 5 and 6
		{5 * time.Second, 8, metricsource.PartArrivals}, // both: 8 > 6
	} {
		q := metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: c.window}
		want, err := src.Load(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, refs := range [][]provider.Ref{nil, {a}} {
			v, parts, err := src.LoadParts(ctx, q, refs)
			if err != nil {
				t.Fatal(err)
			}
			if v[a] != want[a] || v[a] != c.want || parts == nil || parts.Of(a, v) != c.part {
				t.Errorf("over %s (refs %v): %v, part %q; want %v (Load's %v), part %q",
					c.window, refs, v[a], parts.Of(a, v), c.want, want[a], c.part)
			}
		}
	}

	// At second 3.5 the gauge's 6 (second 2) is the window's peak.
	clk.t = t0.Add(3500 * time.Millisecond)
	q := metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: 2 * time.Second}
	v, parts, err := src.LoadParts(ctx, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v[a] != 6 || parts == nil || len(parts) != 0 || parts.Of(a, v) != metricsource.PartGauge {
		t.Errorf("at 3.5 s over 2 s: %v, parts %v (a: %q); want 6 from the gauge, not listed", v[a], parts, parts.Of(a, v))
	}
	if _, parts, err := src.LoadParts(ctx, metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: 2 * time.Second}, nil); err != nil || parts != nil {
		t.Errorf("rps: parts %v, err %v; want none said", parts, err)
	}
}

// TestLoadAlignedIsLoadParts: at every half second of a history where the
// gauge wins, then the arrivals, then one function's series vanish, each function's
// aligned reading is what LoadParts gives it -- over every function, of
// rps and capacity, for a function the store never saw (missing), and for
// functions in any order -- and a query the store cannot answer fails the
// same way, leaving the array as it was.
func TestLoadAlignedIsLoadParts(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	a, b := gw{}, gw{}
	ctx := context.Background()
	fns := []provider.Function{{Ref: fnRef("b")}, {Ref: fnRef("never")}, {Ref: fnRef("a")}}
	// One array, as the scaler reuses its own: a reading left from an
	// earlier call would show.
	out := []metricsource.Reading{{Value: -1, Has: true}, {Value: -1, Has: true}, {Value: -1, Has: true}}
	for s := 0; s <= 40; s++ {
		switch s {
		case 2:
			a.call(20, 0.2)
			a.inflight = 6
		case 3:
			a.inflight = 0
			b.call(3, 1)
		case 5:
			a.call(40, 0.2)
		}
		now := t0.Add(time.Duration(s) * time.Second)
		smp := a.samplesOf("a")
		if s < 20 { // then b's series vanish
			smp = append(smp, b.samplesOf("b")...)
		}
		src.Observe(now, smp)
		clk.t = now.Add(500 * time.Millisecond)
		for _, q := range []metricsource.LoadQuery{
			{Type: metricsource.TypeCapacity, Window: 2 * time.Second},
			{Type: metricsource.TypeCapacity, Window: 10 * time.Second},
			{Type: metricsource.TypeRPS, Window: 5 * time.Second},
		} {
			vals, parts, wantErr := src.LoadParts(ctx, q, nil)
			got, err := src.LoadAligned(ctx, q, fns, out)
			if (err == nil) != (wantErr == nil) {
				t.Fatalf("second %d, %v: error %v; LoadParts's %v", s, q, err, wantErr)
			}
			if err != nil {
				continue // too early to measure the window: both say so
			}
			if len(got) != len(fns) || &got[0] != &out[0] {
				t.Fatalf("second %d, %v: %d readings, not in the array given", s, q, len(got))
			}
			for i, fn := range fns {
				v, has := vals[fn.Ref]
				want := metricsource.Reading{Value: v, Has: has, Part: parts.For(fn.Ref, has)}
				if got[i] != want {
					t.Errorf("second %d, %v, %s: %+v; LoadParts says %+v", s, q, fn.Ref.Name, got[i], want)
				}
			}
		}
	}
	out = []metricsource.Reading{{Value: 7, Has: true}}
	if got, err := src.LoadAligned(ctx, metricsource.LoadQuery{Type: metricsource.TypeQueue, Window: time.Second}, fns[:1], out); err == nil || len(got) != 1 || got[0].Value != 7 {
		t.Errorf("queue type: %v, %+v; want an error and the array as it was", err, got)
	}
}
