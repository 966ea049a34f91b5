package main

import (
	"fmt"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource/prometheus"
	"github.com/faas-autoscaler/faas-autoscaler/provider/openfaas"
)

// wireOpenFaaS: the OpenFaaS REST API holds replicas, Prometheus the load.
func (ctl *controller) wireOpenFaaS() error {
	c := ctl.cfg
	oc := openfaas.DefaultConfig()
	oc.GatewayURL = c.GatewayURL
	oc.DefaultNamespace = c.DefaultNamespace
	oc.Logger = ctl.log.With("component", "openfaas")
	if c.BasicAuth {
		u, p, err := openfaas.ReadCredentials(c.SecretMountPath)
		if err != nil {
			return fmt.Errorf("--basic-auth: %w (or set --basic-auth=false)", err)
		}
		oc.Username, oc.Password = u, p
	}
	p, err := openfaas.New(oc)
	if err != nil {
		return fmt.Errorf("openfaas provider: %w", err)
	}
	ctl.provider = p
	return ctl.wirePrometheus()
}

func (ctl *controller) wirePrometheus() error {
	c := ctl.cfg
	pc := prometheus.DefaultConfig()
	pc.URL = c.PrometheusURL
	pc.DefaultNamespace = c.DefaultNamespace
	if c.CoverageSelector != "" {
		pc.CoverageSelector = c.CoverageSelector
	}
	pc.MaxScrapeGap, pc.Timeout = c.MaxScrapeGap, c.PromTimeout
	pc.Logger = ctl.log.With("component", "prometheus")
	s, err := prometheus.New(pc)
	if err != nil {
		return fmt.Errorf("--prometheus-url: %w", err)
	}
	ctl.source = s
	return nil
}
