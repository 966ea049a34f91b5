// Package memory is an in-memory provider.Provider whose available replicas
// follow the desired count after a cold-start delay measured on an injected
// clock, so it runs on wall time and on virtual time alike.
package memory
