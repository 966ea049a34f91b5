// Package kubeapi is the controller's whole Kubernetes API surface: list and
// watch function Deployments and the HorizontalPodAutoscalers that may also
// scale them, read and write their scale subresource, and read and write the
// leader-election Lease. Interface is what the provider
// and the elector depend on; Client implements it over client-go's REST
// client with a scheme that knows only apps/v1, autoscaling/v1 and
// coordination.k8s.io/v1.
//
// Why not client-go's clientset: kubernetes.NewForConfig, its generated
// informers and tools/leaderelection each link the typed clients, apply
// configurations and types of every built-in API group (about 350 packages,
// 13 MB of the stripped binary) to use four resources. Their init code alone keeps
// about 12 MiB of the binary's pages resident in every process, whether it
// runs against Kubernetes or not. kubeapitest adapts client-go's fake
// clientset to Interface for unit tests, which may link anything.
package kubeapi
