// Package scaler owns the scaling decision: label parsing into a validated
// Spec, the pure Decide function that turns a spec, an observation and the
// function's decision history into a replica target with a reason, the
// stabilisation windows, and the reconcile loop that applies decisions through
// a provider. It knows nothing of HTTP or PromQL.
package scaler
