package openfaas

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/internal/urlport"
)

// Defaults for Config, chosen for a gateway on the same cluster: a call that
// takes more than 5s is stuck, and three retries of a read at 200ms base cover
// a gateway or provider pod restart without holding a reconcile cycle for
// long. (A scale is never retried: see Client.Scale.)
const (
	DefaultNamespace   = "openfaas-fn"
	DefaultTimeout     = 5 * time.Second
	DefaultRetries     = 3
	DefaultBackoffBase = 200 * time.Millisecond
	// DefaultIdleConns covers actuator.workers' default 8 with room for
	// the listing and reads made beside the scales.
	DefaultIdleConns = 32

	// maxRetries bounds Retries so a typo cannot turn one call into minutes.
	maxRetries = 10
	// maxBackoff caps one backoff sleep whatever the attempt number.
	maxBackoff = 30 * time.Second
)

// Config configures a Client. Start from DefaultConfig and set GatewayURL.
type Config struct {
	// GatewayURL is the base of the REST API: the gateway
	// (http://gateway.openfaas:8080/) or a provider directly
	// (http://127.0.0.1:8081/). With or without a trailing slash; it may carry
	// a path prefix, never a query, a fragment or credentials.
	GatewayURL string
	// Username and Password are sent as HTTP basic auth when Username is set
	// (see ReadCredentials for the OpenFaaS secret files).
	Username string
	Password string
	// Credentials, when set, reads the user and password again after the
	// gateway answers 401 (see ReadCredentials); when they changed, the
	// request is sent once more with them. Username and Password are the
	// ones used until then.
	Credentials func() (user, pass string, err error)
	// DefaultNamespace is used when the provider does not list namespaces
	// (404/501 or an empty list, as faasd and older providers do) and for a
	// Functions call with an empty namespace.
	DefaultNamespace string
	// Timeout bounds each HTTP attempt, so a retry after a hung attempt still
	// gets its own full budget. The caller's ctx bounds the whole call, and
	// alone a call sent once (a scale) when it has a deadline. The
	// /system/info read before a listing or a scale is bounded by Timeout
	// whatever the caller's deadline (and by half the time left to it).
	Timeout time.Duration
	// Retries is how many times a read is repeated after a transport error or
	// a 5xx reply other than 501; 0 disables retries. 4xx replies are never
	// retried, and a scale is never retried (it may have landed: see
	// Client.Scale).
	Retries int
	// BackoffBase is the first retry's upper bound; the bound doubles per
	// attempt (capped at 30s) and the sleep is uniform in [0, bound) ("full
	// jitter"), so many controllers retrying at once do not synchronise.
	BackoffBase time.Duration
	// Rand returns a number in [0,1) for the jitter; nil uses math/rand/v2.
	// Tests inject a fixed source.
	Rand func() float64
	// HTTPClient sends the requests; nil uses a client of its own. Its own
	// Timeout, if any, applies on top of Timeout. Its CheckRedirect is not
	// used: the client follows no redirect (a 3xx is an error naming its
	// Location), through a copy of it.
	HTTPClient *http.Client
	// IdleConns is how many idle connections the client's own transport
	// keeps to the gateway (with HTTPClient nil). It should be at least the
	// number of calls made at once (actuator.workers, plus a listing):
	// http.DefaultTransport keeps 2, so each burst of concurrent scales
	// closed and reopened the rest.
	IdleConns int
	// Logger receives one debug line per retry; nil discards.
	Logger *slog.Logger
	// Clock dates the cached /system/info answer (see faasdListing); nil
	// is the wall clock. Tests inject one.
	Clock clock.Clock
}

// DefaultConfig returns a Config with every default set and no GatewayURL.
func DefaultConfig() Config {
	return Config{
		DefaultNamespace: DefaultNamespace,
		Timeout:          DefaultTimeout,
		Retries:          DefaultRetries,
		BackoffBase:      DefaultBackoffBase,
		IdleConns:        DefaultIdleConns,
	}
}

// CheckGatewayURL checks a gateway URL as Validate does: http(s), a host,
// a port in range when one is given, no credentials (the basic-auth secret
// files hold them), no query or fragment. The controller checks its flag
// with it, so a URL refused here is a bad flag (exit 2 naming it), not a
// failure at wiring (exit 1 naming none; a review's finding).
func CheckGatewayURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("gateway URL %q: %v", s, unwrapURLError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("gateway URL %q: scheme must be http or https", s)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("gateway URL %q: host is missing", s)
	}
	if u.User != nil {
		return errors.New("gateway URL must not carry credentials: use the basic-auth secret files")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return fmt.Errorf("gateway URL %q: must not carry a query or a fragment", s)
	}
	if !urlport.Valid(u) {
		return fmt.Errorf("gateway URL %q: port %s is out of range (1 to 65535)", s, u.Port())
	}
	return nil
}

// Validate checks the configuration and returns the first problem with an
// exact message naming the setting.
func (c Config) Validate() error {
	if c.GatewayURL == "" {
		return errors.New("gateway URL is required")
	}
	if err := CheckGatewayURL(c.GatewayURL); err != nil {
		return err
	}
	if c.Username == "" && c.Password != "" {
		return errors.New("basic auth password is set but the user name is empty")
	}
	if c.DefaultNamespace == "" {
		return errors.New("default namespace is required")
	}
	if err := checkName("default namespace", c.DefaultNamespace); err != nil {
		return err
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("timeout must be positive, got %s", c.Timeout)
	}
	if c.Retries < 0 || c.Retries > maxRetries {
		return fmt.Errorf("retries must be between 0 and %d, got %d", maxRetries, c.Retries)
	}
	if c.BackoffBase <= 0 {
		return fmt.Errorf("backoff base must be positive, got %s", c.BackoffBase)
	}
	if c.IdleConns < 1 {
		return fmt.Errorf("idle connections must be at least 1, got %d", c.IdleConns)
	}
	return nil
}

// unwrapURLError drops url.Parse's own quoting of the input so the message
// names the URL once.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
