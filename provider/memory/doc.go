// Package memory is an in-memory provider.Provider whose available replicas
// follow the desired count after a cold-start delay measured on an injected
// clock, so it runs on wall time and on virtual time alike.
//
// It backs the embedded default, the trace simulator and the tests of every
// package that scales. The model: each replica requested at t becomes
// available at t+Options.ColdStart, computed when read (no goroutines);
// scaling down removes replicas at once, the newest pending first; Deploy
// makes its replicas available at once, DeployCold makes them start.
// Options.RefuseZero and Options.MaxReplicas imitate OpenFaaS CE (400 on zero,
// a silent cap at 5). Every Scale call is recorded, including no-ops with the
// current count and failures, so tests and the simulator can count scale
// events (ScaleCall.Changed) and spot duplicates. FailScale, FailFunction and
// FailLists inject errors for the next N calls.
package memory
