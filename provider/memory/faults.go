package memory

import "github.com/faas-autoscaler/faas-autoscaler/provider"

// Fault injection lets tests drive error paths: a provider that is down,
// slow to answer or rejects a call, for a given number of calls.

type faultOp int

const (
	opScale faultOp = iota
	opFunction
	opList // Namespaces and Functions
)

type faultKey struct {
	op  faultOp
	ref provider.Ref // zero for opList
}

type fault struct {
	left int
	err  error
}

// FailScale makes the next n Scale calls for ref return err, without
// changing replicas. The calls are recorded with Err set. n ≤ 0 clears it.
func (p *Provider) FailScale(ref provider.Ref, n int, err error) {
	p.setFault(faultKey{op: opScale, ref: ref}, n, err)
}

// FailFunction makes the next n Function calls for ref return err.
func (p *Provider) FailFunction(ref provider.Ref, n int, err error) {
	p.setFault(faultKey{op: opFunction, ref: ref}, n, err)
}

// FailLists makes the next n Namespaces or Functions calls return err, as a
// provider that cannot be listed.
func (p *Provider) FailLists(n int, err error) {
	p.setFault(faultKey{op: opList}, n, err)
}

func (p *Provider) setFault(k faultKey, n int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n <= 0 || err == nil {
		delete(p.faults, k)
		return
	}
	p.faults[k] = &fault{left: n, err: err}
}

// takeFault consumes one injected failure for k, if any. p.mu is held.
func (p *Provider) takeFault(k faultKey) error {
	f, ok := p.faults[k]
	if !ok {
		return nil
	}
	f.left--
	if f.left <= 0 {
		delete(p.faults, k)
	}
	return f.err
}
