package queueworker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	jsource "github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Headers OpenFaaS puts on an asynchronous request.
const (
	HeaderCallID      = "X-Call-Id"
	HeaderStartTime   = "X-Start-Time"
	HeaderCallbackURL = "X-Callback-Url"
	HeaderFunction    = "X-Function-Name"
)

// Queue names the stream and its subject, OpenFaaS's by default.
type Queue struct {
	Stream  string // default faas-request
	Subject string // default faas-request; a function's is <Subject>.<name>.<namespace>
}

func (q Queue) withDefaults() Queue {
	if q.Stream == "" {
		q.Stream = jsource.DefaultStream
	}
	if q.Subject == "" {
		q.Subject = jsource.DefaultSubject
	}
	return q
}

// EnsureStream creates the work-queue stream (file storage, so a restarted
// server keeps its messages) when it does not exist. A work queue deletes a
// message once it is acknowledged, so what is in the stream is exactly the
// work not yet done.
func EnsureStream(ctx context.Context, js jetstream.JetStream, q Queue) error {
	q = q.withDefaults()
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:      q.Stream,
		Subjects:  []string{q.Subject + ".>"},
		Retention: jetstream.WorkQueuePolicy,
		Storage:   jetstream.FileStorage,
	})
	if err != nil {
		return fmt.Errorf("create stream %s: %w", q.Stream, err)
	}
	return nil
}

// Publisher publishes asynchronous requests; it implements
// gatewaysim.AsyncPublisher.
type Publisher struct {
	js jetstream.JetStream
	q  Queue
}

var _ gatewaysim.AsyncPublisher = (*Publisher)(nil)

// NewPublisher publishes on nc's JetStream.
func NewPublisher(nc *nats.Conn, q Queue) (*Publisher, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	return &Publisher{js: js, q: q.withDefaults()}, nil
}

// PublishAsync stores one request and returns its call id once JetStream has
// acknowledged it. The message id (JetStream's duplicate window) is new for
// every request, not the call id: the gateway keeps an X-Call-Id its caller
// sends, so a function fanning out asynchronous calls with its own headers
// sends several requests with one call id, and every one after the first
// was taken for a duplicate and dropped while the gateway answered 202.
func (p *Publisher) PublishAsync(ctx context.Context, ref provider.Ref, req gatewaysim.AsyncRequest) (string, error) {
	id := req.CallID
	if id == "" {
		var err error
		if id, err = newCallID(); err != nil {
			return "", err
		}
	}
	m := nats.NewMsg(jsource.SubjectFor(p.q.Subject, ref))
	m.Data = req.Body
	for k, vs := range req.Header {
		for _, v := range vs {
			m.Header.Add(k, v)
		}
	}
	m.Header.Set(HeaderCallID, id)
	m.Header.Set(HeaderFunction, ref.String())
	m.Header.Set(HeaderStartTime, strconv.FormatInt(time.Now().UnixNano(), 10))
	if req.CallbackURL != "" {
		m.Header.Set(HeaderCallbackURL, req.CallbackURL)
	}
	msgID, err := newCallID()
	if err != nil {
		return "", err
	}
	if _, err := p.js.PublishMsg(ctx, m, jetstream.WithMsgID(msgID)); err != nil {
		return "", fmt.Errorf("publish to %s: %w", m.Subject, err)
	}
	return id, nil
}

func newCallID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", errors.New("call id: " + err.Error())
	}
	return hex.EncodeToString(b), nil
}

// header is what the worker hands the function: the stored headers.
func header(m jetstream.Msg) http.Header {
	h := http.Header{}
	for k, vs := range m.Headers() {
		h[k] = vs
	}
	return h
}
