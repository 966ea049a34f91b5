// Package e2e runs the whole loop on the real stack: a simulated OpenFaaS
// gateway (package gatewaysim, in-process, over the memory provider), a real
// Prometheus loaded with the rules `faas-autoscaler rules` generates, a real
// AlertManager with the generated receiver config, and the controller binary
// built from cmd/ as a child process with real flags.
//
// Start returns a Stack; a Tap between AlertManager and the controller
// records every webhook delivery and the controller's answer, and the memory
// provider records every scale call with its time, so scenarios wait on
// events (Eventually) and assert on what really crossed each boundary. The
// package's tests are the scenarios of the end-to-end issue; bench/reaction
// reuses the harness to measure reaction times.
//
// Binaries are found as teststack finds them: when prometheus or
// prometheus-alertmanager is missing the tests skip, or fail under CI=true.
// Every child runs with Pdeathsig and is stopped by t.Cleanup, which prints
// its output when the test failed.
package e2e
