// Package scalertest holds in-memory doubles for testing code that drives the
// scaler: a metrics source whose per-function loads a test sets by hand, and
// which records the queries it was asked.
package scalertest
