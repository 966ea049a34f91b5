// Package config holds the controller's tuning as one typed value: one
// Default(), a strict YAML decode that names file:line:col and the key's
// path, and one Validate() with exact messages. Flags carry the wiring; this
// carries how the controller decides and acts.
package config
