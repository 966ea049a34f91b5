package alerts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/alertmanager/template"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// Path is the route AlertManager (or Grafana's webhook contact point) posts
// to, the same as the OpenFaaS gateway's, so an existing AlertManager config
// only changes its host.
const Path = "/system/alert"

// Handler serves POST /system/alert. It is safe for concurrent use.
type Handler struct {
	cfg        Config
	auth       *rotatingAuth
	metrics    *metrics
	log        *slog.Logger
	retryAfter string
	bufs       sync.Pool // *bytes.Buffer for request bodies
	// authLog rate-limits the failed-auth warning: AlertManager retries a
	// 401 at every group_interval, for every group.
	authLog logLimiter
	// The warnings a storm of notifications repeats on every request.
	unavailableLog, truncatedLog, noDataLog logLimiter
	// retries holds the alerts of AlertManager notifications answered 5xx,
	// which AlertManager sends again: the same delivery (retries.go).
	retries retries
}

// authLogEvery is the minimum time between two failed-auth log lines; the
// counter faas_autoscaler_webhook_auth_failures_total counts every failure.
const authLogEvery = 30 * time.Second

// invalidLogMax bounds the per-alert warnings logged for one batch.
const invalidLogMax = 3

// NewHandler validates cfg (defaults applied) and registers the metrics.
func NewHandler(cfg Config) (*Handler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		cfg:        cfg,
		auth:       &rotatingAuth{cur: newAuthenticator(cfg), cfg: cfg, read: cfg.Secrets, stamp: cfg.SecretsStamp},
		metrics:    m,
		log:        cfg.Logger, // the caller names the component (component=webhook in the controller)
		retryAfter: strconv.Itoa(int(cfg.RetryAfter / time.Second)),

		authLog:        logLimiter{every: authLogEvery},
		unavailableLog: logLimiter{every: stormLogEvery},
		truncatedLog:   logLimiter{every: stormLogEvery},
		noDataLog:      logLimiter{every: stormLogEvery},
	}
	h.bufs.New = func() any { return new(bytes.Buffer) }
	h.auth.log = h.log
	if cfg.Auth == AuthNone {
		h.log.Warn("webhook authentication is off (auth mode none): anyone who reaches " + Path + " can trigger scaling")
	}
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.cfg.Clock.Now()
	result := h.serve(w, r, start)
	h.metrics.requests.WithLabelValues(result).Inc()
	h.metrics.duration.Observe(h.cfg.Clock.Now().Sub(start).Seconds())
}

// serve answers one request and returns its result label.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, received time.Time) string {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, Response{Result: reqMethodNotAllowed, Error: "method " + r.Method + " not allowed; use POST"})
		return reqMethodNotAllowed
	}
	if reason := h.auth.check(r, received); reason != "" {
		h.refuseAuth(w, r, reason, received)
		return reqUnauthorized
	}
	if r.ContentLength > h.cfg.MaxBody {
		return h.refuseTooLarge(w, r)
	}

	buf := h.bufs.Get().(*bytes.Buffer)
	defer h.putBuf(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody)); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return h.refuseTooLarge(w, r)
		}
		if unfinished(err) {
			// The connection failed, not the payload: nothing was
			// judged, so AlertManager is asked to send it again (it
			// retries 5xx only; a 400 lost the batch).
			w.Header().Set("Retry-After", h.retryAfter)
			writeJSON(w, http.StatusServiceUnavailable, Response{Result: reqUnavailable,
				Error: "the body did not arrive whole: " + err.Error() + "; retry"})
			return reqUnavailable
		}
		writeJSON(w, http.StatusBadRequest, Response{Result: reqBadRequest, Error: "cannot read the body: " + err.Error()})
		return reqBadRequest
	}
	msg, err := Decode(buf.Bytes())
	if err != nil {
		h.log.Warn("webhook payload refused", "error", err, "remote", r.RemoteAddr)
		writeJSON(w, http.StatusBadRequest, Response{Result: reqBadRequest, Error: err.Error()})
		return reqBadRequest
	}
	from := senderOf(msg)
	if msg.TruncatedAlerts > 0 {
		// The periodic evaluation covers the functions we do not hear about.
		if suppressed, ok := h.truncatedLog.allow(received); ok {
			h.log.Warn("the sender truncated the batch: some alerts were not sent", "sender", from.name, "receiver", msg.Receiver,
				"truncated", msg.TruncatedAlerts, "hint", "raise or remove "+from.maxAlerts,
				"group_key", msg.GroupKey, "suppressed_since_last", suppressed)
		}
	}

	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Timeout)
	defer cancel()
	group, retried := groupOf(msg)
	var prior map[instance]time.Time
	if retried {
		prior = h.retries.of(group, received)
	}
	resp, sigs := h.dispatch(ctx, msg, prior, retried, received)
	code := verdict(&resp)
	if retried {
		h.retries.answered(group, code, sigs, received)
	}
	switch code {
	case http.StatusOK:
		h.log.Debug("webhook batch handled", "alerts", resp.Alerts, "accepted", resp.Accepted, "failed", resp.Failed, "group_key", msg.GroupKey)
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", h.retryAfter)
		if suppressed, ok := h.unavailableLog.allow(received); ok {
			h.log.Warn("scaler unavailable: answered 503 with Retry-After", "sender", from.name, "receiver", msg.Receiver,
				"retry", from.on503, "alerts", resp.Alerts, "failed", resp.Failed,
				"group_key", msg.GroupKey, "suppressed_since_last", suppressed)
		}
	default:
		h.log.Warn("webhook batch refused", "status", code, "reason", resp.Error, "alerts", resp.Alerts, "group_key", msg.GroupKey)
	}
	writeJSON(w, code, resp)
	return resp.Result
}

// groupOf names msg's notification stream, and says whether its sender
// retries it: AlertManager, whose notifications carry a group key.
func groupOf(msg *Message) (groupID, bool) {
	if senderOf(msg) != alertmanagerSender || msg.GroupKey == "" {
		return 0, false
	}
	return groupOfKey(msg.Receiver, msg.GroupKey), true
}

// dispatch maps every alert and hands the usable ones to the sink. prior
// holds the alerts of this group's notification AlertManager is retrying
// (retries.go). repeats says the sender is AlertManager (a group key),
// which repeats a firing alert (scaler.Signal.Repeats). It returns, beside
// the answer, each alert's instance (zero for one that made no signal).
func (h *Handler) dispatch(ctx context.Context, msg *Message, prior map[instance]time.Time, repeats bool, received time.Time) (Response, []instance) {
	resp := Response{Alerts: len(msg.Alerts), TruncatedAlerts: msg.TruncatedAlerts, Results: make([]AlertResult, len(msg.Alerts))}
	sigs := make([]instance, len(msg.Alerts))
	var seen map[dupKey]*AlertResult
	if len(msg.Alerts) > 1 {
		seen = make(map[dupKey]*AlertResult, len(msg.Alerts))
	}
	logged := 0
	for i := range msg.Alerts {
		a := &msg.Alerts[i]
		res := &resp.Results[i]
		res.Index, res.Status = i, a.Status
		res.Result = h.handleAlert(ctx, a, msg.Malformed[i], res, seen, prior, repeats, &sigs[i], received)
		if res.Result == alertInvalid && logged < invalidLogMax {
			logged++
			h.log.Warn("alert ignored", "index", i, "error", res.Error, "alertname", a.Labels["alertname"], "group_key", msg.GroupKey)
		}
		h.metrics.alerts.WithLabelValues(statusLabel(a.Status), res.Result).Inc()
	}
	return resp, sigs
}

// dupKey identifies an alert within a batch: the same alert may appear once
// firing and once resolved, but not twice with one status.
type dupKey struct {
	fingerprint string
	status      scaler.AlertStatus
}

// handleAlert fills res for one alert and returns its result. malformed is
// the alert's decoding error, if any (Message.Malformed). in is set to the
// alert's instance once it made a signal; one in prior is handed on with
// Signal.RetryOf.
func (h *Handler) handleAlert(ctx context.Context, a *template.Alert, malformed error, res *AlertResult,
	seen map[dupKey]*AlertResult, prior map[instance]time.Time, repeats bool, in *instance, received time.Time) string {
	if malformed != nil {
		res.Error = malformed.Error()
		// Name the function when its label did decode, so the operator
		// knows whose scaling the sender's bug cost.
		if ref, err := parseFunction(a.Labels[FunctionLabel], h.cfg.DefaultNamespace); err == nil {
			res.Function = ref.String()
		}
		return alertInvalid
	}
	gone := seriesGone(a)
	if gone {
		a = withoutLoad(a)
	}
	if why := missingData(a); why != "" && !gone {
		// Ahead of toSignal: such an alert without function_name, or of a
		// status Grafana may add one day, is still nothing to act on, not
		// an invalid alert that could turn its batch into a 400.
		res.Error = why
		if ref, err := parseFunction(a.Labels[FunctionLabel], h.cfg.DefaultNamespace); err == nil {
			res.Function = ref.String()
		}
		if suppressed, ok := h.noDataLog.allow(received); ok {
			h.log.Info("alert without data ignored: the periodic evaluation decides from the metrics source", "reason", why,
				"function", res.Function, "status", a.Status, "suppressed_since_last", suppressed)
		}
		return alertIgnored
	}
	sig, err := toSignal(a, h.cfg.DefaultNamespace, received)
	if err != nil {
		res.Error = err.Error()
		return alertInvalid
	}
	sig.NoSeries, sig.Repeats = gone, repeats
	res.Function, res.Fingerprint = sig.Ref.String(), sig.Fingerprint
	*in = instanceOf(&sig)
	sig.RetryOf = prior[*in]
	if seen != nil {
		key := dupKey{sig.Fingerprint, sig.Status}
		if first, dup := seen[key]; dup {
			if first.Result == alertError || first.Result == alertUnavailable {
				// A copy of an alert that was not taken was not taken
				// either: counted as a handled duplicate, it made a batch
				// whose only alert failed a 200.
				res.Error = fmt.Sprintf("a copy of alert %d, not taken: %s", first.Index, first.Error)
				return first.Result
			}
			return alertDuplicate
		}
		seen[key] = res
	}
	if err := ctx.Err(); err != nil {
		res.Error = "not handed on: " + context.Cause(ctx).Error()
		return alertUnavailable
	}
	switch err := h.cfg.Sink.Notify(ctx, sig); {
	case err == nil:
		return alertAccepted
	case errors.Is(err, scaler.ErrUnknownFunction):
		res.Error = err.Error()
		return alertUnknownFunction
	case errors.Is(err, scaler.ErrDisabled):
		res.Error = err.Error()
		return alertIgnored
	case errors.Is(err, scaler.ErrUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		res.Error = err.Error()
		return alertUnavailable
	default:
		res.Error = err.Error()
		h.log.Error("sink refused a signal", "function", res.Function, "error", err)
		return alertError
	}
}

// verdict counts the results and chooses the status code:
//   - 503 when some alert could not be handed on only because the sink is
//     unavailable, so AlertManager retries: it retries 5xx only, and after a
//     2xx it does not send an unchanged alert again before repeat_interval
//     (Grafana retries nothing; the periodic evaluation covers it).
//     Invalid or accepted alerts beside it do not cancel that retry (the
//     accepted ones come back with Signal.RetryOf, duplicates the scaler
//     recognises however late: retries.go);
//   - 400 when the batch had alerts and none was usable (all invalid): a
//     misconfigured rule shows up in the sender's log;
//   - 500 when nothing was accepted and the sink failed otherwise;
//   - 200 otherwise: the work was accepted (unknown functions, duplicates and
//     alerts ignored with the scaler off count as handled: retrying cannot
//     change them).
func verdict(resp *Response) int {
	var handled, invalid, unavailable, errs int
	for i := range resp.Results {
		switch resp.Results[i].Result {
		case alertAccepted:
			resp.Accepted++
			handled++
		case alertDuplicate, alertUnknownFunction, alertIgnored:
			handled++
		case alertInvalid:
			invalid++
		case alertUnavailable:
			unavailable++
		default:
			errs++
		}
	}
	resp.Failed = invalid + unavailable + errs
	switch {
	case unavailable > 0:
		resp.Result, resp.Error = reqUnavailable, "the scaler cannot act now; retry"
		return http.StatusServiceUnavailable
	case handled == 0 && invalid > 0 && unavailable == 0 && errs == 0:
		resp.Result, resp.Error = reqBadRequest, "no usable alert in the batch"
		return http.StatusBadRequest
	case handled == 0 && resp.Failed > 0:
		resp.Result, resp.Error = reqError, "no alert could be handed to the scaler"
		return http.StatusInternalServerError
	default:
		resp.Result = reqAccepted
		return http.StatusOK
	}
}

func (h *Handler) refuseAuth(w http.ResponseWriter, r *http.Request, reason string, now time.Time) {
	h.metrics.authFailures.WithLabelValues(reason).Inc()
	if suppressed, ok := h.authLog.allow(now); ok {
		h.log.Warn("webhook request refused: check the sender's credentials",
			"reason", reason, "hint", credentialsHint, "remote", r.RemoteAddr, "user_agent", r.UserAgent(),
			"suppressed_since_last", suppressed)
	}
	h.auth.current().challenge(w.Header())
	writeJSON(w, http.StatusUnauthorized, Response{Result: reqUnauthorized, Error: "unauthorized"})
}

// refuseTooLarge answers 413 and says so in the log. No sender retries a
// 413 (AlertManager retries 5xx only, Grafana nothing), and AlertManager
// sends the same group, as large, at every change and every
// repeat_interval: without a word here the only trace of the lost alerts was
// a counter, and the answer did not say how to make a batch fit.
func (h *Handler) refuseTooLarge(w http.ResponseWriter, r *http.Request) string {
	msg := fmt.Sprintf("body larger than %d bytes: %s", h.cfg.MaxBody, tooLargeRemedy)
	hint := "set max_alerts on the AlertManager webhook_config or Max Alerts on the Grafana webhook contact point, or group by function_name"
	if s := h.cfg.MaxBodySetting; s != "" {
		msg += ", or raise " + s
		hint += ", or raise " + s
	}
	h.log.Warn("webhook batch refused: too large", "limit", h.cfg.MaxBody, "content_length", r.ContentLength,
		"remote", r.RemoteAddr, "user_agent", r.UserAgent(), "hint", hint)
	writeJSON(w, http.StatusRequestEntityTooLarge, Response{Result: reqTooLarge, Error: msg})
	return reqTooLarge
}

// putBuf returns a body buffer to the pool unless a huge body grew it: the
// pool should not pin MaxBody-sized buffers forever after one big batch.
func (h *Handler) putBuf(b *bytes.Buffer) {
	if b.Cap() <= 256<<10 {
		h.bufs.Put(b)
	}
}

func statusLabel(s string) string {
	switch s {
	case string(scaler.Firing), string(scaler.Resolved):
		return s
	}
	return "invalid"
}

// unfinished says whether a body read failed in transit: the connection
// timed out (the server's ReadTimeout while the sender stalled) or ended
// before the body did. Anything else (a malformed chunked encoding) is
// the request's own fault.
func unfinished(err error) bool {
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF)
}
