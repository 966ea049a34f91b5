package main

import (
	"fmt"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource/prometheus"
	"github.com/faas-autoscaler/faas-autoscaler/provider/openfaas"
)

// wireOpenFaaS: the OpenFaaS REST API holds replicas, Prometheus the load.
func (p *process) wireOpenFaaS() error {
	c := p.cfg
	oc := openfaas.DefaultConfig()
	oc.GatewayURL = c.GatewayURL
	oc.DefaultNamespace = c.DefaultNamespace
	oc.Logger = p.log.With("component", "openfaas")
	// Room for every actuator worker's scale plus the listing and reads.
	oc.IdleConns = max(oc.IdleConns, c.Tuning.Actuator.Workers+4)
	if c.BasicAuth {
		u, pw, err := openfaas.ReadCredentials(c.SecretMountPath)
		if err != nil {
			return badFlag("--basic-auth: %w (or set --basic-auth=false)", err)
		}
		oc.Username, oc.Password = u, pw
		// A rotated secret is read again when the gateway answers 401.
		oc.Credentials = func() (string, string, error) { return openfaas.ReadCredentials(c.SecretMountPath) }
	}
	prov, err := openfaas.New(oc)
	if err != nil {
		return fmt.Errorf("openfaas provider: %w", err)
	}
	p.provider = prov
	return p.wirePrometheus()
}

func (p *process) wirePrometheus() error {
	c := p.cfg
	pc := prometheusConfig(c)
	pc.Logger = p.log.With("component", "prometheus")
	s, err := prometheus.New(pc)
	if err != nil {
		return fmt.Errorf("--prometheus-url: %w", err)
	}
	p.source = s
	// The keep-alive relearns idle times from Prometheus history at start.
	client, err := api.NewClient(api.Config{Address: c.PrometheusURL})
	if err != nil {
		return fmt.Errorf("--prometheus-url: %w", err)
	}
	p.history = v1.NewAPI(client)
	return nil
}

// prometheusConfig is the Prometheus source's configuration from the flags
// and the tuning: the prometheus section, and keep_alive.read_timeout,
// which bounds the keep-alive feeder's reads (StartedTotals,
// StartedCounts) instead of prometheus.timeout, the pass's bound.
func prometheusConfig(c runConfig) prometheus.Config {
	pc := prometheus.DefaultConfig()
	pc.URL = c.PrometheusURL
	pc.DefaultNamespace = c.DefaultNamespace
	t := c.Tuning.Prometheus
	pc.CoverageSelector, pc.MaxScrapeGap, pc.Timeout = t.CoverageSelector, t.MaxScrapeGap, t.Timeout
	pc.StartedTimeout = c.Tuning.KeepAlive.ReadTimeout
	return pc
}
