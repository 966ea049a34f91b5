package scaler

import (
	"errors"
	"slices"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var _ explain.Lister = (*Loop)(nil)

// Refs lists the functions the loop knows, for the explain API.
func (l *Loop) Refs() []provider.Ref {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]provider.Ref, 0, len(l.fns))
	for ref := range l.fns {
		out = append(out, ref)
	}
	return out
}

// Explain describes one function as of its last evaluation.
func (l *Loop) Explain(ref provider.Ref) (explain.Function, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fs, ok := l.fns[ref]
	if !ok {
		return explain.Function{}, false
	}
	obs, state := fs.observation(l.cfg.StableWindow, l.cfg.BurstWindow), fs.state()
	// The caller's to keep: a steady repeat writes into a list the loop
	// no longer holds (spareList), as this one soon is.
	state.Recommendations = slices.Clone(state.Recommendations)
	f := explain.Function{
		Ref:               ref.String(),
		Name:              ref.Name,
		Namespace:         ref.Namespace,
		Replicas:          fs.replicas,
		AvailableReplicas: fs.obs.available,
		DesiredReplicas:   fs.replicas,
		Observation:       obs,
		State:             state,
		Decisions:         make([]explain.Decision, 0, min(len(fs.history), max(l.cfg.HistorySize, 0))),
	}
	if fs.decided {
		f.DesiredReplicas = fs.desired()
	} else {
		f.Observation = nil // no decision has used one yet
	}
	specErr := fs.specErr()
	var le *LabelError
	switch {
	case errors.As(specErr, &le):
		f.SpecError = &explain.LabelError{Label: le.Label, Value: le.Value, Reason: le.Reason, Message: le.Error()}
	case specErr != nil:
		f.SpecError = &explain.LabelError{Message: specErr.Error()}
	case fs.spec != nil:
		f.Spec = *fs.spec
		if u := l.unknownLabels[ref]; u != nil {
			f.Spec = explainedSpec{spec: *fs.spec, unknownLabels: u}
		}
	}
	// The last HistorySize records: with NoHistory the loop keeps its last
	// decision's record (apply.go) but shows none.
	for i := len(fs.history) - 1; i >= max(len(fs.history)-l.cfg.HistorySize, 0); i-- { // NoHistory (-1): none
		r := fs.history[i]
		if i == len(fs.history)-1 && r.Reason == "" && specErr == nil && fs.spec != nil {
			// A quiet pass refreshed it without words: word it from the
			// inputs it was decided on (Decide is pure, so this is the
			// decision that was made, with its reason).
			before := state
			if fs.before != nil {
				before = fs.before.state()
			}
			r.Reason = Decide(*fs.spec, obs, before, r.At).Reason
		}
		f.Decisions = append(f.Decisions, explain.Decision{
			At: r.At, Trigger: r.Trigger, Current: r.Current, Replicas: r.Replicas,
			Code: string(r.Code), Reason: r.Reason, Scale: r.Scale,
			Result: r.Result, Error: r.Error,
		})
	}
	return f, true
}
