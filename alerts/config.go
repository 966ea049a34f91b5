package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// Sink receives one signal per usable alert. The scaler's reconcile loop
// implements it. Notify must not block on the provider: it queues the signal
// and returns. It returns scaler.ErrUnavailable when the loop cannot act now
// (provider unreachable), and scaler.ErrUnknownFunction for a function the
// provider does not have.
type Sink interface {
	Notify(ctx context.Context, s scaler.Signal) error
}

// AuthMode says which credentials the webhook accepts.
type AuthMode string

const (
	// AuthBasic accepts HTTP basic auth (AlertManager's http_config.basic_auth),
	// the OpenFaaS default. It is the default mode.
	AuthBasic AuthMode = "basic"
	// AuthBearer accepts `Authorization: Bearer <token>` (AlertManager's
	// http_config.authorization / bearer_token_file).
	AuthBearer AuthMode = "bearer"
	// AuthBasicOrBearer accepts either, so a credential rotation can move from
	// one to the other without downtime.
	AuthBasicOrBearer AuthMode = "basic+bearer"
	// AuthNone turns authentication off. It must be chosen explicitly: an
	// empty mode means AuthBasic.
	AuthNone AuthMode = "none"
)

// Defaults.
const (
	DefaultNamespace  = "openfaas-fn"
	DefaultMaxBody    = 1 << 20 // 1 MiB: a 1000-alert batch is about 700 KiB
	DefaultTimeout    = 5 * time.Second
	DefaultRetryAfter = 5 * time.Second

	// MaxMaxBody bounds MaxBody: each request in flight may buffer that
	// much, and 64 MiB is some 90,000 alerts in one batch, far more than
	// one AlertManager group should hold (max_alerts exists for that).
	MaxMaxBody = 64 << 20

	// BasicAuthUserFile and BasicAuthPasswordFile are the OpenFaaS secret file
	// names under a secret mount path.
	BasicAuthUserFile     = "basic-auth-user"
	BasicAuthPasswordFile = "basic-auth-password"
)

// Config configures a Handler. Zero values take the defaults documented on each
// field; Validate reports what is still wrong.
type Config struct {
	// Sink receives the signals. Required.
	Sink Sink
	// DefaultNamespace is the namespace of a function_name without a dot.
	// Default "openfaas-fn", as the OpenFaaS gateway's function_namespace.
	DefaultNamespace string

	// Auth is the authentication mode. Empty means AuthBasic: authentication
	// is on unless AuthNone is set explicitly.
	Auth AuthMode
	// Username and Password for basic auth (see LoadCredentials).
	Username, Password string
	// BearerToken for bearer auth (see LoadBearerToken).
	BearerToken string
	// Secrets, when set, reads the secrets again after a request with wrong
	// credentials (at most every SecretsRecheck); when they changed and are
	// usable they replace those above, and the request is checked again. A
	// rotated Secret is so accepted without a restart.
	Secrets Secrets
	// SecretsStamp, when set with Secrets, returns a cheap stamp that changes
	// when the secrets' files do (see FilesStamp). It is asked at every
	// request: when it differs from the stamp at the last read, the secrets
	// are read again first (whatever SecretsRecheck says), and those they
	// replace are accepted for RotationGrace from the change. Without it a
	// client sending wrong credentials at least every SecretsRecheck kept a
	// rotated password refused (AlertManager does not retry a 401), and a
	// rotated-out password stayed accepted until a wrong one came.
	SecretsStamp func() Stamp

	// MaxBody bounds the request body in bytes; larger bodies get 413.
	// Default DefaultMaxBody (1 MiB); 1024 to MaxMaxBody.
	MaxBody int64
	// MaxBodySetting names, for the 413 answer and its log line, the
	// setting that raises MaxBody (the controller's
	// --webhook-max-body-bytes); empty: the answer names none.
	MaxBodySetting string
	// Timeout bounds the handing of one batch to the sink, on top of the
	// request's own context, so AlertManager's flush is never held.
	// Default DefaultTimeout.
	Timeout time.Duration
	// RetryAfter is sent with 503 answers. Default DefaultRetryAfter; whole
	// seconds, at least one.
	RetryAfter time.Duration

	// Registerer receives the webhook metrics. Nil means a private registry
	// (the metrics exist but nobody scrapes them); never the global one.
	Registerer prometheus.Registerer
	// Logger; nil discards. The handler adds no component key of its own:
	// the caller names it (a second "component" made duplicate JSON keys).
	Logger *slog.Logger
	// Clock stamps Signal.Received. Nil means clock.Real().
	Clock clock.Clock
}

// withDefaults fills zero fields with their defaults.
func (c Config) withDefaults() Config {
	if c.DefaultNamespace == "" {
		c.DefaultNamespace = DefaultNamespace
	}
	if c.Auth == "" {
		c.Auth = AuthBasic
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.RetryAfter == 0 {
		c.RetryAfter = DefaultRetryAfter
	}
	if c.Registerer == nil {
		c.Registerer = prometheus.NewRegistry()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	return c
}

// Validate reports every problem of the configuration, defaults applied, in one
// error (errors.Join), with messages that name the field.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Sink == nil {
		errs = append(errs, errors.New("alerts: sink is required"))
	}
	if !validNamespace(c.DefaultNamespace) {
		errs = append(errs, fmt.Errorf("alerts: default namespace %q is not a valid namespace (want [-a-zA-Z0-9_.], at most 253 characters)", c.DefaultNamespace))
	}
	if err := c.checkSecrets(); err != nil {
		errs = append(errs, err)
	}
	if c.MaxBody < 1024 {
		errs = append(errs, fmt.Errorf("alerts: max body %d bytes is too small (want at least 1024)", c.MaxBody))
	}
	if c.MaxBody > MaxMaxBody {
		errs = append(errs, fmt.Errorf("alerts: max body %d bytes is too large (want at most %d, 64 MiB)", c.MaxBody, int64(MaxMaxBody)))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("alerts: timeout %s must be positive", c.Timeout))
	}
	if c.RetryAfter < time.Second || c.RetryAfter%time.Second != 0 {
		errs = append(errs, fmt.Errorf("alerts: retry-after %s must be a whole number of seconds, at least 1s", c.RetryAfter))
	}
	return errors.Join(errs...)
}

// checkSecrets checks the auth mode and that its secrets are set: at start
// (Validate) and for secrets read again (rotatingAuth).
func (c Config) checkSecrets() error {
	var errs []error
	needBasic, needBearer := false, false
	switch c.Auth {
	case AuthBasic:
		needBasic = true
	case AuthBearer:
		needBearer = true
	case AuthBasicOrBearer:
		needBasic, needBearer = true, true
	case AuthNone:
	default:
		errs = append(errs, fmt.Errorf("alerts: auth mode %q: want basic, bearer, basic+bearer or none", c.Auth))
	}
	if needBasic && (c.Username == "" || c.Password == "") {
		errs = append(errs, fmt.Errorf("alerts: auth mode %s needs a username and a password (files %s and %s under the secret mount path)", c.Auth, BasicAuthUserFile, BasicAuthPasswordFile))
	}
	if needBasic && strings.Contains(c.Username, ":") {
		errs = append(errs, errors.New("alerts: basic auth username must not contain ':'"))
	}
	if needBearer && c.BearerToken == "" {
		errs = append(errs, fmt.Errorf("alerts: auth mode %s needs a bearer token", c.Auth))
	}
	return errors.Join(errs...)
}

// LoadCredentials reads the basic-auth username and password from the OpenFaaS
// secret files basic-auth-user and basic-auth-password under dir. Surrounding
// white space (the trailing newline of `echo > file`) is trimmed, as OpenFaaS
// does. An empty file is an error.
func LoadCredentials(dir string) (username, password string, err error) {
	username, err = readSecret(filepath.Join(dir, BasicAuthUserFile))
	if err != nil {
		return "", "", err
	}
	password, err = readSecret(filepath.Join(dir, BasicAuthPasswordFile))
	if err != nil {
		return "", "", err
	}
	return username, password, nil
}

// LoadBearerToken reads a bearer token from a file (trimmed like
// LoadCredentials). An empty file is an error.
func LoadBearerToken(path string) (string, error) {
	return readSecret(path)
}

func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("alerts: read secret: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("alerts: secret file %s is empty", path)
	}
	return s, nil
}
