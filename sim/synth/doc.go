// Package synth generates synthetic traces from a seed: workload shapes the
// Azure samples have too few of (timers with jitter, a diurnal cycle, rare
// functions with heavy-tailed idle times, on/off bursts), as typed
// trace.Trace values that replay like a trace folder and can be written in
// the Azure 2019 layout. The same name, seed and size give the same bytes.
package synth
