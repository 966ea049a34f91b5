package main

import (
	"context"
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
)

// natsConfig chooses where queue load comes from. Without --nats-url it is
// Prometheus (the queue worker's queue_worker_pending_messages and
// queue_worker_function_invocation_inflight); with it, NATS JetStream
// itself: each function's consumer backlog, for clusters whose queue
// worker exports no per-function metrics. Everything else still comes from
// Prometheus.
type natsConfig struct {
	NATSURL     string
	NATSStream  string
	NATSSubject string
	NATSTimeout time.Duration
}

func defineNATSFlags(e *envFlags, c *natsConfig) {
	fs := e.fs
	fs.StringVar(&c.NATSURL, "nats-url", "", "NATS URL (nats://nats.openfaas:4222): read the queue type's backlog from JetStream consumers instead of the queue worker's metrics in Prometheus")
	e.bind("nats-url", "nats_url")
	fs.StringVar(&c.NATSStream, "nats-stream", jetstream.DefaultStream, "JetStream stream of asynchronous requests (with --nats-url)")
	e.bind("nats-stream", "nats_stream")
	fs.StringVar(&c.NATSSubject, "nats-subject", jetstream.DefaultSubject, "subject of the stream; a function's consumer filters <subject>.<name>.<namespace> (with --nats-url)")
	e.bind("nats-subject", "nats_subject")
	fs.DurationVar(&c.NATSTimeout, "nats-timeout", jetstream.DefaultTimeout, "bound on each backlog read (with --nats-url)")
}

// validate names the bad flag; it runs only when --nats-url is set, so the
// defaults of the others never fail a controller without NATS.
func (c *natsConfig) validate(mode string, bad func(string, ...any)) {
	if c.NATSURL == "" {
		return
	}
	if mode != "openfaas" && mode != "kubernetes" {
		bad("--nats-url needs --provider openfaas or kubernetes (the other metrics come from Prometheus)")
		return
	}
	if err := c.jetstreamConfig(nil).Validate(); err != nil {
		bad("--nats-url/--nats-stream/--nats-subject/--nats-timeout: %v", err)
	}
}

func (c *natsConfig) jetstreamConfig(p *process) jetstream.Config {
	jc := jetstream.DefaultConfig()
	jc.URL, jc.Stream, jc.Subject, jc.Timeout = c.NATSURL, c.NATSStream, c.NATSSubject, c.NATSTimeout
	if p != nil {
		jc.DefaultNamespace = p.cfg.DefaultNamespace
		jc.Logger = p.log.With("component", "jetstream")
	}
	return jc
}

// wireNATS puts the JetStream backlog under the Prometheus source when
// --nats-url is set. The connection is made in the background: a NATS that
// is down at start only makes queue load missing until it is up.
func (p *process) wireNATS() error {
	c := p.cfg.natsConfig
	if c.NATSURL == "" {
		return nil
	}
	src, err := jetstream.New(c.jetstreamConfig(p))
	if err != nil {
		return fmt.Errorf("--nats-url: %w", err)
	}
	// One reading serves a whole scaler pass (its stable and burst
	// windows) and an idler cycle started with it: a fifth of the interval.
	p.source = metricsource.WithQueue(p.source, src, p.cfg.Tuning.Scaler.Interval/5, p.clk.Now)
	p.extra = append(p.extra, func(ctx context.Context) error {
		<-ctx.Done()
		src.Close()
		return nil
	})
	p.log.Info("queue load from NATS JetStream", "url", jetstream.RedactURL(c.NATSURL), "stream", c.NATSStream, "subject", c.NATSSubject)
	return nil
}
