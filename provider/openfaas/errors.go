package openfaas

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Operation names, used in errors and log lines: the operation label values
// of provider.Instrument.
const (
	OpNamespaces = provider.OpNamespaces
	OpFunctions  = provider.OpFunctions
	OpFunction   = provider.OpFunction
	OpScale      = provider.OpScale
)

// maxErrorBody bounds how much of a reply body an error carries.
const maxErrorBody = 512

// StatusError is a reply whose status the client does not map to success or
// to one of the provider package's typed errors. It names the operation, the
// function (or namespace, for a list) and the status. For 401/403 and 404 it
// unwraps to provider.ErrUnauthorized and provider.ErrNotFound, so errors.Is
// works while the status stays readable with errors.As.
type StatusError struct {
	Op     string       // one of the Op* constants
	Ref    provider.Ref // function; only Namespace is set for list operations
	Status int          // HTTP status code
	Body   string       // start of the reply body, trimmed and truncated
	// Attempts is how many requests were sent (more than 1 after 5xx retries).
	Attempts int

	kind error // sentinel this status maps to, if any
}

func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "openfaas %s %s: HTTP %d %s", e.Op, target(e.Op, e.Ref), e.Status, http.StatusText(e.Status))
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.kind != nil {
		fmt.Fprintf(&b, " (%v)", e.kind)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %s", e.Body)
	}
	return b.String()
}

// Unwrap returns provider.ErrUnauthorized or provider.ErrNotFound when the
// status means that, else nil.
func (e *StatusError) Unwrap() error { return e.kind }

// target names what an operation was about, for messages.
func target(op string, ref provider.Ref) string {
	switch {
	case op == OpNamespaces:
		return "(all namespaces)"
	case ref == provider.Ref{}:
		// A call about no function or namespace (/system/info): it
		// read "namespace " with nothing after it.
		return "(the gateway)"
	case ref.Name == "":
		return "namespace " + ref.Namespace
	default:
		return ref.String()
	}
}

// errorBody makes a reply body fit for an error message: trimmed, one line,
// at most maxErrorBody bytes cut on a rune boundary.
func errorBody(b []byte) string {
	s := strings.TrimSpace(string(b))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxErrorBody {
		return s
	}
	cut := maxErrorBody
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
