package jetstream

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Defaults; see Config. The stream and subject are OpenFaaS's queue names.
const (
	DefaultStream    = "faas-request"
	DefaultSubject   = "faas-request"
	DefaultTimeout   = 5 * time.Second
	DefaultNamespace = "openfaas-fn"
)

// Config configures the JetStream source. Start from DefaultConfig.
type Config struct {
	// URL of the NATS server, nats://host:port (flag --nats-url).
	URL string
	// Stream holding the asynchronous requests (flag --nats-stream, default
	// faas-request).
	Stream string
	// Subject is the stream's subject; each function's messages go to
	// <Subject>.<name>.<namespace> (flag --nats-subject, default faas-request).
	Subject string
	// Timeout bounds one Queued call, all pages included (default 5s).
	Timeout time.Duration
	// DefaultNamespace qualifies a consumer subject naming a bare function.
	DefaultNamespace string
	// Logger receives debug lines about consumers that name no function.
	Logger *slog.Logger
}

// DefaultConfig returns the defaults; URL is left empty on purpose.
func DefaultConfig() Config {
	return Config{Stream: DefaultStream, Subject: DefaultSubject, Timeout: DefaultTimeout, DefaultNamespace: DefaultNamespace}
}

// Validate reports the first problem with c, naming the setting.
func (c Config) Validate() error {
	if c.URL == "" {
		return errors.New("nats url is required")
	}
	for _, u := range strings.Split(c.URL, ",") {
		p, err := url.Parse(strings.TrimSpace(u))
		if err != nil || (p.Scheme != "nats" && p.Scheme != "tls") || p.Host == "" {
			return fmt.Errorf("nats url %q: want nats://host:port (several comma-separated)", RedactURL(c.URL))
		}
	}
	if !validToken(c.Stream, false) {
		return fmt.Errorf("nats stream %q: want a name without spaces, dots, * or >", c.Stream)
	}
	if !validToken(c.Subject, true) {
		return fmt.Errorf("nats subject %q: want a literal subject (no spaces, * or >, no empty token)", c.Subject)
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("nats timeout must be > 0, got %s", c.Timeout)
	}
	if c.DefaultNamespace == "" {
		return errors.New("nats default namespace is required")
	}
	return nil
}

// validToken: non-empty, no whitespace or wildcards; dots only when allowed
// and never at an end or doubled.
func validToken(s string, dots bool) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n*>") {
		return false
	}
	if !dots {
		return !strings.Contains(s, ".")
	}
	for _, tok := range strings.Split(s, ".") {
		if tok == "" {
			return false
		}
	}
	return true
}

// RedactURL is a --nats-url (one URL or several, comma-separated) fit for
// logs and errors: a password replaced by "xxxxx" (url.URL.Redacted). The
// README puts credentials in the URL (nats://user:password@host:4222); the
// start line and a bad URL's error showed them whole. A user without a
// password is NATS's token authentication (nats://token@host:4222: nats.go
// sends it as the auth_token), so it is replaced too; url.URL.Redacted
// showed it. A URL that does not parse loses everything between its scheme
// and its last '@'; so does the whole list when a part is ambiguous (a
// review's finding): a password typed unescaped with '@' then '#', '?' or
// '/' parses with a piece of it as host and fragment, and one with ',' is
// cut by the list's split into a part without '@' (its first half shown
// whole) and a scheme-less part with the '@'.
func RedactURL(s string) string {
	if ambiguousCredentials(s) {
		return hideToLastAt(strings.TrimSpace(s))
	}
	parts := strings.Split(s, ",")
	for i, u := range parts {
		u = strings.TrimSpace(u)
		if p, err := url.Parse(u); err == nil {
			if p.User != nil {
				if _, has := p.User.Password(); !has {
					p.User = url.User("xxxxx")
				}
			}
			parts[i] = p.Redacted()
			continue
		}
		parts[i] = hideToLastAt(u)
	}
	return strings.Join(parts, ",")
}

// hideToLastAt replaces everything between u's scheme and its last '@'
// with "xxxxx" (u itself when it has no '@').
func hideToLastAt(u string) string {
	at := strings.LastIndex(u, "@")
	if at < 0 {
		return u
	}
	if scheme, _, found := strings.Cut(u, "://"); found {
		return scheme + "://xxxxx" + u[at:]
	}
	return "xxxxx" + u[at:]
}

// ambiguousCredentials reports whether s, a URL list with an '@', may
// hold credentials its parts' parse would not find whole: a part with two
// '@' (one ends up in a host, a path, a query or a fragment), or a part
// with an '@' and no scheme after a part without one (the list's split
// fell inside a password).
func ambiguousCredentials(s string) bool {
	if !strings.Contains(s, "@") {
		return false
	}
	withoutAt := false
	for _, part := range strings.Split(s, ",") {
		n := strings.Count(part, "@")
		switch {
		case n > 1:
			return true
		case n == 1 && withoutAt && !strings.Contains(part, "://"):
			return true
		case n == 0:
			withoutAt = true
		}
	}
	return false
}
