package alerts

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// Realm is the realm named in WWW-Authenticate challenges.
const Realm = "faas-autoscaler"

// Reasons an authentication failed, used as the `reason` label of the
// auth-failures counter.
const (
	authMissing = "missing"           // no Authorization header
	authScheme  = "wrong_scheme"      // a scheme this mode does not accept
	authWrong   = "wrong_credentials" // right scheme, wrong user, password or token
)

var authReasons = []string{authMissing, authScheme, authWrong}

// authenticator checks one request's credentials in constant time.
type authenticator struct {
	mode   AuthMode
	basic  bool
	bearer bool
	// SHA-256 digests of the expected secrets: comparing fixed-size digests
	// with subtle.ConstantTimeCompare does not leak the secrets' lengths.
	user, pass, token [sha256.Size]byte
	challenges        []string
}

func newAuthenticator(c Config) *authenticator {
	a := &authenticator{mode: c.Auth}
	switch c.Auth {
	case AuthBasic:
		a.basic = true
	case AuthBearer:
		a.bearer = true
	case AuthBasicOrBearer:
		a.basic, a.bearer = true, true
	}
	if a.basic {
		a.user = sha256.Sum256([]byte(c.Username))
		a.pass = sha256.Sum256([]byte(c.Password))
		a.challenges = append(a.challenges, `Basic realm="`+Realm+`"`)
	}
	if a.bearer {
		a.token = sha256.Sum256([]byte(c.BearerToken))
		a.challenges = append(a.challenges, `Bearer realm="`+Realm+`"`)
	}
	return a
}

// check returns "" when the request may proceed, else the failure reason.
func (a *authenticator) check(r *http.Request) string {
	if !a.basic && !a.bearer {
		return ""
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return authMissing
	}
	scheme, rest, _ := strings.Cut(h, " ")
	switch {
	case a.basic && strings.EqualFold(scheme, "Basic"):
		u, p, ok := r.BasicAuth()
		if !ok {
			return authWrong
		}
		hu, hp := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(p))
		// Evaluate both comparisons: no early exit on a wrong username.
		if subtle.ConstantTimeCompare(hu[:], a.user[:])&subtle.ConstantTimeCompare(hp[:], a.pass[:]) == 1 {
			return ""
		}
		return authWrong
	case a.bearer && strings.EqualFold(scheme, "Bearer"):
		ht := sha256.Sum256([]byte(strings.TrimSpace(rest)))
		if subtle.ConstantTimeCompare(ht[:], a.token[:]) == 1 {
			return ""
		}
		return authWrong
	default:
		return authScheme
	}
}

// challenge sets the WWW-Authenticate headers of a 401.
func (a *authenticator) challenge(h http.Header) {
	for _, c := range a.challenges {
		h.Add("WWW-Authenticate", c)
	}
}
