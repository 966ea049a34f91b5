package alerts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestConfigValidate(t *testing.T) {
	sink := &recordingSink{}
	valid := func() Config { return testConfig(sink, prometheus.NewRegistry()) }
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string // the whole error text; "" = valid
	}{
		{"defaults with credentials", func(c *Config) {}, ""},
		{"auth none needs nothing", func(c *Config) { c.Auth, c.Username, c.Password = AuthNone, "", "" }, ""},
		{"bearer", func(c *Config) { c.Auth, c.BearerToken = AuthBearer, "tok" }, ""},
		{"basic+bearer", func(c *Config) { c.Auth, c.BearerToken = AuthBasicOrBearer, "tok" }, ""},
		{"no sink", func(c *Config) { c.Sink = nil }, "alerts: sink is required"},
		{"empty auth means basic, so credentials are needed", func(c *Config) { c.Username, c.Password = "", "" },
			"alerts: auth mode basic needs a username and a password (files basic-auth-user and basic-auth-password under the secret mount path)"},
		{"password missing", func(c *Config) { c.Password = "" },
			"alerts: auth mode basic needs a username and a password (files basic-auth-user and basic-auth-password under the secret mount path)"},
		{"bearer without token", func(c *Config) { c.Auth = AuthBearer }, "alerts: auth mode bearer needs a bearer token"},
		{"basic+bearer without token", func(c *Config) { c.Auth = AuthBasicOrBearer }, "alerts: auth mode basic+bearer needs a bearer token"},
		{"unknown mode", func(c *Config) { c.Auth = "Basic" }, `alerts: auth mode "Basic": want basic, bearer, basic+bearer or none`},
		{"colon in username", func(c *Config) { c.Username = "a:b" }, "alerts: basic auth username must not contain ':'"},
		{"bad default namespace", func(c *Config) { c.DefaultNamespace = "open faas" },
			`alerts: default namespace "open faas" is not a valid namespace (want [-a-zA-Z0-9_.], at most 253 characters)`},
		{"tiny body limit", func(c *Config) { c.MaxBody = 10 }, "alerts: max body 10 bytes is too small (want at least 1024)"},
		{"negative body limit", func(c *Config) { c.MaxBody = -1 }, "alerts: max body -1 bytes is too small (want at least 1024)"},
		{"huge body limit", func(c *Config) { c.MaxBody = MaxMaxBody + 1 }, "alerts: max body 67108865 bytes is too large (want at most 67108864, 64 MiB)"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "alerts: timeout -1s must be positive"},
		{"fractional retry-after", func(c *Config) { c.RetryAfter = 1500 * time.Millisecond },
			"alerts: retry-after 1.5s must be a whole number of seconds, at least 1s"},
		{"several problems at once", func(c *Config) { c.Sink, c.Auth = nil, "x" },
			"alerts: sink is required\nalerts: auth mode \"x\": want basic, bearer, basic+bearer or none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.mutate(&c)
			err := c.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("Validate() = %q\nwant        %q", got, tc.want)
			}
			_, nerr := NewHandler(c)
			if (nerr == nil) != (tc.want == "") {
				t.Errorf("NewHandler error = %v, want error %v", nerr, tc.want != "")
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.Auth != AuthBasic {
		t.Errorf("default auth = %q, want basic (auth on unless none is explicit)", c.Auth)
	}
	if c.MaxBody != 1<<20 {
		t.Errorf("default max body = %d, want 1 MiB", c.MaxBody)
	}
	if c.DefaultNamespace != "openfaas-fn" {
		t.Errorf("default namespace = %q", c.DefaultNamespace)
	}
}

func TestLoadCredentials(t *testing.T) {
	write := func(t *testing.T, dir, name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name               string
		user, pass         *string // nil = file absent
		wantUser, wantPass string
		wantErr            string
	}{
		{"trailing newlines trimmed", ptr("admin\n"), ptr("  s3cret\r\n"), "admin", "s3cret", ""},
		{"password file missing", ptr("admin"), nil, "", "", "basic-auth-password: no such file"},
		{"user file missing", nil, ptr("x"), "", "", "basic-auth-user: no such file"},
		{"empty password", ptr("admin"), ptr("\n"), "", "", "basic-auth-password is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.user != nil {
				write(t, dir, BasicAuthUserFile, *tc.user)
			}
			if tc.pass != nil {
				write(t, dir, BasicAuthPasswordFile, *tc.pass)
			}
			u, p, err := LoadCredentials(dir)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || u != tc.wantUser || p != tc.wantPass {
				t.Fatalf("LoadCredentials = %q, %q, %v; want %q, %q", u, p, err, tc.wantUser, tc.wantPass)
			}
		})
	}
}

func TestLoadBearerToken(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	if err := os.WriteFile(path, []byte("abc.def\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if tok, err := LoadBearerToken(path); err != nil || tok != "abc.def" {
		t.Errorf("LoadBearerToken = %q, %v", tok, err)
	}
	if _, err := LoadBearerToken(filepath.Join(dir, "absent")); err == nil {
		t.Error("missing token file: no error")
	}
}

func ptr[T any](v T) *T { return &v }
