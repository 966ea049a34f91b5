// Package flight shares one call among the callers that want it at once,
// each waiting only as long as its own context lets it: a caller cancelled
// by shutdown or a lost term does not sit out another caller's call to a
// system that does not answer, and a call whose own caller gave up answers
// no one else (they call again). The metrics source's NATS read and the
// OpenFaaS client's /system/info read share their requests so.
package flight
