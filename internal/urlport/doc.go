// Package urlport holds the one check of a URL's port the controller's
// flags and configuration share: a port a connection can use (1 to 65535).
// url.Parse accepts any digits there, so http://host:99999 parsed, started,
// and failed at every connection.
package urlport
