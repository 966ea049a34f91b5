package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/leader"
	"github.com/faas-autoscaler/faas-autoscaler/provider/kubernetes"
)

// serviceAccountNamespace is where Kubernetes mounts the pod's namespace.
const serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// wireKubernetes: function Deployments hold replicas (scaled through
// deployments/scale), Prometheus the load; with --leader-elect only the
// holder of the Lease acts.
func (p *process) wireKubernetes(_ context.Context) error {
	c := p.cfg
	// client-go logs through klog; send it to our logger.
	klog.SetSlogLogger(p.log.With("component", "client-go"))
	rc, err := kubernetes.RESTConfig(c.Kubeconfig)
	if err != nil {
		return badFlag("--kubeconfig: %w", err)
	}
	rc.UserAgent = "faas-autoscaler/" + version
	client, leases, err := kubeClients(rc)
	if err != nil {
		return err
	}
	kc := kubernetes.DefaultConfig()
	kc.Client, kc.Selector = client, c.Selector
	if len(c.Namespaces) > 0 {
		kc.Namespaces = c.Namespaces
	}
	kc.Logger, kc.Server = p.log.With("component", "kubernetes"), rc.Host
	// faas_autoscaler_kubernetes_watch_failing and its timestamps: a cache
	// that stopped following the cluster, for the health alert.
	kc.Registerer, kc.Clock = p.reg, p.clk
	prov, err := kubernetes.New(kc)
	if err != nil {
		return fmt.Errorf("kubernetes provider: %w", err)
	}
	// Synced after the listener is up (serve), so /healthz answers from the
	// first second while Start logs what it waits for (issue 15, item 7).
	p.startup = append(p.startup, func(ctx context.Context) error {
		if err := prov.Start(ctx); err != nil {
			return fmt.Errorf("kubernetes provider: %w", err)
		}
		return nil
	})
	p.provider = prov
	p.sections = append(p.sections, prov) // "kubernetes": a Deployment paused before its first rollout
	if c.LeaderElect {
		if err := p.wireLeaderElection(leases); err != nil {
			return err
		}
	}
	return p.wirePrometheus()
}

// kubeClients returns the provider's client and the leader election's, each
// with its own rate limiter (rc's QPS and burst): sharing one, a scale-down
// wave through many actuator workers queued a Lease renewal behind hundreds
// of writes for longer than the renew deadline, and the leader stepped down
// mid-wave (kube-controller-manager gives its leader election a client of
// its own for the same reason).
func kubeClients(rc *rest.Config) (work, leases *kubeapi.Client, err error) {
	if work, err = kubeapi.New(rc); err != nil {
		return nil, nil, fmt.Errorf("kubernetes client: %w", err)
	}
	if leases, err = kubeapi.New(rc); err != nil {
		return nil, nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return work, leases, nil
}

func (p *process) wireLeaderElection(client kubeapi.Leases) error {
	ns := p.cfg.LeaseNamespace
	if ns == "" {
		ns = "openfaas"
		if b, err := os.ReadFile(serviceAccountNamespace); err == nil && strings.TrimSpace(string(b)) != "" {
			ns = strings.TrimSpace(string(b))
		}
	}
	var act func(ctx context.Context)
	e, err := leader.New(leader.Config{
		Client: client, Namespace: ns, LeaseName: p.cfg.LeaseName,
		OnStartedLeading: func(ctx context.Context) { act(ctx) },
		Clock:            p.clk, Registerer: p.reg, Logger: p.log.With("component", "leader"),
	})
	if err != nil {
		return fmt.Errorf("--leader-elect: %w", err)
	}
	// A follower keeps its caches warm but never scales, even if an alert
	// reaches it directly (the actuator refuses every write while not
	// leading); it answers /readyz with 503 so Services route AlertManager
	// to the leader.
	p.leading = e.IsLeader
	p.lead = func(ctx context.Context, work func(ctx context.Context)) error {
		act = work
		return e.Run(ctx)
	}
	return nil
}
