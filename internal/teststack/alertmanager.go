package teststack

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// AMOptions shape the AlertManager configuration. Config, when set, is used
// verbatim (YAML) and the typed fields are ignored.
type AMOptions struct {
	Config string

	// WebhookURL is the receiver's URL, e.g. http://127.0.0.1:PORT/system/alert.
	// Without it alerts are routed to a receiver with no integrations.
	WebhookURL string
	// Username with Password or PasswordFile sets webhook basic auth.
	Username     string
	Password     string
	PasswordFile string
	// GroupBy defaults to [alertname, function_name]: one group per function.
	GroupBy []string
	// Timings default (when zero) to the CI settings of the reference: 1s,
	// 1s, 1m. For group_wait: 0s, write Config yourself.
	GroupWait      time.Duration
	GroupInterval  time.Duration
	RepeatInterval time.Duration
	// ExtraArgs are appended to the command line.
	ExtraArgs []string
}

// AM is a running (or stopped) AlertManager server.
type AM struct {
	*server
	dir    string
	config string
}

// Alertmanager starts an AlertManager for the test with gossip off, on a
// free loopback port with storage in a temporary directory, and waits until
// it is ready. It is stopped by t.Cleanup. It skips (or fails under CI=true)
// when the binary is missing.
func Alertmanager(t testing.TB, opts AMOptions) *AM {
	t.Helper()
	bin := NeedBinary(t, "prometheus-alertmanager", "alertmanager")
	dir := t.TempDir()
	cfg := opts.Config
	if cfg == "" {
		b, err := json.MarshalIndent(amConfigFrom(opts), "", "  ")
		if err != nil {
			t.Fatalf("alertmanager config: %v", err)
		}
		cfg = string(b)
	}
	path := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatalf("alertmanager config: %v", err)
	}
	a := &AM{dir: dir, config: path}
	a.server = newServer(t, "alertmanager", bin, func(addr string) []string {
		return append([]string{
			"--config.file=" + path,
			"--storage.path=" + filepath.Join(dir, "data"),
			"--web.listen-address=" + addr,
			// Gossip off: no extra port and no 6–8 s settle wait before notifying.
			"--cluster.listen-address=",
		}, opts.ExtraArgs...)
	})
	return a
}

// URL is the server's base URL, http://127.0.0.1:PORT, as PromOptions.AlertmanagerURL wants it.
func (a *AM) URL() string { return a.url() }

// Addr is 127.0.0.1:PORT.
func (a *AM) Addr() string { return a.addr() }

// ConfigPath is the configuration file the server was started with.
func (a *AM) ConfigPath() string { return a.config }

// Logs returns everything the server has printed so far.
func (a *AM) Logs() string { return a.logs.String() }

// Stop terminates the server (SIGTERM, wait); Start runs it again on the same port.
func (a *AM) Stop() error { return a.stop() }

// Kill terminates the server with SIGKILL, like a crash.
func (a *AM) Kill() error { return a.kill() }

// Start starts a stopped server again and waits until it is ready.
func (a *AM) Start() error { return a.start() }

// Running reports whether the server process is up.
func (a *AM) Running() bool { return a.running() }

// Exited is non-nil once the process has ended without Stop or Kill.
func (a *AM) Exited() error { return a.exited() }

type amConfig struct {
	Route     amRoute      `json:"route"`
	Receivers []amReceiver `json:"receivers"`
}

type amRoute struct {
	Receiver       string   `json:"receiver"`
	GroupBy        []string `json:"group_by"`
	GroupWait      string   `json:"group_wait"`
	GroupInterval  string   `json:"group_interval"`
	RepeatInterval string   `json:"repeat_interval"`
}

type amReceiver struct {
	Name     string      `json:"name"`
	Webhooks []amWebhook `json:"webhook_configs,omitempty"`
}

type amWebhook struct {
	URL          string        `json:"url"`
	SendResolved bool          `json:"send_resolved"`
	HTTPConfig   *amHTTPConfig `json:"http_config,omitempty"`
}

type amHTTPConfig struct {
	BasicAuth amBasicAuth `json:"basic_auth"`
}

type amBasicAuth struct {
	Username     string `json:"username"`
	Password     string `json:"password,omitempty"`
	PasswordFile string `json:"password_file,omitempty"`
}

func amConfigFrom(o AMOptions) amConfig {
	groupBy := o.GroupBy
	if len(groupBy) == 0 {
		groupBy = []string{"alertname", "function_name"}
	}
	c := amConfig{
		Route: amRoute{
			Receiver:       "scaler",
			GroupBy:        groupBy,
			GroupWait:      durationOr(o.GroupWait, time.Second),
			GroupInterval:  durationOr(o.GroupInterval, time.Second),
			RepeatInterval: durationOr(o.RepeatInterval, time.Minute),
		},
		Receivers: []amReceiver{{Name: "scaler"}},
	}
	if o.WebhookURL != "" {
		wh := amWebhook{URL: o.WebhookURL, SendResolved: true}
		if o.Username != "" {
			wh.HTTPConfig = &amHTTPConfig{BasicAuth: amBasicAuth{
				Username: o.Username, Password: o.Password, PasswordFile: o.PasswordFile,
			}}
		}
		c.Receivers[0].Webhooks = []amWebhook{wh}
	}
	return c
}
