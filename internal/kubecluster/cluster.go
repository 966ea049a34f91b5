package kubecluster

import (
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// EnvBin names the folder holding etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, kubectl and kwok (`make k8s-tools` exports it).
const EnvBin = "K8S_TEST_BIN"

// NodeName is the fake node kwok manages when Options.Controllers is set.
const NodeName = "kwok-node-0"

// kwokStages are the node and pod lifecycle stages kwok plays: the set
// kwokctl uses by default (fast node init, node lease heartbeat, pods Ready
// at once). kwok exits with "no stages found" without them.
//
//go:embed testdata/kwok-stages.yaml
var kwokStages []byte

// Options choose what runs besides etcd and the apiserver.
type Options struct {
	// Controllers also starts kube-controller-manager, kube-scheduler and kwok
	// with one fake node, so Deployments get ReplicaSets and Pods that become
	// Ready. Without it nothing creates Pods and status is never written.
	Controllers bool
}

// Cluster is a running control plane.
type Cluster struct {
	// Dir holds the data, keys, kubeconfig and one <binary>.log per process.
	Dir string
	// Kubeconfig is the path of an admin kubeconfig (system:masters).
	Kubeconfig string
	// URL is the apiserver's https://127.0.0.1:port.
	URL string
	// Config is the admin REST config; copy it before changing it.
	Config *rest.Config
	// Client is an admin clientset.
	Client kubernetes.Interface

	procs []*process
}

// New starts a control plane from the binaries in bin (usually
// os.Getenv(EnvBin)). The caller must call Stop. Tests use Start or Shared.
func New(ctx context.Context, bin string, opts Options) (c *Cluster, err error) {
	if bin == "" {
		return nil, fmt.Errorf("%s is not set: run `make k8s-tools` or export it", EnvBin)
	}
	for _, name := range binaries(opts) {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			return nil, fmt.Errorf("%s=%s: %w (run `make k8s-tools`)", EnvBin, bin, err)
		}
	}
	dir, err := os.MkdirTemp("", "kubecluster-")
	if err != nil {
		return nil, err
	}
	c = &Cluster{Dir: dir}
	defer func() {
		if err != nil {
			_ = c.Stop()
		}
	}()
	if err := c.startAPI(ctx, bin); err != nil {
		return c, err
	}
	if opts.Controllers {
		if err := c.startControllers(ctx, bin); err != nil {
			return c, err
		}
	}
	return c, nil
}

func binaries(opts Options) []string {
	names := []string{"etcd", "kube-apiserver"}
	if opts.Controllers {
		names = append(names, "kube-controller-manager", "kube-scheduler", "kwok")
	}
	return names
}

// startAPI starts etcd and the apiserver and waits until both are ready.
func (c *Cluster) startAPI(ctx context.Context, bin string) error {
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdURL := "http://127.0.0.1:" + itoa(ports[0])
	peerURL := "http://127.0.0.1:" + itoa(ports[1])
	c.URL = "https://127.0.0.1:" + itoa(ports[2])

	etcd, err := c.start(bin, "etcd",
		"--data-dir="+filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL,
		"--unsafe-no-fsync", // a test cluster never needs durability
		"--log-level=warn")
	if err != nil {
		return err
	}
	plain := &http.Client{Timeout: 2 * time.Second}
	if err := etcd.waitUntil(ctx, 30*time.Second, httpOK(plain, etcdURL+"/health", "")); err != nil {
		return err
	}

	token, err := randomToken()
	if err != nil {
		return err
	}
	tokens, err := writeTokenFile(c.Dir, token)
	if err != nil {
		return err
	}
	saKey, saPub, err := writeServiceAccountKeys(c.Dir)
	if err != nil {
		return err
	}
	api, err := c.start(bin, "kube-apiserver",
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--secure-port="+itoa(ports[2]),
		// 1.37 refuses a loopback advertise address with the default
		// endpoint reconciler; a test cluster needs no kubernetes Endpoints.
		"--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none",
		"--cert-dir="+filepath.Join(c.Dir, "certs"),
		"--token-auth-file="+tokens,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+saPub,
		"--service-account-signing-key-file="+saKey,
		"--service-cluster-ip-range=10.0.0.0/24")
	if err != nil {
		return err
	}
	insecure := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // self-signed, loopback
	}}
	if err := api.waitUntil(ctx, 60*time.Second, httpOK(insecure, c.URL+"/readyz", token)); err != nil {
		return err
	}

	if c.Kubeconfig, err = writeKubeconfig(c.Dir, c.URL, token); err != nil {
		return err
	}
	c.Config = &rest.Config{
		Host:            c.URL,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{Insecure: true},
		QPS:             100, Burst: 200, // tests create objects in bursts
	}
	c.Client, err = kubernetes.NewForConfig(c.Config)
	return err
}

// startControllers starts KCM, the scheduler and kwok, registers the fake
// node and waits until it is Ready.
func (c *Cluster) startControllers(ctx context.Context, bin string) error {
	kubeconfig := "--kubeconfig=" + c.Kubeconfig
	if _, err := c.start(bin, "kube-controller-manager", kubeconfig,
		"--leader-elect=false", "--secure-port=0",
		// As root KCM would create /usr/libexec/kubernetes/... otherwise.
		"--flex-volume-plugin-dir="+filepath.Join(c.Dir, "flex"),
		"--service-account-private-key-file="+filepath.Join(c.Dir, "sa.key")); err != nil {
		return err
	}
	if _, err := c.start(bin, "kube-scheduler", kubeconfig, "--leader-elect=false", "--secure-port=0"); err != nil {
		return err
	}
	stages := filepath.Join(c.Dir, "kwok-stages.yaml")
	if err := os.WriteFile(stages, kwokStages, 0o644); err != nil {
		return err
	}
	kwok, err := c.start(bin, "kwok", kubeconfig, "--config="+stages,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--node-ip=10.0.0.1", "--server-address=",
		// Without it kwok never renews the node Lease (the flag's default
		// comes from a config object a stages-only file lacks); after 50 s
		// the node-lifecycle controller marks the node and every pod NotReady.
		"--node-lease-duration-seconds=40")
	if err != nil {
		return err
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:        NodeName,
		Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
		Labels:      map[string]string{"kubernetes.io/hostname": NodeName, "type": "kwok"},
	}}
	if _, err := c.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create node %s: %w", NodeName, err)
	}
	return kwok.waitUntil(ctx, 60*time.Second, func(ctx context.Context) error {
		n, err := c.Client.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				return nil
			}
		}
		return errors.New("node not Ready yet")
	})
}

func (c *Cluster) start(bin, name string, args ...string) (*process, error) {
	p, err := startProcess(bin, c.Dir, name, args...)
	if err != nil {
		return nil, err
	}
	c.procs = append(c.procs, p)
	return p, nil
}

// Stop stops every process in reverse start order (the apiserver before
// etcd, or it spends seconds retrying etcd) and removes Dir.
func (c *Cluster) Stop() error {
	err := stopAll(c.procs)
	c.procs = nil
	if c.Dir != "" {
		err = errors.Join(err, os.RemoveAll(c.Dir))
	}
	return err
}

// Logs returns the tail of each process's log, for a failing test to print.
func (c *Cluster) Logs(maxBytesEach int) string {
	var s string
	for _, p := range c.procs {
		s += fmt.Sprintf("==> %s\n%s\n", p.name, p.logTail(maxBytesEach))
	}
	return s
}

// httpOK returns a readiness probe: GET url answers 200.
func httpOK(client *http.Client, url, token string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
}
