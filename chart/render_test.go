package chart

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// valueSet is one row of the matrix: --set pairs and what the render holds.
type valueSet struct {
	name  string
	sets  []string
	kinds []string // "Kind namespace/name", in helm's order
	args  []string // the controller's args
}

const fullname = "faas-autoscaler"

var commonArgs = []string{"--config=/etc/faas-autoscaler/config.yaml", "--listen=:8080", "--log-format=json", "--log-level=info"}

func withCommon(args ...string) []string { return append(args, commonArgs...) }

// matrix is every value set the chart must lint and render.
func matrix() []valueSet {
	leader := []string{"--leader-elect", "--leader-election-namespace=openfaas", "--leader-election-lease=faas-autoscaler"}
	return []valueSet{
		{
			name: "defaults",
			kinds: []string{
				"NetworkPolicy openfaas/faas-autoscaler",
				"ServiceAccount openfaas/faas-autoscaler",
				"ConfigMap openfaas/faas-autoscaler-config",
				"Role openfaas-fn/faas-autoscaler-functions",
				"Role openfaas/faas-autoscaler-leader-election",
				"RoleBinding openfaas-fn/faas-autoscaler-functions",
				"RoleBinding openfaas/faas-autoscaler-leader-election",
				"Service openfaas/faas-autoscaler",
				"Deployment openfaas/faas-autoscaler",
			},
			args: withCommon(append([]string{"run", "--provider=kubernetes", "--namespaces=openfaas-fn",
				"--prometheus-url=http://prometheus.openfaas:9090", "--webhook-auth=basic",
				"--secret-mount-path=/var/secrets/faas-autoscaler"}, leader...)...),
		},
		{
			name: "openfaas",
			sets: []string{"provider=openfaas", "openfaas.gatewayURL=http://gateway.openfaas:8080/"},
			kinds: []string{
				"NetworkPolicy openfaas/faas-autoscaler",
				"ServiceAccount openfaas/faas-autoscaler",
				"ConfigMap openfaas/faas-autoscaler-config",
				"Service openfaas/faas-autoscaler",
				"Deployment openfaas/faas-autoscaler",
			},
			args: withCommon("run", "--provider=openfaas", "--gateway-url=http://gateway.openfaas:8080/",
				"--prometheus-url=http://prometheus.openfaas:9090", "--webhook-auth=basic",
				"--secret-mount-path=/var/secrets/faas-autoscaler"),
		},
		{
			name: "kubernetes",
			sets: []string{"kubernetes.namespaces={fn-a,fn-b}", "prometheus.url=http://prometheus.monitoring:9090", "replicas=3"},
			kinds: []string{
				"NetworkPolicy openfaas/faas-autoscaler",
				"ServiceAccount openfaas/faas-autoscaler",
				"ConfigMap openfaas/faas-autoscaler-config",
				"Role fn-a/faas-autoscaler-functions",
				"Role fn-b/faas-autoscaler-functions",
				"Role openfaas/faas-autoscaler-leader-election",
				"RoleBinding fn-a/faas-autoscaler-functions",
				"RoleBinding fn-b/faas-autoscaler-functions",
				"RoleBinding openfaas/faas-autoscaler-leader-election",
				"Service openfaas/faas-autoscaler",
				"Deployment openfaas/faas-autoscaler",
			},
			args: withCommon(append([]string{"run", "--provider=kubernetes", "--namespaces=fn-a,fn-b",
				"--prometheus-url=http://prometheus.monitoring:9090", "--webhook-auth=basic",
				"--secret-mount-path=/var/secrets/faas-autoscaler"}, leader...)...),
		},
		{
			name: "everything on",
			sets: everythingOn,
			kinds: []string{
				"NetworkPolicy openfaas/faas-autoscaler",
				"PodDisruptionBudget openfaas/faas-autoscaler",
				"ServiceAccount openfaas/faas-autoscaler",
				"ConfigMap openfaas/faas-autoscaler-config",
				"ConfigMap openfaas/faas-autoscaler-dashboard-controller-health",
				"ConfigMap openfaas/faas-autoscaler-dashboard-function-detail",
				"ConfigMap openfaas/faas-autoscaler-dashboard-functions-overview",
				"Role openfaas-fn/faas-autoscaler-functions",
				"Role openfaas/faas-autoscaler-leader-election",
				"RoleBinding openfaas-fn/faas-autoscaler-functions",
				"RoleBinding openfaas/faas-autoscaler-leader-election",
				"Service openfaas/faas-autoscaler",
				"Deployment openfaas/faas-autoscaler",
				"PrometheusRule openfaas/faas-autoscaler",
				"ServiceMonitor openfaas/faas-autoscaler",
			},
			args: append(withCommon(append([]string{"run", "--provider=kubernetes", "--namespaces=openfaas-fn",
				"--prometheus-url=http://prometheus.openfaas:9090", "--webhook-auth=basic+bearer",
				"--secret-mount-path=/var/secrets/faas-autoscaler",
				"--webhook-token-file=/var/secrets/faas-autoscaler-token/token", "--webhook-max-body-bytes=2097152"}, leader...)...), "--dry-run"),
		},
	}
}

// everythingOn turns every optional object and flag on.
var everythingOn = []string{
	"serviceMonitor.enabled=true", "serviceMonitor.labels.release=prometheus",
	"prometheusRule.enabled=true", "prometheusRule.labels.release=prometheus",
	"grafanaDashboards.enabled=true", "podDisruptionBudget.enabled=true",
	"webhook.auth=basic+bearer", "webhook.tokenSecret.name=faas-autoscaler-token", "webhook.maxBodyBytes=2097152",
	"dryRun=true", "config.scaler.burst_window=4s", "config.idler.schedule=@every 1m",
	"config.defaults.max=50",
}

// Every value set lints cleanly (--strict: warnings fail too) and renders
// the objects and arguments it should.
func TestMatrix(t *testing.T) {
	for _, vs := range matrix() {
		t.Run(vs.name, func(t *testing.T) {
			args := []string{"lint", "--strict", chartDir, "--namespace", releaseNS}
			for _, s := range vs.sets {
				args = append(args, "--set", s)
			}
			if out, stderr, err := helm(t, args...); err != nil {
				t.Fatalf("helm lint --strict: %v\n%s%s", err, out, stderr)
			}
			docs := decode(t, mustTemplate(t, nil, vs.sets...))
			if d := cmp.Diff(vs.kinds, kindsOf(t, docs)); d != "" {
				t.Errorf("objects (-want +got):\n%s", d)
			}
			deps := objects[*appsv1.Deployment](docs)
			if len(deps) != 1 {
				t.Fatalf("%d Deployments", len(deps))
			}
			if d := cmp.Diff(vs.args, deps[0].Spec.Template.Spec.Containers[0].Args); d != "" {
				t.Errorf("args (-want +got):\n%s", d)
			}
		})
	}
}

// The openfaas provider runs one unelected controller that never overlaps
// itself, with the OpenFaaS basic-auth Secret, and no RBAC beyond its account.
func TestOpenFaaSProvider(t *testing.T) {
	docs := decode(t, mustTemplate(t, nil, "provider=openfaas"))
	d := objects[*appsv1.Deployment](docs)[0]
	if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("replicas %d, strategy %s; want 1, Recreate", *d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	if got := secretVolume(d); got != "basic-auth" {
		t.Errorf("mounted Secret %q; want the OpenFaaS basic-auth", got)
	}
	if n := len(objects[*rbacv1.Role](docs)) + len(objects[*rbacv1.RoleBinding](docs)); n != 0 {
		t.Errorf("%d Roles/RoleBindings; the openfaas provider needs none", n)
	}
	// It never calls the API server, so its pods carry no API token: one
	// stolen from them would be worth nothing.
	if a := d.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || *a {
		t.Errorf("pod automountServiceAccountToken = %v; want false with provider openfaas (no API calls)", fmtBoolPtr(a))
	}
}

// The pods that call the API server (provider kubernetes, or a Lease) get
// their ServiceAccount's token; the others get none.
func TestServiceAccountTokenOnlyWhereTheAPIIsCalled(t *testing.T) {
	for _, tc := range []struct {
		name string
		sets []string
		want bool
	}{
		{"kubernetes, elected", nil, true},
		{"kubernetes, unelected", []string{"leaderElection.enabled=false"}, true},
		{"openfaas", []string{"provider=openfaas"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := objects[*appsv1.Deployment](decode(t, mustTemplate(t, nil, tc.sets...)))[0]
			a := d.Spec.Template.Spec.AutomountServiceAccountToken
			if a == nil || *a != tc.want {
				t.Errorf("pod automountServiceAccountToken = %s; want %v", fmtBoolPtr(a), tc.want)
			}
		})
	}
}

func fmtBoolPtr(b *bool) string {
	if b == nil {
		return "unset"
	}
	if *b {
		return "true"
	}
	return "false"
}

func secretVolume(d *appsv1.Deployment) string {
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == "credentials" && v.Secret != nil {
			return v.Secret.SecretName
		}
	}
	return ""
}

// The pods run as non-root with a read-only root filesystem, no privilege
// escalation, every capability dropped and the RuntimeDefault seccomp
// profile, with requests and a memory limit; the config file is mounted
// read-only where --config says.
func TestSecurityContextAndMounts(t *testing.T) {
	for _, vs := range matrix() {
		t.Run(vs.name, func(t *testing.T) {
			d := objects[*appsv1.Deployment](decode(t, mustTemplate(t, nil, vs.sets...)))[0]
			pod := d.Spec.Template.Spec
			c := pod.Containers[0]
			sc, psc := c.SecurityContext, pod.SecurityContext
			if sc == nil || psc == nil {
				t.Fatal("securityContext missing")
			}
			check := func(what string, ok bool) {
				if !ok {
					t.Errorf("%s does not hold", what)
				}
			}
			check("runAsNonRoot (container)", sc.RunAsNonRoot != nil && *sc.RunAsNonRoot)
			check("runAsNonRoot (pod)", psc.RunAsNonRoot != nil && *psc.RunAsNonRoot)
			check("runAsUser non-zero", psc.RunAsUser != nil && *psc.RunAsUser != 0)
			check("readOnlyRootFilesystem", sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem)
			check("allowPrivilegeEscalation false", sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation)
			check("capabilities drop ALL, add none", sc.Capabilities != nil && cmp.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) && len(sc.Capabilities.Add) == 0)
			check("seccomp RuntimeDefault", psc.SeccompProfile != nil && psc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault)
			check("privileged unset", sc.Privileged == nil || !*sc.Privileged)
			check("cpu and memory requests", !c.Resources.Requests.Cpu().IsZero() && !c.Resources.Requests.Memory().IsZero())
			check("memory limit", !c.Resources.Limits.Memory().IsZero())
			for _, m := range c.VolumeMounts {
				if !m.ReadOnly {
					t.Errorf("volume %s mounted writable at %s", m.Name, m.MountPath)
				}
			}
			var cfg bool
			for _, m := range c.VolumeMounts {
				if m.Name == "config" && m.MountPath == "/etc/faas-autoscaler" {
					cfg = true
				}
			}
			check("config mounted at /etc/faas-autoscaler", cfg)
			check("probes on the http port", c.LivenessProbe != nil && c.ReadinessProbe != nil &&
				c.LivenessProbe.HTTPGet.Path == "/healthz" && c.ReadinessProbe.HTTPGet.Path == "/readyz" &&
				c.ReadinessProbe.HTTPGet.Port == intstr.FromString("http"))
		})
	}
}

// The config value becomes the ConfigMap's config.yaml, and the pods'
// checksum/config annotation changes with it (so a change rolls them) and
// only with it.
func TestConfigChecksumRollsThePods(t *testing.T) {
	render := func(sets ...string) (string, string) {
		docs := decode(t, mustTemplate(t, nil, sets...))
		var data string
		for _, cm := range objects[*corev1.ConfigMap](docs) {
			if cm.Name == fullname+"-config" {
				data = cm.Data["config.yaml"]
			}
		}
		return data, objects[*appsv1.Deployment](docs)[0].Spec.Template.Annotations["checksum/config"]
	}
	defData, defSum := render()
	if strings.TrimSpace(withoutCommentsS(defData)) != "{}" {
		t.Errorf("default config.yaml = %q; want an empty mapping", defData)
	}
	data, sum := render("config.scaler.burst_window=4s")
	if want := "scaler:\n  burst_window: 4s\n"; data != want {
		t.Errorf("config.yaml = %q; want %q", data, want)
	}
	if sum == defSum || len(sum) != 64 {
		t.Errorf("checksum %q with a config change, %q without; want a different sha256", sum, defSum)
	}
	if _, again := render("config.scaler.burst_window=4s"); again != sum {
		t.Errorf("checksum not stable: %s then %s", sum, again)
	}
	if _, other := render("log.level=debug"); other != defSum {
		t.Errorf("a change outside config moved the checksum: %s → %s", defSum, other)
	}
	// A new chart version (the ConfigMap's helm.sh/chart label) with the
	// same configuration must not roll the pods: an upgrade would restart
	// every controller, and hand the Lease over, for nothing.
	bumped := chartCopy(t, map[string]func(string) string{"Chart.yaml": func(chartYAML string) string {
		return strings.Replace(chartYAML, "\nversion: ", "\nversion: 99.0.0-", 1)
	}})
	if out, stderr, err := helm(t, "template", releaseName, bumped, "--namespace", releaseNS); err != nil {
		t.Errorf("helm template of the bumped chart: %v\n%s", err, stderr)
	} else if sum := objects[*appsv1.Deployment](decode(t, out))[0].Spec.Template.Annotations["checksum/config"]; sum != defSum {
		t.Errorf("a chart version bump alone moved checksum/config: %s → %s", defSum, sum)
	}
}

func withoutCommentsS(s string) string { return string(withoutComments([]byte(s))) }

// The NetworkPolicy admits the webhook and /metrics from AlertManager and
// Prometheus only, and lets the pods reach DNS, Prometheus, and the gateway
// (openfaas) or the API server (kubernetes) only.
func TestNetworkPolicy(t *testing.T) {
	peer := func(ns string, labels map[string]string) networkingv1.NetworkPolicyPeer {
		return networkingv1.NetworkPolicyPeer{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: labels},
		}
	}
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	port := func(p intstr.IntOrString, proto *corev1.Protocol) networkingv1.NetworkPolicyPort {
		return networkingv1.NetworkPolicyPort{Port: &p, Protocol: proto}
	}
	am := peer("openfaas", map[string]string{"app": "alertmanager"})
	prom := peer("openfaas", map[string]string{"app": "prometheus"})
	dns := networkingv1.NetworkPolicyEgressRule{
		To:    []networkingv1.NetworkPolicyPeer{peer("kube-system", map[string]string{"k8s-app": "kube-dns"})},
		Ports: []networkingv1.NetworkPolicyPort{port(intstr.FromInt32(53), &udp), port(intstr.FromInt32(53), &tcp)},
	}
	promEgress := networkingv1.NetworkPolicyEgressRule{To: []networkingv1.NetworkPolicyPeer{prom},
		Ports: []networkingv1.NetworkPolicyPort{port(intstr.FromInt32(9090), &tcp)}}
	apiServer := networkingv1.NetworkPolicyEgressRule{
		To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}, {IPBlock: &networkingv1.IPBlock{CIDR: "::/0"}}},
		Ports: []networkingv1.NetworkPolicyPort{port(intstr.FromInt32(443), &tcp), port(intstr.FromInt32(6443), &tcp)},
	}
	gateway := networkingv1.NetworkPolicyEgressRule{To: []networkingv1.NetworkPolicyPeer{peer("openfaas", map[string]string{"app": "gateway"})},
		Ports: []networkingv1.NetworkPolicyPort{port(intstr.FromInt32(8080), &tcp)}}

	for _, tc := range []struct {
		name   string
		sets   []string
		egress []networkingv1.NetworkPolicyEgressRule
	}{
		{"kubernetes", nil, []networkingv1.NetworkPolicyEgressRule{dns, promEgress, apiServer}},
		{"openfaas", []string{"provider=openfaas"}, []networkingv1.NetworkPolicyEgressRule{dns, promEgress, gateway}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := decode(t, mustTemplate(t, nil, tc.sets...))
			nps := objects[*networkingv1.NetworkPolicy](docs)
			if len(nps) != 1 {
				t.Fatalf("%d NetworkPolicies; want 1", len(nps))
			}
			np := nps[0]
			d := objects[*appsv1.Deployment](docs)[0]
			if !cmp.Equal(np.Spec.PodSelector.MatchLabels, d.Spec.Selector.MatchLabels) {
				t.Errorf("policy selects %v; the pods are %v", np.Spec.PodSelector.MatchLabels, d.Spec.Selector.MatchLabels)
			}
			if d := cmp.Diff([]networkingv1.PolicyType{"Ingress", "Egress"}, np.Spec.PolicyTypes); d != "" {
				t.Errorf("policyTypes (-want +got):\n%s", d)
			}
			ingress := []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{am, prom},
				Ports: []networkingv1.NetworkPolicyPort{port(intstr.FromString("http"), &tcp)},
			}}
			if d := cmp.Diff(ingress, np.Spec.Ingress); d != "" {
				t.Errorf("ingress (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.egress, np.Spec.Egress); d != "" {
				t.Errorf("egress (-want +got):\n%s", d)
			}
		})
	}
	t.Run("off", func(t *testing.T) {
		if n := len(objects[*networkingv1.NetworkPolicy](decode(t, mustTemplate(t, nil, "networkPolicy.enabled=false")))); n != 0 {
			t.Errorf("%d NetworkPolicies with networkPolicy.enabled=false", n)
		}
	})
}

// The budget, when on, lets not-Ready followers go at any time.
func TestPodDisruptionBudget(t *testing.T) {
	docs := decode(t, mustTemplate(t, nil, "podDisruptionBudget.enabled=true"))
	pdbs := objects[*policyv1.PodDisruptionBudget](docs)
	if len(pdbs) != 1 {
		t.Fatalf("%d budgets", len(pdbs))
	}
	p := pdbs[0]
	d := objects[*appsv1.Deployment](docs)[0]
	if !cmp.Equal(p.Spec.Selector.MatchLabels, d.Spec.Selector.MatchLabels) || p.Spec.MaxUnavailable == nil ||
		p.Spec.MaxUnavailable.IntValue() != 1 || p.Spec.UnhealthyPodEvictionPolicy == nil ||
		*p.Spec.UnhealthyPodEvictionPolicy != policyv1.AlwaysAllow {
		t.Errorf("budget = %+v", p.Spec)
	}
}
