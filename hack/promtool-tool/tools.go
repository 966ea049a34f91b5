//go:build tools

// Package tools records the promtool dependency so `go mod tidy` in this
// module keeps it; the binary is built with `go build` of its import path.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
