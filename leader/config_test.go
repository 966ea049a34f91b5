package leader

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi/kubeapitest"
)

func TestConfigValidate(t *testing.T) {
	valid := Config{Client: kubeapitest.From(fake.NewClientset()), Namespace: "openfaas", OnStartedLeading: func(context.Context) {}}
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"defaults", func(*Config) {}, ""},
		{"custom durations", func(c *Config) {
			c.LeaseDuration, c.RenewDeadline, c.RetryPeriod = 4*time.Second, 3*time.Second, time.Second
		}, ""},
		{"no client", func(c *Config) { c.Client = nil }, "leader election: kubernetes client is required"},
		{"no namespace", func(c *Config) { c.Namespace = "" }, "leader election: namespace is required"},
		{"no work", func(c *Config) { c.OnStartedLeading = nil }, "leader election: OnStartedLeading is required"},
		{"bad namespace", func(c *Config) { c.Namespace = "Open_FaaS" }, `leader election: namespace "Open_FaaS": a lowercase RFC 1123 label must consist of`},
		{"bad lease name", func(c *Config) { c.LeaseName = "faas autoscaler" }, `leader election: lease name "faas autoscaler": a lowercase RFC 1123 subdomain must consist of`},
		{"negative duration", func(c *Config) { c.RetryPeriod = -time.Second },
			"leader election: durations must be positive (lease 15s, renew deadline 10s, retry period -1s)"},
		{"lease not whole seconds", func(c *Config) {
			c.LeaseDuration, c.RenewDeadline, c.RetryPeriod = 3900*time.Millisecond, 3500*time.Millisecond, time.Second
		}, "leader election: lease duration 3.9s must be a whole number of seconds (a Lease stores whole seconds)"},
		{"lease not longer than renew deadline", func(c *Config) { c.LeaseDuration = 10 * time.Second },
			"leader election: lease duration 10s must be greater than renew deadline 10s"},
		{"renew deadline within jitter of retry", func(c *Config) { c.RetryPeriod = 9 * time.Second },
			"leader election: renew deadline 10s must be greater than 1.2 × retry period 9s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			tc.mutate(&c)
			err := c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.wantErr)):
				t.Errorf("Validate() = %v\nwant prefix %q", err, tc.wantErr)
			}
			if _, newErr := New(c); (newErr == nil) != (tc.wantErr == "") {
				t.Errorf("New() error = %v, want it to agree with Validate", newErr)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.LeaseName != "faas-autoscaler" || c.LeaseDuration != 15*time.Second || c.RenewDeadline != 10*time.Second || c.RetryPeriod != 2*time.Second {
		t.Errorf("defaults = %+v", c)
	}
	if !strings.Contains(c.Identity, "_") || c.Identity == DefaultIdentity()+"x" {
		t.Errorf("identity %q: want hostname_pid", c.Identity)
	}
}
