// Package keepalive is the adaptive keep-alive behind the zero-duration
// label value "auto" (com.openfaas.scale.zero-duration: auto). Per function
// it learns the idle times between invocations and chooses, as a pure
// decision with a reason, how long to keep a replica after an invocation and
// whether to scale to zero and pre-warm shortly before the next predicted
// one.
//
// It starts from the hybrid histogram policy of Shahrad et al. ("Serverless
// in the Wild", USENIX ATC 2020) and goes further where the Azure traces
// show how: instead of fixed percentiles it picks the windows that minimise
// expected cold starts plus idle replica time priced by one knob (ColdStartWorth),
// it detects strictly periodic (timer) functions and pre-warms them to the
// second, and for bursty functions it keeps a short window after each
// invocation and pre-warms for the next burst.
//
// The idler asks it through KeepAlive; the pre-warm loop through Due.
package keepalive
