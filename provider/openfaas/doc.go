// Package openfaas implements provider.Provider over the OpenFaaS provider and
// gateway REST API (faas-netes, faasd, any faas-provider).
package openfaas
