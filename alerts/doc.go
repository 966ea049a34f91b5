// Package alerts is the AlertManager webhook receiver (`POST /system/alert`,
// webhook payload version 4): authentication, the body limit, decoding and
// validation, and the mapping of each alert to a scaler.Signal. It never
// computes replicas.
package alerts
