package promql

// DropNaN is expr (an instant vector) without its NaN samples, for an
// average over series some of which can be 0/0: a custom load recorded as
// a ratio per gateway replica and status code (OpenFaaS Pro's documented
// latency rule, rate(…_sum[30s]) / rate(…_count[30s])) is NaN for every
// series without a call in its range, and an average of any NaN is NaN:
// one status code that no longer occurs, or one gateway replica the
// function was not called through, made the whole function's load
// missing, though its other series held valid readings. A function whose
// every series is NaN has none left, so it stays missing, not 0.
//
// Every comparison with NaN is false and every other value, infinities
// included, is at least -Inf, so the filter drops exactly the NaNs; it
// reads expr once (`x unless x != x` read a range function twice). expr is
// one operand of the comparison as written: a selector, a function call,
// or arithmetic, not a comparison or a set operation.
func DropNaN(expr string) string { return expr + " >= -Inf" }
