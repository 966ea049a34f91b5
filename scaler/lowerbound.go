package scaler

import (
	"context"
	"slices"
	"strings"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// A pass's readings are lower bounds of the load (metricsource/lowerbound.go)
// while a gateway instance is not scraped, for the types summed over the
// gateway's instances, and while a load answer says it may be partial
// (metricsource/partial.go), for the types whose readings the source kept.
// Decide then scales up on them and holds scale-downs (CodeLowerBound).

// lowerBound asks the source, once for the pass, whether its gateway sums
// are lower bounds (metricsource.LowerBounds): a gateway instance scraped
// within the stable window and not answering now. Asked only when the pass
// read a gateway-summed type; "" when none is down or the source cannot
// tell. Not knowing is not "complete": a failed question holds the
// scale-downs of this pass too, and says why; failed says the question
// failed (a load-stage error of the pass).
func (l *Loop) lowerBound(ctx context.Context, loads []queryReadings) (words string, failed bool) {
	asked := false
	for _, lq := range loads {
		asked = asked || (!lq.failed && metricsource.GatewaySum(lq.q.Type))
	}
	if !asked {
		return "", false
	}
	down, err := metricsource.DownGateways(ctx, l.cfg.Source, max(l.cfg.StableWindow, l.cfg.BurstWindow))
	if why, partial := metricsource.PartialWhy(err); partial {
		// The answer may lack a down instance's series (a store down, as
		// for the load answers, whose words then say it): not warned each
		// pass, the source warns once a minute.
		l.log.Debug("which gateway instances are scraped is unknown: the answer may be partial", "err", err)
		return "which gateway instances are scraped is unknown (" + why + "): the load read may be a lower bound", false
	}
	if err != nil {
		l.log.Warn("could not read which gateway instances are scraped; no function is scaled down on the gateway's load this pass", "err", err)
		return "could not read which gateway instances are scraped (" + err.Error() + "): the load read may be a lower bound", true
	}
	words = metricsource.LowerBoundWords(down, "load")
	if words != l.downSaid {
		if words != "" {
			l.log.Warn("scale-downs on rps and capacity held: "+words, "instances", down)
		} else {
			l.log.Info("every gateway instance scraped again: scale-downs on rps and capacity resume")
		}
		l.downSaid = words
	}
	return words, false
}

// typeLowerBound says why the readings of a type's stable and burst
// queries (sq, bq) are lower bounds ("" when they are not): gateway, the
// pass's words about down gateway instances, for a type summed over the
// gateway's instances, and each distinct reason a query's answer may be
// partial. Said for every function of the type, those without a reading
// too: its series may be on the missing store, so an alert's load on it
// is neither confirmed nor refuted (decide.go).
func typeLowerBound(loads []queryReadings, sq, bq metricsource.LoadQuery, gateway string) string {
	var whys []string
	for _, lq := range loads {
		if (lq.q == sq || lq.q == bq) && !lq.failed && lq.partial != "" && !slices.Contains(whys, lq.partial) {
			whys = append(whys, lq.partial)
		}
	}
	if !metricsource.GatewaySum(sq.Type) {
		gateway = ""
	}
	for _, why := range whys {
		if strings.Contains(gateway, "("+why+")") {
			gateway = "" // the down question's answer was partial for the same reason: said once
		}
	}
	if len(whys) == 0 {
		return gateway
	}
	partial := metricsource.PartialWords(strings.Join(whys, "; "), "load")
	if gateway == "" {
		return partial
	}
	// One "lower bound" for both causes: the gateway's words up to theirs.
	head, _, _ := strings.Cut(gateway, ": the load read")
	return head + "; " + partial
}
