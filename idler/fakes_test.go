package idler

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// fakeSource answers Activity from invocation times recorded with invoke, on
// whatever clock time.Now is (virtual inside a synctest bubble). It is
// covered once it has been "scraping" for the whole window.
type fakeSource struct {
	mu       sync.Mutex
	since    time.Time // observing the gateway since
	last     map[provider.Ref]time.Time
	inflight map[provider.Ref]float64
	down     bool
	// vanished: reported as Vanished; forgotten: not reported at all (a
	// source that lost its history).
	vanished, forgotten map[provider.Ref]bool
	// woken: reported as Woken (a wake from zero in the source's history).
	woken   map[provider.Ref]time.Time
	windows []time.Duration
	// onQuery runs after each query is answered (n counts from 1).
	onQuery func(n int)
}

func newFakeSource(since time.Time) *fakeSource {
	return &fakeSource{since: since, last: map[provider.Ref]time.Time{}, inflight: map[provider.Ref]float64{}}
}

func (s *fakeSource) invoke(ref provider.Ref) {
	s.mu.Lock()
	s.last[ref] = time.Now()
	s.mu.Unlock()
}

func (s *fakeSource) Activity(ctx context.Context, window time.Duration) (metricsource.Activity, error) {
	s.mu.Lock()
	s.windows = append(s.windows, window)
	n := len(s.windows)
	hook := s.onQuery
	if s.down {
		s.mu.Unlock()
		return metricsource.Activity{}, errors.Join(metricsource.ErrUnavailable, errors.New("connection refused"))
	}
	now := time.Now()
	act := metricsource.Activity{Window: window, Covered: now.Sub(s.since) >= window,
		Started: metricsource.Values{}, Inflight: metricsource.Values{}}
	for ref, at := range s.last {
		if s.vanished[ref] || s.forgotten[ref] {
			continue
		}
		if now.Sub(at) < window {
			act.Started[ref] = 1
		} else {
			act.Started[ref] = 0 // the counter exists: invoked before
		}
	}
	for ref, v := range s.inflight {
		act.Inflight[ref] = v
	}
	for ref, at := range s.woken {
		if now.Sub(at) < window {
			if act.Woken == nil {
				act.Woken = map[provider.Ref]time.Time{}
			}
			act.Woken[ref] = at
		}
	}
	for ref := range s.vanished {
		if act.Vanished == nil {
			act.Vanished = map[provider.Ref]bool{}
		}
		act.Vanished[ref] = true
	}
	s.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return act, nil
}

func (s *fakeSource) queries() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.windows...)
}
