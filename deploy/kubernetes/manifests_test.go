package manifests

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

const (
	controllerNS = "openfaas"
	functionNS   = "openfaas-fn"
	account      = "faas-autoscaler"
)

// byKind indexes the decoded resources.
type shipped struct {
	roles        map[string]*rbacv1.Role // namespace/name
	bindings     []*rbacv1.RoleBinding
	accounts     []*corev1.ServiceAccount
	deployments  []*appsv1.Deployment
	services     []*corev1.Service
	configMaps   []*corev1.ConfigMap
	policies     []*networkingv1.NetworkPolicy
	unknownKinds []string
}

func load(t *testing.T) shipped {
	t.Helper()
	objs, err := Objects()
	if err != nil {
		t.Fatal(err)
	}
	s := shipped{roles: map[string]*rbacv1.Role{}}
	for _, o := range objs {
		switch v := o.Object.(type) {
		case *rbacv1.Role:
			s.roles[v.Namespace+"/"+v.Name] = v
		case *rbacv1.RoleBinding:
			s.bindings = append(s.bindings, v)
		case *corev1.ServiceAccount:
			s.accounts = append(s.accounts, v)
		case *appsv1.Deployment:
			s.deployments = append(s.deployments, v)
		case *corev1.Service:
			s.services = append(s.services, v)
		case *corev1.ConfigMap:
			s.configMaps = append(s.configMaps, v)
		case *networkingv1.NetworkPolicy:
			s.policies = append(s.policies, v)
		default:
			s.unknownKinds = append(s.unknownKinds, o.File+": "+o.Object.GetObjectKind().GroupVersionKind().Kind)
		}
	}
	return s
}

// Every YAML file decodes strictly, resources or not.
func TestEveryFileDecodes(t *testing.T) {
	names, err := fs.Glob(Files, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if n == "kustomization.yaml" {
			continue
		}
		t.Run(n, func(t *testing.T) {
			objs, err := DecodeFile(n)
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) == 0 {
				t.Error("no objects")
			}
		})
	}
}

// The Roles are the RBAC contract: exactly what the controller calls. The
// real-API-server test (provider/kubernetes) proves they are enough.
func TestRolesAreExactlyWhatTheControllerUses(t *testing.T) {
	s := load(t)
	want := map[string][]rbacv1.PolicyRule{
		functionNS + "/faas-autoscaler-functions": {
			// The informer lists and watches; it never gets one Deployment.
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"list", "watch"}},
			// GetScale and UpdateScale (a PUT); no patch.
			{APIGroups: []string{"apps"}, Resources: []string{"deployments/scale"}, Verbs: []string{"get", "update"}},
			// Read only: a function an HPA (or KEDA) scales is left alone.
			{APIGroups: []string{"autoscaling"}, Resources: []string{"horizontalpodautoscalers"}, Verbs: []string{"list", "watch"}},
		},
		controllerNS + "/faas-autoscaler-leader-election": {
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"create"}},
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, ResourceNames: []string{"faas-autoscaler"}, Verbs: []string{"get", "update"}},
		},
	}
	got := map[string][]rbacv1.PolicyRule{}
	for k, r := range s.roles {
		got[k] = r.Rules
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Role rules (-want +got):\n%s", diff)
	}
	if len(s.unknownKinds) > 0 {
		t.Errorf("unexpected kinds (a ClusterRole would break least privilege): %v", s.unknownKinds)
	}
}

func TestBindingsGrantEachRoleToTheServiceAccount(t *testing.T) {
	s := load(t)
	if len(s.accounts) != 1 || s.accounts[0].Name != account || s.accounts[0].Namespace != controllerNS {
		t.Fatalf("service accounts = %v; want %s/%s", s.accounts, controllerNS, account)
	}
	bound := map[string]bool{}
	for _, b := range s.bindings {
		key := b.Namespace + "/" + b.RoleRef.Name
		if b.RoleRef.Kind != "Role" || s.roles[key] == nil {
			t.Errorf("binding %s/%s refers to %s %s, which is not a shipped Role in its namespace", b.Namespace, b.Name, b.RoleRef.Kind, b.RoleRef.Name)
		}
		want := []rbacv1.Subject{{Kind: "ServiceAccount", Name: account, Namespace: controllerNS}}
		if diff := cmp.Diff(want, b.Subjects); diff != "" {
			t.Errorf("binding %s/%s subjects (-want +got):\n%s", b.Namespace, b.Name, diff)
		}
		bound[key] = true
	}
	for k := range s.roles {
		if !bound[k] {
			t.Errorf("role %s is not bound", k)
		}
	}
}

func TestDeployment(t *testing.T) {
	s := load(t)
	if len(s.deployments) != 1 {
		t.Fatalf("%d deployments, want 1", len(s.deployments))
	}
	d := s.deployments[0]
	pod := d.Spec.Template.Spec
	if d.Namespace != controllerNS || d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("deployment %s/%s with %v replicas; want %s with 2", d.Namespace, d.Name, d.Spec.Replicas, controllerNS)
	}
	if pod.ServiceAccountName != account {
		t.Errorf("serviceAccountName %q, want %q", pod.ServiceAccountName, account)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	wantArgs := []string{"run", "--provider=kubernetes", "--namespaces=" + functionNS,
		"--prometheus-url=http://prometheus.openfaas:9090", "--webhook-auth=basic",
		"--secret-mount-path=/var/secrets/faas-autoscaler",
		"--leader-elect", "--leader-election-namespace=" + controllerNS, "--leader-election-lease=faas-autoscaler",
		"--config=/etc/faas-autoscaler/config.yaml", "--listen=:8080", "--log-format=json", "--log-level=info"}
	if diff := cmp.Diff(wantArgs, c.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}

	probe := func(name string, p *corev1.Probe, path string) {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe missing", name)
			return
		}
		if p.HTTPGet.Path != path || p.HTTPGet.Port != intstr.FromString("http") {
			t.Errorf("%s probe = %s on %s; want %s on the http port", name, p.HTTPGet.Path, p.HTTPGet.Port.String(), path)
		}
	}
	probe("liveness", c.LivenessProbe, "/healthz")
	probe("readiness", c.ReadinessProbe, "/readyz")
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("ports = %+v; want http 8080", c.Ports)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
		t.Errorf("resource requests = %v; want cpu and memory", c.Resources.Requests)
	}

	sc := c.SecurityContext
	switch {
	case sc == nil:
		t.Fatal("container securityContext missing")
	case sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot:
		t.Error("runAsNonRoot is not true")
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Error("readOnlyRootFilesystem is not true")
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("allowPrivilegeEscalation is not false")
	case sc.Capabilities == nil || !cmp.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
		t.Errorf("capabilities = %+v; want drop ALL, add none", sc.Capabilities)
	}
	if psc := pod.SecurityContext; psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Error("pod seccompProfile is not RuntimeDefault")
	}

	// The webhook credentials are mounted where --secret-mount-path says.
	var mounted bool
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.Secret != nil && m.MountPath == "/var/secrets/faas-autoscaler" && m.ReadOnly {
				mounted = true
				secret := v.Secret.SecretName
				example, err := DecodeFile("secret.example.yaml")
				if err != nil {
					t.Fatal(err)
				}
				ex := example[0].Object.(*corev1.Secret)
				if ex.Name != secret || ex.Namespace != controllerNS {
					t.Errorf("secret.example.yaml is %s/%s; the Deployment mounts %s", ex.Namespace, ex.Name, secret)
				}
				for _, k := range []string{"basic-auth-user", "basic-auth-password"} {
					if _, ok := ex.StringData[k]; !ok {
						t.Errorf("secret.example.yaml lacks %s", k)
					}
				}
			}
		}
	}
	if !mounted {
		t.Error("no read-only Secret volume at /var/secrets/faas-autoscaler")
	}
}

func TestServiceSelectsThePods(t *testing.T) {
	s := load(t)
	if len(s.services) != 1 || len(s.deployments) != 1 {
		t.Fatalf("%d services, %d deployments; want 1 each", len(s.services), len(s.deployments))
	}
	svc, d := s.services[0], s.deployments[0]
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("service selector %s=%s does not match the pod labels %v", k, v, d.Spec.Template.Labels)
		}
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8080 || svc.Spec.Ports[0].TargetPort != intstr.FromString("http") {
		t.Errorf("service ports = %+v; want 8080 → http", svc.Spec.Ports)
	}
}

// The example Secret must never be applied by `kubectl apply -k`.
func TestExampleSecretIsNotAResource(t *testing.T) {
	res, err := Resources()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if strings.Contains(r, "secret") {
			t.Errorf("kustomization.yaml lists %s; secrets are created by the operator, never shipped", r)
		}
	}
}

// kubectl's own kustomize must build the base into the same objects (plus
// the common labels); skipped without the test binaries.
func TestKustomizeBuilds(t *testing.T) {
	bin := testenv.EnvPath(t, "K8S_TEST_BIN", "run `make k8s-tools` for kubectl")
	out, err := exec.Command(filepath.Join(bin, "kubectl"), "kustomize", ".").Output()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v", err)
	}
	var got []string
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(out)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		obj, _, err := strictDecoder.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("kustomize output: %v", err)
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			t.Fatal(err)
		}
		if m.GetLabels()["app.kubernetes.io/name"] != "faas-autoscaler" {
			t.Errorf("%s/%s lacks the common labels", m.GetNamespace(), m.GetName())
		}
		got = append(got, obj.GetObjectKind().GroupVersionKind().Kind+" "+m.GetNamespace()+"/"+m.GetName())
	}
	objs, err := Objects()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, o := range objs {
		m, err := meta.Accessor(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, o.Object.GetObjectKind().GroupVersionKind().Kind+" "+m.GetNamespace()+"/"+m.GetName())
	}
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kustomize objects (-Objects() +kubectl kustomize):\n%s", diff)
	}
}
