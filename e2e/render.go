package e2e

import (
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

func renderRules(t testing.TB, o Options) []byte {
	t.Helper()
	ro := rules.ForScrapeInterval(o.ScrapeInterval)
	if o.Rules != nil {
		ro = *o.Rules
	}
	f, err := rules.Generate(ro)
	if err != nil {
		t.Fatalf("generate rules: %v", err)
	}
	if o.EditRules != nil {
		o.EditRules(&f)
	}
	b, err := yaml.Marshal(f)
	if err != nil {
		t.Fatalf("render rules: %v", err)
	}
	return b
}

func renderAlertmanager(t testing.TB, o Options, receiverURL, user, passwordFile string) []byte {
	t.Helper()
	ao := rules.DefaultAlertmanagerOptions()
	ao.GroupWait, ao.GroupInterval, ao.RepeatInterval = time.Second, time.Second, 30*time.Second
	if o.Alertmanager != nil {
		ao = *o.Alertmanager
	}
	ao.ControllerURL, ao.Username, ao.PasswordFile, ao.Full = receiverURL, user, passwordFile, true
	v, err := rules.GenerateAlertmanager(ao)
	if err != nil {
		t.Fatalf("generate alertmanager config: %v", err)
	}
	cfg, ok := v.(rules.AlertmanagerConfig)
	if !ok {
		t.Fatalf("generate alertmanager config: got %T, want rules.AlertmanagerConfig", v)
	}
	if o.EditAlertmanager != nil {
		o.EditAlertmanager(&cfg)
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatalf("render alertmanager config: %v", err)
	}
	return b
}
