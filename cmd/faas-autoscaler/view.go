package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// demoView prints what the embedded default does, as it happens: every scale
// call with the decision's reason, and a table of every function's load and
// replicas every few seconds. It only reads.
type demoView struct {
	out   io.Writer
	addr  string // where the explain API listens
	clk   clock.Clock
	mem   *memory.Provider
	gw    *gatewaysim.Gateway
	loop  *scaler.Loop
	fns   []demoFunction
	start time.Time
	seen  int // scale calls already printed
	stats map[string]*demoStats
}

type demoStats struct {
	maxReplicas uint64
	scaleUps    int
	scaleDowns  int
	toZero      int
	fromZero    int
}

func newDemoView(out io.Writer, clk clock.Clock, mem *memory.Provider, gw *gatewaysim.Gateway, fns []demoFunction) *demoView {
	return &demoView{out: out, clk: clk, mem: mem, gw: gw, fns: fns, stats: map[string]*demoStats{}}
}

func (v *demoView) run(ctx context.Context) error {
	v.start = v.clk.Now()
	fmt.Fprintf(v.out, "faas-autoscaler — embedded default: a simulated OpenFaaS gateway, the memory provider and the embedded metrics source.\n")
	fmt.Fprintf(v.out, "The real scaler and idler decide; every scale call is printed with its reason.\n")
	fmt.Fprintf(v.out, "Explain API: curl http://%s/api/v1/functions   Logs: --log-level info   Stop: Ctrl-C\n\n", v.addr)
	for _, f := range v.fns {
		fmt.Fprintf(v.out, "  %-10s %s\n", f.name, f.story)
	}
	fmt.Fprintln(v.out)
	t := v.clk.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	lastTable := v.start
	for {
		select {
		case <-ctx.Done():
			v.calls(v.clk.Now().Add(time.Second))
			v.summary()
			return nil
		case now := <-t.C():
			v.calls(now)
			if now.Sub(lastTable) >= 5*time.Second {
				lastTable = now
				v.table(ctx, now)
			}
		}
	}
}

func (v *demoView) elapsed(t time.Time) string {
	return fmt.Sprintf("%5.1fs", t.Sub(v.start).Seconds())
}

// calls prints the scale calls made since the last look, once they are a
// quarter second old: by then the scaler has recorded the decision behind it.
func (v *demoView) calls(now time.Time) {
	calls := v.mem.Calls()
	for _, c := range calls[v.seen:] {
		if now.Sub(c.At) < 250*time.Millisecond {
			break
		}
		v.seen++
		if !c.Changed() {
			continue
		}
		st := v.stat(c.Ref.String())
		why := v.reason(c.Ref, c.To)
		switch {
		case c.To == 0:
			st.toZero++
		case c.From == 0:
			st.fromZero++
		case c.To > c.From:
			st.scaleUps++
		default:
			st.scaleDowns++
		}
		st.maxReplicas = max(st.maxReplicas, c.To)
		fmt.Fprintf(v.out, "%s  scale  %-20s %2d → %-2d  %s\n", v.elapsed(c.At), c.Ref.String(), c.From, c.To, why)
	}
}

// reason finds who asked for a count: the scaler's latest decision that chose
// it, else the idler (to zero) or the gateway (from zero).
func (v *demoView) reason(ref provider.Ref, to uint64) string {
	if v.loop != nil {
		if f, ok := v.loop.Explain(ref); ok {
			for _, d := range f.Decisions {
				if d.Scale && d.Replicas == to {
					return fmt.Sprintf("scaler [%s] %s", d.Code, d.Reason)
				}
			}
		}
	}
	if to == 0 {
		return "idler: no invocation started within its zero-duration"
	}
	return "gateway: a request arrived at zero replicas (scale from zero)"
}

func (v *demoView) table(ctx context.Context, now time.Time) {
	fmt.Fprintf(v.out, "%s  %-20s %9s %9s %8s  %s\n", v.elapsed(now), "function", "offered", "replicas", "ready", "last decision")
	for _, f := range v.fns {
		ref := provider.Ref{Name: f.name, Namespace: demoNamespace}
		fn, err := v.mem.Function(ctx, ref)
		if err != nil {
			continue
		}
		v.stat(ref.String()).maxReplicas = max(v.stat(ref.String()).maxReplicas, fn.Replicas)
		last := "-"
		if v.loop != nil {
			if e, ok := v.loop.Explain(ref); ok && len(e.Decisions) > 0 {
				last = fmt.Sprintf("[%s] %s", e.Decisions[0].Code, e.Decisions[0].Reason)
			}
		}
		fmt.Fprintf(v.out, "        %-20s %7.1f/s %9d %8d  %s\n", ref.String(), v.gw.Rate(ref, now), fn.Replicas, fn.AvailableReplicas, truncate(last, 90))
	}
}

func (v *demoView) summary() {
	fmt.Fprintf(v.out, "\nsummary after %s:\n", v.elapsed(v.clk.Now()))
	fmt.Fprintf(v.out, "  %-20s %6s %6s %6s %8s %10s\n", "function", "max", "ups", "downs", "to zero", "from zero")
	for _, f := range v.fns {
		ref := provider.Ref{Name: f.name, Namespace: demoNamespace}
		st := v.stat(ref.String())
		fmt.Fprintf(v.out, "  %-20s %6d %6d %6d %8d %10d\n", ref.String(), st.maxReplicas, st.scaleUps, st.scaleDowns, st.toZero, st.fromZero)
	}
}

func (v *demoView) stat(name string) *demoStats {
	st, ok := v.stats[name]
	if !ok {
		st = &demoStats{}
		v.stats[name] = st
	}
	return st
}

func truncate(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
