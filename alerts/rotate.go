package alerts

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// SecretsRecheck is the least time between two re-reads of the secrets
// after wrong credentials while their files look unchanged
// (Config.SecretsStamp): a client that keeps sending a wrong password
// costs at most one read of the files per interval, and a stat of them
// per request when a stamp is set.
const SecretsRecheck = 10 * time.Second

// Secrets reads the webhook's secrets again: the basic-auth user and
// password and the bearer token (those the auth mode does not use are
// ignored).
type Secrets func() (username, password, token string, err error)

// rotatingAuth is the authenticator in force, replaced when the secret
// files change. OpenFaaS rotates its basic-auth Secret in place (the kubelet
// rewrites the mounted files) and AlertManager, which reads the same
// password file, sends the new one; secrets read once at start refused it
// with 401 until a restart, and every alert waited.
type rotatingAuth struct {
	mu       sync.Mutex
	cur      *authenticator
	cfg      Config // the mode and the secrets cur was built from
	read     Secrets
	nextRead time.Time
	// stamp, when set, tells whether the secrets' files changed since the
	// last read (lastStamp), so a change is read at once within the
	// recheck interval.
	stamp     func() string
	lastStamp string
	log       *slog.Logger
}

// check is authenticator.check, re-reading the secrets once after wrong
// credentials when the last read is SecretsRecheck old.
//
// The credentials in force are asked again whenever they changed since a
// was loaded, by this request's re-read or by another's: two requests
// sent with a rotated password at once (AlertManager flushes groups
// concurrently) both loaded the old credentials; the first re-read swapped
// the new ones in, the second found its re-read too soon after it and
// answered 401 on the old ones, which AlertManager does not retry.
func (ra *rotatingAuth) check(r *http.Request, now time.Time) string {
	return ra.checkFrom(ra.current(), r, now)
}

// checkFrom is check with a the credentials the request loaded as it
// started (the others may have swapped them in since).
func (ra *rotatingAuth) checkFrom(a *authenticator, r *http.Request, now time.Time) string {
	reason := a.check(r)
	if reason != authWrong || ra.read == nil {
		return reason
	}
	ra.reread(now)
	if b := ra.current(); b != a {
		return b.check(r)
	}
	return reason
}

func (ra *rotatingAuth) current() *authenticator {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	return ra.cur
}

// reread reads the secrets and swaps in an authenticator for them when they
// changed and are usable; it reports whether it swapped.
func (ra *rotatingAuth) reread(now time.Time) bool {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	var stamp string
	if ra.stamp != nil {
		stamp = ra.stamp()
	}
	if now.Before(ra.nextRead) && (ra.stamp == nil || stamp == ra.lastStamp) {
		return false
	}
	// The stamp is taken before the read: files changing during it differ
	// from it, so they are read again on the next wrong credentials.
	ra.nextRead, ra.lastStamp = now.Add(SecretsRecheck), stamp
	user, pass, token, err := ra.read()
	if err != nil {
		ra.log.Warn("webhook secrets could not be read again; keeping those in use", "err", err)
		return false
	}
	next := ra.cfg
	next.Username, next.Password, next.BearerToken = user, pass, token
	if err := next.checkSecrets(); err != nil {
		ra.log.Warn("webhook secrets read again are not usable; keeping those in use", "err", err)
		return false
	}
	a := newAuthenticator(next)
	if a.user == ra.cur.user && a.pass == ra.cur.pass && a.token == ra.cur.token {
		return false
	}
	ra.cur, ra.cfg = a, next
	ra.log.Info("webhook secrets changed on disk; using the new ones")
	return true
}

// FilesStamp returns a Config.SecretsStamp over the files at paths: each
// one's size and modification time (nanoseconds), or its stat error. A
// Kubernetes Secret volume swaps its files in by a symbolic link to a new
// folder, so the file followed is a newly written one.
func FilesStamp(paths ...string) func() string {
	return func() string {
		var b strings.Builder
		for _, p := range paths {
			fi, err := os.Stat(p)
			if err != nil {
				b.WriteString("err:" + err.Error() + ";")
				continue
			}
			fmt.Fprintf(&b, "%d/%d;", fi.Size(), fi.ModTime().UnixNano())
		}
		return b.String()
	}
}
