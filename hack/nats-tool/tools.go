//go:build tools

// Package tools records the nats-server dependency so `go mod tidy` in this
// module keeps it; the binary is built with `go build` of its import path.
package tools

import _ "github.com/nats-io/nats-server/v2"
