package leader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
)

// Defaults for Config: client-go's and kube-controller-manager's. A follower
// takes over LeaseDuration after it last saw the leader renew, at its next
// poll (polls are RetryPeriod apart, plus up to 1.2×RetryPeriod of jitter);
// the old leader stops acting RenewDeadline after its last renewal, so
// LeaseDuration − RenewDeadline (5 s) is the safety margin.
const (
	DefaultLeaseName     = "faas-autoscaler"
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second

	// jitterFactor is client-go's: a follower's polls are RetryPeriod plus
	// up to jitterFactor × RetryPeriod apart, so replicas started together
	// do not poll in step.
	jitterFactor = 1.2
)

// Config configures an Elector. Zero durations, LeaseName and Identity take
// the defaults; Client, Namespace and OnStartedLeading are required.
type Config struct {
	// Client reads and writes the Lease (RBAC: leases get, create, update in
	// Namespace).
	Client kubeapi.Leases
	// Namespace holds the Lease: the controller's own namespace.
	Namespace string
	// LeaseName names the Lease; every replica of one controller uses the same.
	LeaseName string
	// Identity names this replica in the Lease; unique per replica.
	// Default: DefaultIdentity().
	Identity string
	// LeaseDuration is how long followers wait after the last renewal
	// before taking the lease; whole seconds, as the Lease stores it.
	LeaseDuration time.Duration
	// RenewDeadline is how long the leader keeps trying to renew before it
	// stops acting; less than LeaseDuration.
	RenewDeadline time.Duration
	// RetryPeriod is the interval between attempts to acquire or renew;
	// RenewDeadline must exceed 1.2 × RetryPeriod (the most a poll's jitter adds).
	RetryPeriod time.Duration
	// OnStartedLeading runs the leader's work; its ctx is cancelled when
	// leadership ends, and it must return promptly then (the lease is only
	// released, and a new term only started, after it returns).
	OnStartedLeading func(ctx context.Context)
	// OnStoppedLeading, optional, runs after OnStartedLeading returned.
	OnStoppedLeading func()
	// Clock drives polls, renewals, the watchdog and the lease's times; nil
	// is the wall clock.
	Clock clock.Clock
	// Logger receives elections and failed attempts; nil discards.
	Logger *slog.Logger
	// Registerer, optional, receives faas_autoscaler_leader_* metrics.
	Registerer prometheus.Registerer
}

// DefaultIdentity is the hostname (the pod name in Kubernetes), the
// process id and a random suffix. The hostname and pid say which replica
// holds the Lease; they are not unique alone: pods on the host network take
// the node's name, and a container's first process is pid 1, so two
// replicas on one node were one identity, each renewing the other's record
// as its own (two leaders). A process restarted under the same name waits
// for its old record to expire, as any other replica would.
func DefaultIdentity() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s_%d_%08x", host, os.Getpid(), rand.Uint32())
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.LeaseName == "" {
		c.LeaseName = DefaultLeaseName
	}
	if c.Identity == "" {
		c.Identity = DefaultIdentity()
	}
	if c.LeaseDuration == 0 {
		c.LeaseDuration = DefaultLeaseDuration
	}
	if c.RenewDeadline == 0 {
		c.RenewDeadline = DefaultRenewDeadline
	}
	if c.RetryPeriod == 0 {
		c.RetryPeriod = DefaultRetryPeriod
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	return c
}

// Validate checks a Config after defaults, with exact messages.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Client == nil:
		return errors.New("leader election: kubernetes client is required")
	case c.Namespace == "":
		return errors.New("leader election: namespace is required")
	case c.OnStartedLeading == nil:
		return errors.New("leader election: OnStartedLeading is required")
	}
	if err := CheckNamespace(c.Namespace); err != nil {
		return fmt.Errorf("leader election: namespace %w", err)
	}
	if err := CheckLeaseName(c.LeaseName); err != nil {
		return fmt.Errorf("leader election: lease name %w", err)
	}
	if c.LeaseDuration < 0 || c.RenewDeadline < 0 || c.RetryPeriod < 0 {
		return fmt.Errorf("leader election: durations must be positive (lease %s, renew deadline %s, retry period %s)",
			c.LeaseDuration, c.RenewDeadline, c.RetryPeriod)
	}
	if c.LeaseDuration%time.Second != 0 {
		// The Lease stores whole seconds (leaseDurationSeconds): 3.9s was
		// written as 3, and followers took over before this replica's
		// RenewDeadline had stopped its work.
		return fmt.Errorf("leader election: lease duration %s must be a whole number of seconds (a Lease stores whole seconds)", c.LeaseDuration)
	}
	if c.LeaseDuration <= c.RenewDeadline {
		return fmt.Errorf("leader election: lease duration %s must be greater than renew deadline %s", c.LeaseDuration, c.RenewDeadline)
	}
	if c.RenewDeadline <= time.Duration(jitterFactor*float64(c.RetryPeriod)) {
		return fmt.Errorf("leader election: renew deadline %s must be greater than 1.2 × retry period %s", c.RenewDeadline, c.RetryPeriod)
	}
	return nil
}

// CheckNamespace reports whether ns can hold a Lease (a DNS-1123 label), as
// `"ns": what is wrong`, so a caller can name its flag before anything
// starts instead of learning it from the API server or from New.
func CheckNamespace(ns string) error {
	if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
		return fmt.Errorf("%q: %s", ns, msgs[0])
	}
	return nil
}

// CheckLeaseName reports whether name can name a Lease (a DNS-1123
// subdomain), as CheckNamespace does.
func CheckLeaseName(name string) error {
	if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		return fmt.Errorf("%q: %s", name, msgs[0])
	}
	return nil
}
