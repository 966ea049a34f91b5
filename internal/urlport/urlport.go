package urlport

import (
	"net/url"
	"strconv"
)

// Valid reports whether u's port is one a connection can use: none (the
// scheme's), or 1 to 65535.
func Valid(u *url.URL) bool {
	p := u.Port()
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}
