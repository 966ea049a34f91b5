package openfaas

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string // exact message; "" = valid
	}{
		{name: "defaults with a URL", edit: func(c *Config) {}},
		{name: "https with a path prefix", edit: func(c *Config) { c.GatewayURL = "https://gw.example.com/openfaas/" }},
		{name: "no retries is allowed", edit: func(c *Config) { c.Retries = 0 }},
		{name: "missing URL", edit: func(c *Config) { c.GatewayURL = "" }, want: "gateway URL is required"},
		{name: "unparsable URL", edit: func(c *Config) { c.GatewayURL = "http://[::1" }, want: `gateway URL "http://[::1": missing ']' in host`},
		{name: "no scheme", edit: func(c *Config) { c.GatewayURL = "gateway:8080" }, want: `gateway URL "gateway:8080": scheme must be http or https`},
		{name: "no host", edit: func(c *Config) { c.GatewayURL = "http:///system" }, want: `gateway URL "http:///system": host is missing`},
		{name: "credentials in URL", edit: func(c *Config) { c.GatewayURL = "http://admin:pw@gw:8080" }, want: "gateway URL must not carry credentials: use the basic-auth secret files"},
		{name: "query", edit: func(c *Config) { c.GatewayURL = "http://gw:8080/?x=1" }, want: `gateway URL "http://gw:8080/?x=1": must not carry a query or a fragment`},
		{name: "password without user", edit: func(c *Config) { c.Password = "pw" }, want: "basic auth password is set but the user name is empty"},
		{name: "no default namespace", edit: func(c *Config) { c.DefaultNamespace = "" }, want: "default namespace is required"},
		{name: "bad default namespace", edit: func(c *Config) { c.DefaultNamespace = "a/b" }, want: `default namespace "a/b" is not a valid OpenFaaS name (want [-a-zA-Z_0-9.]+)`},
		{name: "zero timeout", edit: func(c *Config) { c.Timeout = 0 }, want: "timeout must be positive, got 0s"},
		{name: "negative retries", edit: func(c *Config) { c.Retries = -1 }, want: "retries must be between 0 and 10, got -1"},
		{name: "too many retries", edit: func(c *Config) { c.Retries = 11 }, want: "retries must be between 0 and 10, got 11"},
		{name: "zero backoff", edit: func(c *Config) { c.BackoffBase = 0 }, want: "backoff base must be positive, got 0s"},
		{name: "no idle connections", edit: func(c *Config) { c.IdleConns = 0 }, want: "idle connections must be at least 1, got 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			c.GatewayURL = "http://gateway.openfaas:8080/"
			tc.edit(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
			if _, nerr := New(c); (nerr == nil) != (tc.want == "") {
				t.Errorf("New() error = %v, want it to agree with Validate", nerr)
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if c.DefaultNamespace != "openfaas-fn" || c.Timeout != 5*time.Second || c.Retries != 3 || c.BackoffBase != 200*time.Millisecond {
		t.Errorf("DefaultConfig() = %+v", c)
	}
}

func TestReadCredentials(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		wantUser string
		wantPass string
		wantErr  string // message with DIR standing for the directory
	}{
		{name: "trims newlines", files: map[string]string{UserFile: "admin\n", PasswordFile: "  s3cret\r\n"}, wantUser: "admin", wantPass: "s3cret"},
		{name: "missing user file", files: map[string]string{PasswordFile: "pw"}, wantErr: "basic auth secret DIR/basic-auth-user does not exist"},
		{name: "missing password file", files: map[string]string{UserFile: "admin"}, wantErr: "basic auth secret DIR/basic-auth-password does not exist"},
		{name: "empty password", files: map[string]string{UserFile: "admin", PasswordFile: " \n"}, wantErr: "basic auth secret DIR/basic-auth-password is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			user, pass, err := ReadCredentials(dir)
			if tc.wantErr != "" {
				want := strings.ReplaceAll(tc.wantErr, "DIR", dir)
				if err == nil || err.Error() != want {
					t.Errorf("err = %v, want %q", err, want)
				}
				return
			}
			if err != nil || user != tc.wantUser || pass != tc.wantPass {
				t.Errorf("ReadCredentials = %q, %q, %v; want %q, %q", user, pass, err, tc.wantUser, tc.wantPass)
			}
		})
	}
	t.Run("empty mount path", func(t *testing.T) {
		if _, _, err := ReadCredentials(""); err == nil || err.Error() != "secret mount path is empty" {
			t.Errorf("err = %v", err)
		}
	})
}
