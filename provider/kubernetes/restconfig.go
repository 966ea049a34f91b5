package kubernetes

import (
	"errors"
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Client-side rate limits for the controller's API client. client-go's
// defaults (5 QPS, burst 10) would throttle a scale-down wave across hundreds
// of idle functions to minutes; reads come from the informer cache, so these
// only bound writes and the informers' initial lists.
const (
	defaultQPS   = 50
	defaultBurst = 100
	userAgent    = "faas-autoscaler"
)

// RESTConfig returns the API server configuration: from the kubeconfig file
// when kubeconfig is set (the --kubeconfig flag, for running outside a
// cluster), else the in-cluster ServiceAccount. It sets a user agent and
// rate limits suited to a controller.
func RESTConfig(kubeconfig string) (*rest.Config, error) {
	var (
		cfg *rest.Config
		err error
	)
	if kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
		}
	} else {
		cfg, err = rest.InClusterConfig()
		if errors.Is(err, rest.ErrNotInCluster) {
			return nil, errors.New("not running in a Kubernetes pod (no KUBERNETES_SERVICE_HOST): pass --kubeconfig")
		}
		if err != nil {
			return nil, fmt.Errorf("in-cluster config: %w", err)
		}
	}
	if cfg.QPS == 0 {
		cfg.QPS = defaultQPS
	}
	if cfg.Burst == 0 {
		cfg.Burst = defaultBurst
	}
	cfg.UserAgent = userAgent
	return cfg, nil
}
