package chart

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// The real controller binary, started with exactly the args the chart
// renders (its file paths pointed at temp copies of the ConfigMap and the
// Secret, and --kubeconfig holding the chart's ServiceAccount token in place
// of the in-cluster config), starts, wins the chart's Lease and reports
// Ready, and releases the Lease on SIGTERM: the chart's wiring and RBAC work
// for the binary itself, not only for the libraries.
func TestClusterControllerRunsWithTheChartsWiring(t *testing.T) {
	c := cluster.Get(t)
	a := newApplier(t, c)
	ctx := t.Context()
	ensureNamespaces(t, a, releaseNS, functionNS)
	docs := decode(t, mustTemplate(t, nil))
	for _, d := range docs {
		if err := a.apply(ctx, toUnstructured(t, d.Object)); err != nil {
			t.Fatalf("apply %s: %v", d.Source, err)
		}
	}
	if _, err := c.Client.AppsV1().Deployments(functionNS).Create(ctx, function(functionNS, "echo"), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	dir := t.TempDir()

	// The ConfigMap's config.yaml and the webhook Secret, as the kubelet
	// would mount them.
	var cfgData string
	for _, cm := range objects[*corev1.ConfigMap](docs) {
		cfgData = cm.Data["config.yaml"]
	}
	must(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfgData), 0o600))
	secrets := filepath.Join(dir, "secrets")
	must(t, os.MkdirAll(secrets, 0o700))
	must(t, os.WriteFile(filepath.Join(secrets, "basic-auth-user"), []byte("admin"), 0o600))
	must(t, os.WriteFile(filepath.Join(secrets, "basic-auth-password"), []byte("pw"), 0o600))

	// The chart's ServiceAccount, as a kubeconfig.
	sa, err := c.ServiceAccountConfig(ctx, releaseNS, fullname)
	must(t, err)
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: sa.Host, CertificateAuthorityData: sa.CAData, CertificateAuthority: sa.CAFile, InsecureSkipTLSVerify: sa.Insecure}
	kc.AuthInfos["sa"] = &clientcmdapi.AuthInfo{Token: sa.BearerToken}
	kc.Contexts["sa"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "sa"}
	kc.CurrentContext = "sa"
	kubeconfig := filepath.Join(dir, "kubeconfig")
	must(t, clientcmd.WriteToFile(*kc, kubeconfig))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := l.Addr().String()
	must(t, l.Close())
	dep := objects[*appsv1.Deployment](docs)[0]
	var args []string
	for _, arg := range dep.Spec.Template.Spec.Containers[0].Args {
		name, _, _ := strings.Cut(arg, "=")
		switch name {
		case "--config":
			arg = name + "=" + filepath.Join(dir, "config.yaml")
		case "--secret-mount-path":
			arg = name + "=" + secrets
		case "--listen":
			arg = name + "=" + addr
		case "--prometheus-url":
			arg = name + "=http://127.0.0.1:1" // refused at once: no Prometheus here
		}
		args = append(args, arg)
	}
	args = append(args, "--kubeconfig="+kubeconfig)

	bin := filepath.Join(dir, "faas-autoscaler")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/faas-autoscaler").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	must(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("controller args %v; logs:\n%s", args, logs.String())
		}
	})

	ready := func() bool {
		select {
		case err := <-exited:
			exited <- err
			return true
		default:
		}
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	testenv.WaitFor(t, 60*time.Second, "the controller Ready (leading)", ready, func() string { return logs.String() })
	select {
	case err := <-exited:
		t.Fatalf("controller exited: %v", err)
	default:
	}
	lease, err := c.Client.CoordinationV1().Leases(releaseNS).Get(ctx, fullname, metav1.GetOptions{})
	if err != nil || lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
		t.Fatalf("lease %s/%s = %v, %v; want held by the controller", releaseNS, fullname, lease, err)
	}
	must(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("controller exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("controller did not stop within 30 s of SIGTERM")
	}
	lease, err = c.Client.CoordinationV1().Leases(releaseNS).Get(ctx, fullname, metav1.GetOptions{})
	if err != nil || (lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != "") {
		t.Errorf("lease after SIGTERM = %v, %v; want released", fmt.Sprint(lease.Spec.HolderIdentity), err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
