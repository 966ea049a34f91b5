// Package report renders simulator results: an aligned table for the
// terminal, CSV and JSON files, and hand-written SVG charts (a Pareto plot
// of cold starts against idle replica time for all policies, and replicas
// over time for one function). Every rendering of results from the Azure
// traces carries the attribution the licence asks for.
package report
