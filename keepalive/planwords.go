package keepalive

import (
	"fmt"
	"time"
)

// planWords is what a plan's reason is worded from (describe) while it is
// not worded yet (pending): a Policy's replans (15,700 a replayed day) word
// their plans only when a reason is read (Policy.Plan, a pre-warm), not
// for the idler's keep-alive, which reads none (describe was a sixth of a
// replan).
type planWords struct {
	n, beyond int
	pending   bool
}

// fill words p when its words are pending.
func (w planWords) fill(p *Plan) {
	if w.pending {
		p.Reason = describe(*p, w.n, w.beyond)
	}
}

// worded words h's plan if its words are pending; the caller holds mu.
func (h *history) worded() {
	if h.wordsPending {
		planWords{n: int(h.wordsN), beyond: int(h.wordsBeyond), pending: true}.fill(&h.plan)
		h.wordsPending = false
	}
}

func describe(p Plan, n, beyond int) string {
	learned := fmt.Sprintf("%d idle times (%d beyond the horizon)", n, beyond)
	// ExpectedIdle is replica-seconds (each replica kept or pre-warmed is
	// idle through the warm time), worded as replica time: 40 replicas
	// kept 30 minutes read "20h0m0s of idle replica time", which "20h0m0s
	// idle" would misread as a keep-alive of 20 hours.
	exp := fmt.Sprintf("expect %.0f%% of the calls after an idle time cold, %s of idle replica time per idle time", 100*p.ExpectedCold, secs(p.ExpectedIdle))
	switch p.Code {
	case CodePeriodic:
		return fmt.Sprintf("timer every ~%s: zero after each run, pre-warm %s–%s after it; %s; %s",
			((p.PreWarmAt + p.PreWarmUntil) / 2).Round(time.Second), p.PreWarmAt, p.PreWarmUntil, learned, exp)
	case CodePreWarm:
		return fmt.Sprintf("keep %s, zero, pre-warm %s–%s after the last invocation; %s; %s",
			p.KeepAlive, p.PreWarmAt, p.PreWarmUntil, learned, exp)
	case CodeKeepAlive:
		return fmt.Sprintf("keep %s after the last invocation; %s; %s", p.KeepAlive, learned, exp)
	}
	return fmt.Sprintf("no warm window pays for itself; %s; %s", learned, exp)
}
