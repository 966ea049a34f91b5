// Package chart holds the tests of the Helm chart in faas-autoscaler/ (the
// chart itself is templates and values, not Go). They keep the chart's
// generated files equal to the generators (rules, dashboards, the config
// schema), generate the kustomize base in deploy/kubernetes from the chart's
// render, run `helm lint --strict` and `helm template` over a matrix of
// values (NOTES.txt too, through a copy of the chart), and apply the render to a real kube-apiserver with the
// prometheus-operator CRDs.
package chart
