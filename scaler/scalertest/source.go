package scalertest

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Source is an in-memory metricsource.Source. A load set for a type applies
// to every window unless a window-specific value is set too. A type never
// set is unknown (Load errors); a function without a value is absent
// (missing, not zero). Safe for concurrent use.
type Source struct {
	mu       sync.Mutex
	loads    map[string]metricsource.Values
	windowed map[metricsource.LoadQuery]metricsource.Values
	fail     map[string]error  // by type; "" fails every type
	partial  map[string]string // by type: why its answers may be partial (SetPartial)
	queries  []metricsource.LoadQuery
	activity metricsource.Activity
	parts    map[string]metricsource.Parts // by type; a type without any is not said
	down     []string                      // DownGateways' answer
	downErr  error
	downAsks []time.Duration // DownGateways' lookbacks, in order
}

var (
	_ metricsource.Source      = (*Source)(nil)
	_ metricsource.PartedLoad  = (*Source)(nil)
	_ metricsource.LowerBounds = (*Source)(nil)
)

// NewSource returns a source with no data.
func NewSource() *Source {
	return &Source{
		loads:    make(map[string]metricsource.Values),
		windowed: make(map[metricsource.LoadQuery]metricsource.Values),
		fail:     make(map[string]error),
	}
}

// Set sets ref's load of type typ for every window.
func (s *Source) Set(typ string, ref provider.Ref, v float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loads[typ] == nil {
		s.loads[typ] = make(metricsource.Values)
	}
	s.loads[typ][ref] = v
}

// SetWindow sets ref's load of type typ over one window only.
func (s *Source) SetWindow(typ string, window time.Duration, ref provider.Ref, v float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := metricsource.LoadQuery{Type: typ, Window: window}
	if s.windowed[q] == nil {
		s.windowed[q] = make(metricsource.Values)
	}
	s.windowed[q][ref] = v
	if s.loads[typ] == nil {
		s.loads[typ] = make(metricsource.Values)
	}
}

// SetPart says which part ref's readings of typ came from, for every
// window (metricsource.PartGauge is what an unlisted reading is, once any
// part of typ is set). Until a part of typ is set, LoadParts says none.
func (s *Source) SetPart(typ string, ref provider.Ref, p metricsource.Part) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parts == nil {
		s.parts = make(map[string]metricsource.Parts)
	}
	if s.parts[typ] == nil {
		s.parts[typ] = make(metricsource.Parts)
	}
	if p == metricsource.PartGauge {
		delete(s.parts[typ], ref) // a listed reading is not the gauge's (metricsource.Parts)
		return
	}
	s.parts[typ][ref] = p
}

// Delete removes every value of ref for typ: its series is gone.
func (s *Source) Delete(typ string, ref provider.Ref) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.loads[typ], ref)
	for q, vals := range s.windowed {
		if q.Type == typ {
			delete(vals, ref)
		}
	}
}

// Fail makes Load for typ ("" = every type) and Activity return err,
// wrapped in metricsource.ErrUnavailable; nil heals it.
func (s *Source) Fail(typ string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, typ)
		return
	}
	s.fail[typ] = err
}

// SetPartial makes the answers of typ's load queries say they may be
// partial, why saying why ("" heals): LoadParts returns the values set,
// each a lower bound, with a *metricsource.PartialError, as a source over
// Thanos with a store down does for a sum of rates; Load, which has no
// way to say so, returns that error alone. Set values only for the
// functions the partial answer holds (Delete the others).
func (s *Source) SetPartial(typ, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if why == "" {
		delete(s.partial, typ)
		return
	}
	if s.partial == nil {
		s.partial = make(map[string]string)
	}
	s.partial[typ] = why
}

// SetActivity sets what Activity returns (its Window is overwritten).
func (s *Source) SetActivity(a metricsource.Activity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.activity = a
}

// Queries returns the Load queries asked so far, in order, and forgets them.
func (s *Source) Queries() []metricsource.LoadQuery {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queries
	s.queries = nil
	return q
}

// Load implements metricsource.Source.
func (s *Source) Load(ctx context.Context, q metricsource.LoadQuery) (metricsource.Values, error) {
	v, err := s.load(ctx, q)
	if err != nil {
		return nil, err // a partial answer's values only through LoadParts
	}
	return v, nil
}

// load is Load with a partial answer's values (SetPartial).
func (s *Source) load(ctx context.Context, q metricsource.LoadQuery) (metricsource.Values, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = append(s.queries, q)
	if err := s.failure(q.Type); err != nil {
		return nil, err
	}
	base, ok := s.loads[q.Type]
	if !ok {
		return nil, fmt.Errorf("scalertest: unknown scaling type %q", q.Type)
	}
	out := maps.Clone(base)
	if out == nil {
		out = make(metricsource.Values)
	}
	maps.Copy(out, s.windowed[q])
	if why, ok := s.partial[q.Type]; ok {
		return out, &metricsource.PartialError{Query: "scalertest " + q.Type, Why: why}
	}
	return out, nil
}

// LoadParts implements metricsource.PartedLoad: Load's values (all of
// them, whatever refs), with the parts SetPart set for q's type; a partial
// answer's (SetPartial) with its *metricsource.PartialError.
func (s *Source) LoadParts(ctx context.Context, q metricsource.LoadQuery, _ []provider.Ref) (metricsource.Values, metricsource.Parts, error) {
	v, err := s.load(ctx, q)
	if _, partial := metricsource.PartialWhy(err); err != nil && !partial {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return v, maps.Clone(s.parts[q.Type]), err
}

// Activity implements metricsource.Source.
func (s *Source) Activity(ctx context.Context, window time.Duration) (metricsource.Activity, error) {
	if err := ctx.Err(); err != nil {
		return metricsource.Activity{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure(""); err != nil {
		return metricsource.Activity{}, err
	}
	a := s.activity
	a.Window = window
	a.Started = maps.Clone(a.Started)
	a.Inflight = maps.Clone(a.Inflight)
	return a, nil
}

// SetDown sets DownGateways' answer: the gateway instances down (none
// by default), or its error (wrapped in metricsource.ErrUnavailable, but
// for a *metricsource.PartialError, returned as it is).
func (s *Source) SetDown(instances []string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down, s.downErr = instances, err
}

// DownAsks returns the lookbacks DownGateways was asked for, in order.
func (s *Source) DownAsks() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.downAsks...)
}

// DownGateways implements metricsource.LowerBounds with SetDown's answer.
func (s *Source) DownGateways(ctx context.Context, lookback time.Duration) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.downAsks = append(s.downAsks, lookback)
	if _, partial := metricsource.PartialWhy(s.downErr); partial {
		return nil, s.downErr // a partial answer's: ErrUnavailable already
	}
	if s.downErr != nil {
		return nil, fmt.Errorf("%w: %v", metricsource.ErrUnavailable, s.downErr)
	}
	return append([]string(nil), s.down...), nil
}

func (s *Source) failure(typ string) error {
	if err, ok := s.fail[""]; ok {
		return fmt.Errorf("%w: %v", metricsource.ErrUnavailable, err)
	}
	if err, ok := s.fail[typ]; ok {
		return fmt.Errorf("%w: %v", metricsource.ErrUnavailable, err)
	}
	return nil
}
