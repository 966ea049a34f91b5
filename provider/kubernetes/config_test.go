package kubernetes

import (
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi/kubeapitest"
)

func TestConfigValidate(t *testing.T) {
	valid := DefaultConfig()
	valid.Client = kubeapitest.From(fake.NewClientset())
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"defaults with a client", func(*Config) {}, ""},
		{"several namespaces", func(c *Config) { c.Namespaces = []string{"openfaas-fn", "team-a"} }, ""},
		{"set-based selector", func(c *Config) { c.Selector = "faas_function,tier in (web,api)" }, ""},
		{"empty selector selects all", func(c *Config) { c.Selector = "" }, ""},
		{"no client", func(c *Config) { c.Client = nil }, "kubernetes client is required"},
		{"no namespace", func(c *Config) { c.Namespaces = nil }, "at least one namespace is required"},
		{"invalid namespace", func(c *Config) { c.Namespaces = []string{"OpenFaaS_fn"} },
			`namespace "OpenFaaS_fn": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		{"empty namespace", func(c *Config) { c.Namespaces = []string{""} },
			`namespace "": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		{"duplicate namespace", func(c *Config) { c.Namespaces = []string{"a", "b", "a"} }, `namespace "a" is listed twice`},
		{"bad selector", func(c *Config) { c.Selector = "faas_function in (" }, `selector "faas_function in (": unable to parse requirement: found '', expected: ',', ')' or identifier`},
		{"negative resync", func(c *Config) { c.ResyncPeriod = -time.Second }, "resync period -1s: must not be negative"},
		{"no field manager", func(c *Config) { c.FieldManager = "" },
			"field manager is required: the name the API server records the controller's writes under (faas-autoscaler)"},
		{"field manager too long", func(c *Config) { c.FieldManager = strings.Repeat("m", 129) },
			`field manager "` + strings.Repeat("m", 129) + `": at most 128 bytes, got 129`},
		{"field manager of 65 two-byte characters", func(c *Config) { c.FieldManager = strings.Repeat("é", 65) },
			`field manager "` + strings.Repeat("é", 65) + `": at most 128 bytes, got 130`},
		{"field manager not printable", func(c *Config) { c.FieldManager = "faas\nautoscaler" },
			`field manager "faas\nautoscaler": U+000A is not a printable character`},
		{"field manager of 128", func(c *Config) { c.FieldManager = strings.Repeat("m", 128) }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			c.Namespaces = append([]string(nil), valid.Namespaces...)
			tc.mutate(&c)
			err := c.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.wantErr {
				t.Errorf("Validate() = %q\nwant        %q", got, tc.wantErr)
			}
			if _, newErr := New(c); (newErr == nil) != (tc.wantErr == "") {
				t.Errorf("New() error = %v, want it to agree with Validate", newErr)
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if len(c.Namespaces) != 1 || c.Namespaces[0] != "openfaas-fn" || c.Selector != "faas_function" || c.ResyncPeriod != 0 ||
		c.FieldManager != "faas-autoscaler" {
		t.Errorf("DefaultConfig() = %+v; want namespaces [openfaas-fn], selector faas_function, no resync, field manager faas-autoscaler", c)
	}
}
