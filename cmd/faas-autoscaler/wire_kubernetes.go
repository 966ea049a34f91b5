package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	"github.com/faas-autoscaler/faas-autoscaler/leader"
	"github.com/faas-autoscaler/faas-autoscaler/provider/kubernetes"
)

// serviceAccountNamespace is where Kubernetes mounts the pod's namespace.
const serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// wireKubernetes: function Deployments hold replicas (scaled through
// deployments/scale), Prometheus the load; with --leader-elect only the
// holder of the Lease acts.
func (ctl *controller) wireKubernetes(_ context.Context) error {
	c := ctl.cfg
	// client-go logs through klog; send it to our logger.
	klog.SetSlogLogger(ctl.log.With("component", "client-go"))
	rc, err := kubernetes.RESTConfig(c.Kubeconfig)
	if err != nil {
		return fmt.Errorf("--kubeconfig: %w", err)
	}
	rc.UserAgent = "faas-autoscaler/" + version
	client, err := k8s.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("kubernetes client: %w", err)
	}
	kc := kubernetes.DefaultConfig()
	kc.Client, kc.Selector = client, c.Selector
	if len(c.Namespaces) > 0 {
		kc.Namespaces = c.Namespaces
	}
	kc.Logger, kc.Server = ctl.log.With("component", "kubernetes"), rc.Host
	p, err := kubernetes.New(kc)
	if err != nil {
		return fmt.Errorf("kubernetes provider: %w", err)
	}
	// Synced after the listener is up (serve), so /healthz answers from the
	// first second while Start logs what it waits for (issue 15, item 7).
	ctl.startup = append(ctl.startup, func(ctx context.Context) error {
		if err := p.Start(ctx); err != nil {
			return fmt.Errorf("kubernetes provider: %w", err)
		}
		return nil
	})
	ctl.provider = p
	if c.LeaderElect {
		if err := ctl.wireLeaderElection(client); err != nil {
			return err
		}
	}
	return ctl.wirePrometheus()
}

func (ctl *controller) wireLeaderElection(client k8s.Interface) error {
	ns := ctl.cfg.LeaseNamespace
	if ns == "" {
		ns = "openfaas"
		if b, err := os.ReadFile(serviceAccountNamespace); err == nil && strings.TrimSpace(string(b)) != "" {
			ns = strings.TrimSpace(string(b))
		}
	}
	var act func(ctx context.Context)
	e, err := leader.New(leader.Config{
		Client: client, Namespace: ns, LeaseName: ctl.cfg.LeaseName,
		OnStartedLeading: func(ctx context.Context) { act(ctx) },
		Clock:            ctl.clk, Registerer: ctl.reg, Logger: ctl.log.With("component", "leader"),
	})
	if err != nil {
		return fmt.Errorf("--leader-elect: %w", err)
	}
	// A follower keeps its caches warm but never scales, even if an alert
	// reaches it directly; it answers /readyz with 503 so Services route
	// AlertManager to the leader.
	ctl.provider = leader.Guard(ctl.provider, e.IsLeader)
	ctl.leading = e.IsLeader
	ctl.lead = func(ctx context.Context, work func(ctx context.Context)) error {
		act = work
		return e.Run(ctx)
	}
	return nil
}
