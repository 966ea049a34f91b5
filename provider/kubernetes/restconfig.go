package kubernetes

import (
	"errors"
	"fmt"
	"path/filepath"

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
//
// The flag is bound to KUBECONFIG, which kubectl, client-go and Helm read as
// a list of files (joined by the path list separator), merged in order, a
// missing one skipped: a list is read so here too (a developer's shell
// often holds one; it was taken for one file name that did not exist). One
// file must exist, as kubectl's --kubeconfig.
func RESTConfig(kubeconfig string) (*rest.Config, error) {
	var (
		cfg *rest.Config
		err error
	)
	if paths := filepath.SplitList(kubeconfig); len(paths) > 1 {
		rules := &clientcmd.ClientConfigLoadingRules{Precedence: paths}
		cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("kubeconfig files %s: %w", kubeconfig, err)
		}
	} else if kubeconfig != "" {
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
