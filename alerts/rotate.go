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
	stamp     func() Stamp
	lastStamp string // the Key of the stamp at the last read
	// prev is the authenticator a change of the files replaced, accepted
	// until prevUntil (RotationGrace): senders reading the same Secret
	// see the new files up to a kubelet sync later.
	prev      *authenticator
	prevUntil time.Time
	log       *slog.Logger
}

// RotationGrace is how long the secrets replaced by a change of their files
// (Config.SecretsStamp) are still accepted: the kubelet projects an updated
// Secret into each pod within its sync period plus its cache's delay (a
// minute each by default), so AlertManager may send the old password that
// long after the controller reads the new one, and a 401 is not retried.
// Before the stamp was looked at on every request, a rotated-out password
// stayed accepted until some request came with wrong credentials, for hours
// if need be: rotating a leaked password revoked nothing (a review's
// finding).
const RotationGrace = 2 * time.Minute

// check is authenticator.check, re-reading the secrets once after wrong
// credentials when the last read is SecretsRecheck old.
//
// The credentials in force are asked again whenever they changed since a
// was loaded, by this request's re-read or by another's: two requests
// sent with a rotated password at once (AlertManager flushes groups
// concurrently) both loaded the old credentials; the first re-read swapped
// the new ones in, the second found its re-read too soon after it and
// answered 401 on the old ones, which AlertManager does not retry.
//
// With a stamp, the files are also read whenever it changed, before the
// request is checked: the secrets they replace are accepted for
// RotationGrace more.
func (ra *rotatingAuth) check(r *http.Request, now time.Time) string {
	if ra.stamp != nil && ra.read != nil && ra.filesChanged() {
		ra.reread(now, true)
	}
	return ra.checkFrom(ra.current(), r, now)
}

// checkFrom is check with a the credentials the request loaded as it
// started (the others may have swapped them in since).
func (ra *rotatingAuth) checkFrom(a *authenticator, r *http.Request, now time.Time) string {
	reason := a.check(r)
	if reason != authWrong || ra.read == nil {
		return reason
	}
	ra.reread(now, false)
	if b := ra.current(); b != a {
		reason = b.check(r)
	}
	if reason == authWrong && ra.inGrace(r, now) {
		return ""
	}
	return reason
}

// filesChanged reports whether the stamp differs from the last read's.
func (ra *rotatingAuth) filesChanged() bool {
	s := ra.stamp()
	ra.mu.Lock()
	defer ra.mu.Unlock()
	return s.Key != ra.lastStamp
}

// inGrace reports whether r carries the secrets a change of the files
// replaced less than RotationGrace ago.
func (ra *rotatingAuth) inGrace(r *http.Request, now time.Time) bool {
	ra.mu.Lock()
	prev, until := ra.prev, ra.prevUntil
	ra.mu.Unlock()
	return prev != nil && now.Before(until) && prev.check(r) == ""
}

func (ra *rotatingAuth) current() *authenticator {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	return ra.cur
}

// reread reads the secrets and swaps in an authenticator for them when they
// changed and are usable; it reports whether it swapped. filesChanged: the
// stamp asked for it, and the secrets replaced get RotationGrace.
func (ra *rotatingAuth) reread(now time.Time, filesChanged bool) bool {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	var stamp Stamp
	if ra.stamp != nil {
		stamp = ra.stamp()
	}
	if now.Before(ra.nextRead) && (ra.stamp == nil || stamp.Key == ra.lastStamp) {
		return false
	}
	// The stamp is taken before the read: files changing during it differ
	// from it, so they are read again at the next request.
	ra.nextRead, ra.lastStamp = now.Add(SecretsRecheck), stamp.Key
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
	if filesChanged {
		// The grace runs from when the files changed, as far as the clock
		// can tell: a change noticed an hour late gives none.
		changed := stamp.Changed
		if changed.IsZero() || changed.After(now) {
			changed = now
		}
		ra.prev, ra.prevUntil = ra.cur, changed.Add(RotationGrace)
	}
	ra.cur, ra.cfg = a, next
	ra.log.Info("webhook secrets changed on disk; using the new ones")
	return true
}

// Stamp tells whether the secrets' files changed (Config.SecretsStamp).
type Stamp struct {
	// Key differs whenever the files do.
	Key string
	// Changed is when they last changed, if known (zero: not known).
	Changed time.Time
}

// FilesStamp returns a Config.SecretsStamp over the files at paths: the Key
// holds each one's size and modification time (nanoseconds), or its stat
// error; Changed is the latest modification time. A Kubernetes Secret
// volume swaps its files in by a symbolic link to a new folder, so the
// file followed is a newly written one, written when the kubelet projected
// the change.
func FilesStamp(paths ...string) func() Stamp {
	return func() Stamp {
		var b strings.Builder
		var changed time.Time
		for _, p := range paths {
			fi, err := os.Stat(p)
			if err != nil {
				b.WriteString("err:" + err.Error() + ";")
				continue
			}
			fmt.Fprintf(&b, "%d/%d;", fi.Size(), fi.ModTime().UnixNano())
			if fi.ModTime().After(changed) {
				changed = fi.ModTime()
			}
		}
		return Stamp{Key: b.String(), Changed: changed}
	}
}
