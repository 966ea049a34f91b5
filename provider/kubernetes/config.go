package kubernetes

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
)

// Defaults for Config.
const (
	// DefaultNamespace is where faas-netes deploys functions.
	DefaultNamespace = "openfaas-fn"
	// FunctionLabel is the label faas-netes puts on every function
	// Deployment; its value is the function's name.
	FunctionLabel = "faas_function"
	// DefaultSelector selects Deployments that have FunctionLabel.
	DefaultSelector = FunctionLabel
)

// Config configures a Provider. Start from DefaultConfig and set Client.
type Config struct {
	// Client talks to the API server (kubeapi.New). Unit tests adapt
	// client-go's fake clientset (kubeapitest).
	Client kubeapi.Deployments
	// Namespaces are the namespaces whose Deployments are functions; each
	// gets its own informer, so the controller needs only namespaced RBAC.
	Namespaces []string
	// Selector is a label selector (kubectl syntax) choosing which
	// Deployments are functions. Empty selects every Deployment in
	// Namespaces; DefaultConfig sets "faas_function" (has the label).
	Selector string
	// ResyncPeriod is how often the informers replay their cache to event
	// handlers. The provider registers none and reads the cache, which the
	// watch keeps current, so 0 (never) is the default.
	ResyncPeriod time.Duration
	// Logger receives informer watch errors and one line per scale; nil
	// discards.
	Logger *slog.Logger
	// Server names the API server in Start's progress lines (rest.Config's
	// Host); empty leaves it out.
	Server string
	// ProgressEvery is how often Start says what it is still waiting for
	// (default 5s); Clock drives it (nil = real time).
	ProgressEvery time.Duration
	Clock         clock.Clock
	// FieldManager is the manager name the API server records for the
	// controller's writes: each names it (writeOptions), whatever the
	// client's user agent. A change of a function's count by any other
	// manager after the controller's write is reported (writer.go).
	// DefaultConfig sets "faas-autoscaler", the first segment of the user
	// agent RESTConfig sets, so that writes made before this was named
	// (by the same binary) keep their owner.
	FieldManager string
	// Registerer, optional, receives the informers' health
	// (faas_autoscaler_kubernetes_*: cachehealth.go); Clock timestamps it.
	Registerer prometheus.Registerer
}

// DefaultConfig returns a Config with every default set and no Client.
func DefaultConfig() Config {
	return Config{
		Namespaces:   []string{DefaultNamespace},
		Selector:     DefaultSelector,
		FieldManager: userAgent,
	}
}

// Validate checks the configuration and returns the first problem with an
// exact message naming the setting.
func (c Config) Validate() error {
	if c.Client == nil {
		return errors.New("kubernetes client is required")
	}
	if len(c.Namespaces) == 0 {
		return errors.New("at least one namespace is required")
	}
	seen := make(map[string]bool, len(c.Namespaces))
	for _, ns := range c.Namespaces {
		if err := CheckNamespace(ns); err != nil {
			return err
		}
		if seen[ns] {
			return fmt.Errorf("namespace %q is listed twice", ns)
		}
		seen[ns] = true
	}
	if err := CheckSelector(c.Selector); err != nil {
		return err
	}
	if c.FieldManager == "" {
		return fmt.Errorf("field manager is required: the name the API server records the controller's writes under (%s)", userAgent)
	}
	if err := validFieldManager(c.FieldManager); err != nil {
		return err
	}
	if c.ProgressEvery < 0 {
		return fmt.Errorf("progress interval %s: must not be negative", c.ProgressEvery)
	}
	if c.ResyncPeriod < 0 {
		return fmt.Errorf("resync period %s: must not be negative", c.ResyncPeriod)
	}
	return nil
}

// validFieldManager refuses what the API server refuses as a fieldManager
// (at most 128 bytes, each character printable), which every write names:
// said once at the start rather than a 422 for every scale.
func validFieldManager(m string) error {
	if len(m) > 128 {
		return fmt.Errorf("field manager %q: at most 128 bytes, got %d", m, len(m))
	}
	for _, r := range m {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("field manager %q: %U is not a printable character", m, r)
		}
	}
	return nil
}

// CheckNamespace reports whether ns can name a namespace (a DNS-1123
// label), as Validate checks each of Config.Namespaces; the command checks
// --namespaces with it before wiring, so a bad value exits 2 naming the
// flag.
func CheckNamespace(ns string) error {
	if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
		return fmt.Errorf("namespace %q: %s", ns, msgs[0])
	}
	return nil
}

// CheckSelector reports whether s parses as a label selector, as Validate
// checks Config.Selector (and the command --selector, as CheckNamespace).
func CheckSelector(s string) error {
	if _, err := labels.Parse(s); err != nil {
		return fmt.Errorf("selector %q: %v", s, err)
	}
	return nil
}
