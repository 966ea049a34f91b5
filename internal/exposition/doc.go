// Package exposition serves /metrics with families that are written
// straight to the Prometheus text format instead of being built as
// client_golang metrics on every scrape. A family with a series per
// function (10,000 functions: seven series each) cost about 10 MB of
// garbage per scrape as const metrics, label pairs and their dto copies;
// streamed, a scrape allocates a snapshot of the rows and a buffer.
//
// Registry is a prometheus.Registry plus those streamers. Its Handler
// writes both; its Gather parses the streamed text back into families, so
// tests and anything else that reads families still see every series.
package exposition
