package replay

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Replay is one `sim` process to run: the binary and the policy it replays.
type Replay struct {
	Bin, Policy string
	// Args are sim's other flags (the trace, a seed, …).
	Args []string
}

// Measure runs r to its end and returns its CPU and wall time. Its output
// is discarded (the summary is printed and written as it always is, so
// the cost measured is the command's as users run it); a failure returns
// the end of what it wrote on stderr.
func Measure(ctx context.Context, r Replay) (Run, error) {
	args := append([]string{"sim", "--progress", "never", "--policies", r.Policy}, r.Args...)
	cmd := exec.CommandContext(ctx, r.Bin, args...)
	cmd.Env = cleanEnv(os.Environ())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 400 {
			msg = "…" + msg[len(msg)-400:]
		}
		return Run{}, fmt.Errorf("%s %s: %w: %s", r.Bin, strings.Join(args, " "), err, msg)
	}
	ps := cmd.ProcessState
	return Run{CPU: ps.UserTime() + ps.SystemTime(), Wall: time.Since(start)}, nil
}

// cleanEnv is the replays' environment: PATH and HOME of environ, nothing
// else. A GOGC, GOMEMLIMIT, GODEBUG or GOMAXPROCS from the shell paces the
// faas-autoscaler replay's collector far more than fixed-10m's, so it would
// move the ratio without the report saying so; SIM_TRACE would name a trace.
func cleanEnv(environ []string) []string {
	var env []string
	for _, kv := range environ {
		if name, _, _ := strings.Cut(kv, "="); name == "PATH" || name == "HOME" {
			env = append(env, kv)
		}
	}
	return env
}

// Rounds runs n rounds of ours and baseline (and against, when its Bin is
// set), swapping the order every round: ours first in odd rounds, last in
// even ones.
func Rounds(ctx context.Context, n int, ours, baseline, against Replay) ([]Round, error) {
	type named struct {
		name string
		r    Replay
	}
	order := []named{{"ours", ours}, {"baseline", baseline}}
	if against.Bin != "" {
		order = append(order, named{"against", against})
	}
	var rounds []Round
	for i := range n {
		seq := order
		if i%2 == 1 {
			seq = make([]named, len(order))
			for k := range order {
				seq[k] = order[len(order)-1-k]
			}
		}
		var rd Round
		for _, x := range seq {
			run, err := Measure(ctx, x.r)
			if err != nil {
				return rounds, fmt.Errorf("round %d: %w", i+1, err)
			}
			switch x.name {
			case "ours":
				rd.Ours = run
			case "baseline":
				rd.Baseline = run
			default:
				rd.Against = &run
			}
			rd.Order = append(rd.Order, x.name)
		}
		rounds = append(rounds, rd)
	}
	return rounds, nil
}
