// Package config holds the controller's tuning as one typed value: one
// Default(), a strict YAML decode that names file:line:col and the key's
// path, and one Validate() with exact messages. Flags carry the wiring; this
// carries how the controller decides and acts.
//
// The file is decoded by walking go.yaml.in/yaml/v3's node tree against the
// struct's yaml tags (decode.go) rather than by yaml.Unmarshal, because
// Unmarshal stops at the first error, has no key paths, accepts a plain
// integer as a time.Duration (5 becomes 5ns) and lets a duplicate key or an
// explicit zero pass unnoticed. Marshal (encode.go) is its inverse.
//
// The tuning flags `faas-autoscaler run` had before the file still work
// (deprecated.go): BindDeprecated registers them under their old names, and
// LoadWith lays the ones given over the file, so a flag beats the file, on
// start and on every reload alike. LoadOverNoting also names the file's
// keys that such a flag overrides, so the caller can say that the file's
// value is not in force instead of letting an edit of it pass in silence.
//
// A start or a SIGHUP reload is one call:
//
//	c, err := config.LoadWith(path, deprecated) // parse, apply flags, validate
//	if err != nil { /* keep the running config; log err */ }
package config
