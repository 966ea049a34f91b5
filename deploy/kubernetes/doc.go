// Package manifests embeds the Kubernetes manifests in this folder, so tests
// decode, check and apply exactly what ships (the package is named for what
// it holds; its folder is deploy/kubernetes). Objects returns the resources
// kustomization.yaml lists, in its order, as typed client-go objects.
package manifests
