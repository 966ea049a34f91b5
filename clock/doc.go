// Package clock is the one seam through which loops read time. Decisions never
// read the clock: they take `now` as an argument. Loops take a Clock so that the
// same loop runs on the wall clock in production, inside a testing/synctest
// bubble in tests (where the real clock is already virtual), and on the trace
// simulator's manual clock, which advances only when told to.
package clock
