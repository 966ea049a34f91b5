// Package explain serves the explain API: for every function the controller
// manages, why it has the replicas it has — its parsed spec (or the label
// error), current, desired and available replicas, the last observation, the
// recent decisions with their reasons, and one section per other component
// (the idler's "idle" and "schedule"). It reads; it never decides.
package explain
