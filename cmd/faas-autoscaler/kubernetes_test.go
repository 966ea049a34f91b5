package main

import (
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubecluster"
	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestRunOnKubernetesWithLeaderElection runs two controller binaries the
// way the shipped Deployment does (--provider kubernetes --leader-elect) on
// a real API server: exactly one leads and is ready, the leader raises a
// function below its min without any metrics (missing data never scales
// down, but min still holds), and when the leader stops the other one
// takes over.
func TestRunOnKubernetesWithLeaderElection(t *testing.T) {
	c := kubecluster.Start(t, kubecluster.Options{})
	ns := c.Namespace(t)
	ctx := t.Context()
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "figlet", Namespace: ns, Labels: map[string]string{
			"faas_function": "figlet", "com.openfaas.scale.min": "3", "com.openfaas.scale.max": "6"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr32(1),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"faas_function": "figlet"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"faas_function": "figlet"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "fn", Image: "ghcr.io/openfaas/figlet:latest"}}},
			},
		},
	}
	if _, err := c.Client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	a := startController(t, c.Kubeconfig, ns, "a")
	b := startController(t, c.Kubeconfig, ns, "b")

	leader, follower := waitOneReady(t, a, b)
	testenv.WaitFor(t, 30*time.Second, "the leader to raise figlet to its min 3", func() bool {
		d, err := c.Client.AppsV1().Deployments(ns).Get(ctx, "figlet", metav1.GetOptions{})
		return err == nil && d.Spec.Replicas != nil && *d.Spec.Replicas == 3
	})
	if follower.ready() {
		t.Fatalf("both replicas are ready: the follower %s must answer /readyz 503", follower.name)
	}

	// A clean stop releases the Lease, so the follower leads at once.
	if err := leader.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 30*time.Second, "the follower to take over and become ready", follower.ready)
}

type controllerProc struct {
	name string
	addr string
	cmd  *exec.Cmd
	out  *teststack.SyncBuffer
}

func (p *controllerProc) ready() bool {
	resp, err := http.Get("http://" + p.addr + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func startController(t *testing.T, kubeconfig, ns, name string) *controllerProc {
	t.Helper()
	// The socket is bound here and inherited (--listen fd:3): no window in
	// which another process can take the port.
	addr, lnFile := teststack.InheritedListener(t)
	out := &teststack.SyncBuffer{}
	cmd := exec.Command(binary, "run", "--provider", "kubernetes", "--kubeconfig", kubeconfig,
		"--namespaces", ns, "--leader-elect", "--leader-election-namespace", ns,
		"--prometheus-url", "http://127.0.0.1:1", "--webhook-auth", "none",
		"--interval", "1s", "--idle-schedule", "@every 5s", "--listen", "fd:3", "--log-format", "json")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.ExtraFiles = []*os.File{lnFile}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &controllerProc{name: name, addr: addr, cmd: cmd, out: out}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("controller %s output:\n%s", name, out.String())
		}
	})
	return p
}

func waitOneReady(t *testing.T, a, b *controllerProc) (leader, follower *controllerProc) {
	t.Helper()
	testenv.WaitFor(t, 30*time.Second, "one controller to lead", func() bool { return a.ready() || b.ready() })
	if a.ready() {
		return a, b
	}
	return b, a
}

func ptr32(v int32) *int32 { return &v }
