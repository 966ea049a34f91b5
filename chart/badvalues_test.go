package chart

import (
	"strings"
	"testing"
)

// Wrong values fail `helm template` (and `helm install`) with a message that
// names the value: the schema checks each value's type, enum and pattern;
// the templates check combinations of values.
func TestBadValuesAreRejected(t *testing.T) {
	for _, tc := range []struct {
		name string
		sets []string
		want []string // substrings of helm's error
	}{
		{"unknown provider", []string{"provider=nomad"}, []string{"/provider", "kubernetes", "openfaas"}},
		{"prometheus url without scheme", []string{"prometheus.url=prometheus:9090"}, []string{"/prometheus/url", "does not match pattern"}},
		{"gateway url with credentials", []string{"openfaas.gatewayURL=http://admin:pw@gateway:8080"}, []string{"/openfaas/gatewayURL", "does not match pattern"}},
		{"zero replicas", []string{"replicas=0"}, []string{"/replicas", "minimum"}},
		{"misspelt top-level value", []string{"replica=2"}, []string{"additional properties 'replica' not allowed"}},
		{"misspelt config key", []string{"config.scaler.intervall=5s"}, []string{"/config/scaler", "additional properties 'intervall' not allowed"}},
		{"config duration as a number", []string{"config.scaler.interval=5"}, []string{"/config/scaler/interval", "got number, want string"}},
		{"config duration without a unit", []string{"config.scaler.interval=five"}, []string{"/config/scaler/interval", "does not match pattern"}},
		{"negative config count", []string{"config.defaults.max=-1"}, []string{"/config/defaults/max", "minimum"}},
		{"unknown webhook auth", []string{"webhook.auth=digest"}, []string{"/webhook/auth", "basic", "bearer", "none"}},
		{"webhook body limit under 1 KiB", []string{"webhook.maxBodyBytes=1023"}, []string{"/webhook/maxBodyBytes", "minimum"}},
		{"webhook body limit over 64 MiB", []string{"webhook.maxBodyBytes=67108865"}, []string{"/webhook/maxBodyBytes", "maximum"}},
		{"webhook body limit as a quantity", []string{"webhook.maxBodyBytes=1Mi"}, []string{"/webhook/maxBodyBytes", "got string, want null or integer"}},
		{"namespace not a DNS label", []string{"kubernetes.namespaces={Functions_NS}"}, []string{"/kubernetes/namespaces/0", "does not match pattern"}},
		{"no namespaces", []string{"kubernetes.namespaces=null"}, []string{"kubernetes"}},
		{"rule interval without rules", []string{"prometheusRule.scrapeInterval=10s"}, []string{"/prometheusRule/scrapeInterval", "1s", "5s", "15s"}},
		{"log level", []string{"log.level=verbose"}, []string{"/log/level", "debug"}},
		{"leader election with openfaas", []string{"provider=openfaas", "leaderElection.enabled=true"},
			[]string{"leaderElection.enabled=true needs provider=kubernetes"}},
		{"two unelected replicas", []string{"provider=openfaas", "replicas=2"},
			[]string{"replicas=2 needs leader election", "unelected controllers would all scale"}},
		{"two replicas, election off", []string{"leaderElection.enabled=false", "replicas=2"},
			[]string{"replicas=2 needs leader election"}},
		{"two scrape objects", []string{"serviceMonitor.enabled=true", "podMonitor.enabled=true"},
			[]string{"serviceMonitor.enabled and podMonitor.enabled are both true"}},
		{"bearer without a token", []string{"webhook.auth=bearer"},
			[]string{"webhook.auth=bearer needs webhook.tokenSecret.name"}},
		{"second secret with openfaas", []string{"provider=openfaas", "webhook.secretName=my-webhook"},
			[]string{`webhook.secretName="my-webhook" with provider=openfaas`, "--secret-mount-path"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, err := template(t, nil, tc.sets...)
			if err == nil {
				t.Fatalf("helm template accepted %v:\n%s", tc.sets, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(stderr), w) {
					t.Errorf("error lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}
