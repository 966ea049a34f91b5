// Package jsonkeys holds test helpers for the explain API's JSON: every key
// snake_case, at any depth, and a struct with every field set so that
// omitempty and omitzero fields are not missed. Used by the tests of the
// packages that serve explain sections (idler, keepalive).
package jsonkeys
