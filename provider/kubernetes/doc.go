// Package kubernetes implements provider.Provider over Kubernetes
// Deployments, for clusters where the controller scales functions itself
// (OpenFaaS CE's faas-netes refuses zero replicas and caps at 5; plain
// Deployments and other platforms have no scaling API at all).
//
// A function is a Deployment matched by a label selector (by default "has the
// faas_function label", as faas-netes sets it) in one of the watched
// namespaces. Reads come from one shared informer cache per namespace, so a
// reconcile cycle over 10k functions costs no API calls; only Scale talks to
// the API server, through the deployments/scale subresource (the same path
// as `kubectl scale`, the HPA and KEDA), retried on conflicts. The provider
// never scales a Deployment its selector does not match, nor one that a
// HorizontalPodAutoscaler in its namespace (KEDA's among them) scales: such a
// function is left out of the listing with a warning, and reads as not
// found, as two writers of one replica count would fight. A Deployment
// created paused is listed and scaled, but starts no pod until resumed: the
// listing warns once, and the provider's explain section (Explain) says so.
// So is one whose applied manifest declares spec.replicas (applied.go): a
// GitOps sync or kubectl apply puts that count back, and the warning and
// the explain section name the applier.
// So is one whose count another manager (OpenFaaS CE's alert scaling
// through faas-netes, kubectl scale) changed after the controller's own
// write (writer.go): the warning and the explain section name the writer.
// The available count never exceeds the desired one (status lags a
// scale-down).
package kubernetes
