// Package actuator is the one writer of replicas. The scaler, the idler and
// the keep-alive pre-warmer propose Intents (function, from → to, who, why,
// and how old their evidence is); the actuator alone calls the provider. It
// runs one intent at a time per function and different functions in
// parallel on a bounded pool, with a deadline per call and a back-off per
// function after errors. Between competing intents and before every write it
// asks one pure function, Arbitrate, which returns a verdict with a reason
// code, so that "why N replicas" can always name the component and the
// arbitration. Dry-run, the namespace filter and the leader guard are
// enforced here once. Writes are conditional (provider.ScaleIf): an intent
// made on a count that has since changed is re-checked, never applied
// blindly, and one made on a function since deleted and deployed again
// under its name (Intent.Created) is not written at all. A failure stays
// with its function.
package actuator
