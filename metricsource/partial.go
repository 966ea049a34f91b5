package metricsource

import (
	"errors"
	"strings"
)

// A source behind a federating querier (Thanos with partial_response, a
// Prometheus whose remote read failed, a VictoriaMetrics cluster with a
// storage node down) can answer a query with what it reached and say the
// answer may lack series. Which functions it lacks cannot be told, so for
// every caller such an answer is no answer: a *PartialError is an
// ErrUnavailable. A load whose expression only loses from a missing series
// (a sum of per-series rates) still reads at least what the answer holds:
// a lower bound, good for scaling up and no ground for scaling down, as
// while a gateway instance is not scraped (lowerbound.go). So a load
// method may return readings together with a *PartialError, and only a
// caller that asks for them (errors.As, the scaler's pass) reads them.

// ErrPartial marks an answer that said it may be missing data (wrapped with
// ErrUnavailable).
var ErrPartial = errors.New("the answer may be partial")

// PartialError is a query whose answer said it may be partial. It wraps
// ErrUnavailable and ErrPartial, so a caller that does not look for it
// treats every function's data as missing. Returned by PartedLoad's
// LoadParts or AlignedLoad's LoadAligned it may come with readings: each
// is a lower bound of its function's load (the source leaves out every
// reading it cannot say that of), and a function without one is missing.
// Returned by anything else it comes with no data.
type PartialError struct {
	Query string // what was asked (the PromQL text); "" when not said
	Why   string // what said so: the server's warning, e.g. a Thanos store's error
}

func (e *PartialError) Error() string {
	var b strings.Builder
	b.WriteString(ErrUnavailable.Error())
	b.WriteString(": ")
	if e.Query != "" {
		b.WriteString("query " + e.Query + ": ")
	}
	b.WriteString(ErrPartial.Error() + ": " + e.Why)
	return b.String()
}

// Unwrap makes a PartialError both ErrUnavailable and ErrPartial.
func (e *PartialError) Unwrap() []error { return []error{ErrUnavailable, ErrPartial} }

// PartialWhy is why err's answer may be partial when err is (or wraps) a
// *PartialError; ok false otherwise.
func PartialWhy(err error) (why string, ok bool) {
	if err == nil {
		// Most answers carry no error: errors.As's target escapes, so
		// without this the pe below was an allocation per answer read.
		return "", false
	}
	var pe *PartialError
	if !errors.As(err, &pe) {
		return "", false
	}
	return pe.Why, true
}

// PartialWords says that the readings of what (e.g. "load") are lower
// bounds because the answer may be partial, and why.
func PartialWords(why, what string) string {
	return "the " + what + " answer may be partial (" + why + "): the " + what + " read is a lower bound"
}
