package openfaas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Client is a provider.Provider over the OpenFaaS REST API. It is safe for
// concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
	http *http.Client
	log  *slog.Logger
	rand func() float64
	// warnCE logs once that the provider is OpenFaaS CE; warnFaasd that it
	// is faasd (one replica per function).
	warnCE, warnFaasd sync.Once
	// auth is the basic auth sent (nil: none); replaced when the
	// credentials change (credentialsChanged).
	auth atomic.Pointer[basicAuth]
	// clock dates info; info caches whether the provider is faasd (faasd.go).
	clock clock.Clock
	info  infoCache
}

var _ provider.Provider = (*Client)(nil)

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, err := url.Parse(cfg.GatewayURL)
	if err != nil { // Validate parsed it already; kept for safety
		return nil, err
	}
	if base.Path == "" { // so joined paths, and the endpoints in errors, start with "/"
		base.Path, base.RawPath = "/", ""
	}
	cl := &Client{cfg: cfg, base: base, http: cfg.HTTPClient, log: cfg.Logger, rand: cfg.Rand, clock: cfg.Clock}
	if cl.clock == nil {
		cl.clock = clock.Real()
	}
	if cl.http == nil {
		t := http.DefaultTransport.(*http.Transport).Clone() // proxy from the environment, dial and TLS timeouts
		t.MaxIdleConnsPerHost = cfg.IdleConns
		t.MaxIdleConns = max(t.MaxIdleConns, cfg.IdleConns)
		cl.http = &http.Client{Transport: t}
	}
	cl.http = noRedirects(cl.http)
	if cl.log == nil {
		cl.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cl.rand == nil {
		cl.rand = defaultRand
	}
	if cfg.Username != "" {
		cl.auth.Store(&basicAuth{user: cfg.Username, pass: cfg.Password})
	}
	return cl, nil
}

// noRedirects returns a copy of hc that follows no redirect: the 3xx is
// the reply, which attempt reports as a redirectError naming its
// Location. Followed, a scale's POST became a GET without its body (a
// sign-in page's 200 read as a scale that landed), and net/http sent the
// basic auth on to the same host over plain http. A copy, so that an
// http.Client the caller passed (Config.HTTPClient) is left as it is.
func noRedirects(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// Namespaces lists the provider's function namespaces, sorted. A provider
// without the namespaces route (404/501) or with an empty list has one
// namespace: Config.DefaultNamespace.
func (cl *Client) Namespaces(ctx context.Context) ([]string, error) {
	c := call{op: OpNamespaces, method: http.MethodGet, path: []string{"system", "namespaces"}}
	r, err := cl.do(ctx, c)
	if err != nil {
		return nil, err
	}
	switch r.status {
	case http.StatusNotFound, http.StatusNotImplemented:
		return []string{cl.cfg.DefaultNamespace}, nil
	}
	if !success(r.status) {
		return nil, statusError(c, r)
	}
	var nss []string
	if err := decode(c, r, &nss); err != nil {
		return nil, err
	}
	nss = slices.DeleteFunc(nss, func(s string) bool { return s == "" })
	if len(nss) == 0 {
		return []string{cl.cfg.DefaultNamespace}, nil
	}
	slices.Sort(nss)
	return slices.Compact(nss), nil
}

// Functions lists the functions of one namespace ("" = DefaultNamespace).
// On faasd, whose listing leaves availableReplicas out, an absent count is
// the replicas, as its single read reports it (faasdListing).
func (cl *Client) Functions(ctx context.Context, namespace string) ([]provider.Function, error) {
	fns, err := cl.functions(ctx, namespace)
	if err != nil {
		cl.forgetProviderInfo()
	}
	return fns, err
}

func (cl *Client) functions(ctx context.Context, namespace string) ([]provider.Function, error) {
	if namespace == "" {
		namespace = cl.cfg.DefaultNamespace
	}
	if err := checkName("namespace", namespace); err != nil {
		return nil, err
	}
	c := call{
		op: OpFunctions, ref: provider.Ref{Namespace: namespace},
		method: http.MethodGet, path: []string{"system", "functions"},
		query: url.Values{"namespace": {namespace}},
	}
	faasd := cl.faasdListing(ctx)
	var out []provider.Function
	c.stream = func(body io.Reader) error {
		out = out[:0]
		return decodeList(body, func(s functionStatus) error {
			if s.Name == "" {
				return errNoName
			}
			if faasd && !s.AvailableReplicas.set {
				s.AvailableReplicas = optCount{n: s.Replicas, set: true} // a present 0 stays 0
			}
			out = append(out, s.toFunction(namespace))
			return nil
		})
	}
	r, err := cl.do(ctx, c)
	if err != nil {
		return nil, err
	}
	if r.status == http.StatusNotFound {
		// Every provider serves the listing (a namespace it does not
		// manage is a 400), so a 404 is a gateway URL that does not lead
		// to the API, a path prefix missing or wrong. Namespaces took its
		// 404 for an older provider, so this is the operator's one clue:
		// it shows the URL asked.
		return nil, fmt.Errorf("%w (%s: no such route; the gateway URL %s does not lead to the OpenFaaS API: want the gateway's or the provider's base URL, such as http://gateway.openfaas:8080/)",
			statusError(c, r), r.endpoint, cl.cfg.GatewayURL)
	}
	if !success(r.status) {
		return nil, statusError(c, r)
	}
	switch {
	case errors.Is(r.streamErr, errNoName):
		return nil, fmt.Errorf("openfaas %s %s: %s listed a function without a name", c.op, target(c.op, c.ref), r.endpoint)
	case r.streamErr != nil:
		return nil, fmt.Errorf("openfaas %s %s: %s answered %d with a body that is not the expected JSON (%v): %q",
			c.op, target(c.op, c.ref), r.endpoint, r.status, r.streamErr, errorBody(r.body))
	}
	return out, nil
}

var errNoName = errors.New("a function without a name")

// decodeList decodes a JSON array of function statuses one element at a
// time, handing each to add; null is an empty list, as json.Unmarshal
// reads it. Only one element is decoded at a time, never the whole body.
func decodeList(r io.Reader, add func(functionStatus) error) error {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err == io.EOF {
		// An empty body: the error said only "EOF".
		return errors.New("an empty body, no JSON value")
	}
	if err != nil {
		return err
	}
	if tok == nil { // null
		return trailing(dec)
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("want a JSON array, got %v", tok)
	}
	for dec.More() {
		var s functionStatus
		if err := dec.Decode(&s); err != nil {
			return err
		}
		if err := add(s); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // ]
		return err
	}
	return trailing(dec)
}

// trailing refuses anything but white space after the value, as
// json.Unmarshal does.
func trailing(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}

// Function reads one function. A 404 is provider.ErrNotFound (wrapped in a
// *StatusError naming the function).
func (cl *Client) Function(ctx context.Context, ref provider.Ref) (provider.Function, error) {
	ref, err := cl.checkRef(ref)
	if err != nil {
		return provider.Function{}, err
	}
	c := call{
		op: OpFunction, ref: ref,
		method: http.MethodGet, path: []string{"system", "function", ref.Name},
		query: url.Values{"namespace": {ref.Namespace}},
	}
	r, err := cl.do(ctx, c)
	if err != nil {
		return provider.Function{}, err
	}
	if !success(r.status) {
		return provider.Function{}, statusError(c, r)
	}
	var s functionStatus
	if err := decode(c, r, &s); err != nil {
		return provider.Function{}, err
	}
	if s.Name == "" {
		// An empty object would otherwise read as "exists, zero replicas".
		return provider.Function{}, fmt.Errorf("openfaas %s %s: %s answered without a function name", c.op, target(c.op, c.ref), r.endpoint)
	}
	return s.toFunction(ref.Namespace), nil
}

// Scale sets the desired replicas. Any 2xx is success (faas-netes answers
// 202, faasd 200). A 400 refusing the request (see refusal) is a
// *provider.RefusedError carrying the provider's message (OpenFaaS CE and
// faasd refuse 0; faas-netes refuses a namespace it does not manage); any
// other 400 (faasd failing to start a task) a *StatusError; 404 is provider.ErrNotFound, and so is faas-netes' 500
// for a Deployment it cannot find once a read confirms it (gone.go); 401/403 are
// provider.ErrUnauthorized. A count above MaxInt32 is refused before
// sending: faas-netes would wrap it into its int32 spec.replicas. So is 0
// on OpenFaaS CE (see communityEdition), whose gateway answers success
// while keeping one replica; a count above CE's cap of 5 is sent as 5 and
// then reported refused (see ceLimit).
//
// The request is sent once, never retried, unlike reads. An absolute count
// is not safe to repeat: after a 5xx or a transport error it may have
// landed, and the count may have changed since (the gateway's scale-from-zero
// waking the function 0→1); the same count sent again would undo that, and
// provider.ScaleIf's compare, made before the first attempt, would not hold
// for it. The error goes back to the caller: the actuator backs the function
// off and re-decides on a fresh read.
func (cl *Client) Scale(ctx context.Context, ref provider.Ref, replicas uint64) error {
	ref, err := cl.checkRef(ref)
	if err != nil {
		return err
	}
	if replicas > math.MaxInt32 {
		// faas-netes stores the count in an int32 spec.replicas and converts
		// it with int32() after its zero check: 2^32 would wrap to 0 and
		// scale the function to zero, 2^31 to a negative count.
		return &provider.RefusedError{Ref: ref, Replicas: replicas, Message: fmt.Sprintf(
			"OpenFaaS providers keep replica counts in an int32 (max %d); refused before sending", math.MaxInt32)}
	}
	send, capped := cl.ceLimit(ctx, ref, replicas)
	if capped != nil && send == 0 {
		return capped // zero on CE: refused before sending
	}
	body, err := json.Marshal(scaleRequest{ServiceName: ref.Name, Namespace: ref.Namespace, Replicas: send})
	if err != nil {
		return err
	}
	c := call{
		op: OpScale, ref: ref,
		method: http.MethodPost, path: []string{"system", "scale-function", ref.Name},
		query: url.Values{"namespace": {ref.Namespace}},
		body:  body,
		once:  true,
		// Only the status of a 2xx is used: a body that stalls after it
		// must not turn a scale that landed into a failure.
		statusOnly: true,
	}
	r, err := cl.do(ctx, c)
	if err != nil {
		return err
	}
	switch {
	case success(r.status) && capped != nil:
		return capped // the CE cap landed; the count asked for did not
	case success(r.status):
		return nil
	case r.status == http.StatusBadRequest && refusal(errorBody(r.body)):
		msg := errorBody(r.body)
		if msg == "" {
			msg = "HTTP 400 " + http.StatusText(http.StatusBadRequest)
		}
		return &provider.RefusedError{Ref: ref, Replicas: replicas, Status: r.status, Message: msg}
	case r.status == http.StatusNotFound && !faasdServiceNotFound(ref, r) && !cl.goneAfterScale(ctx, ref):
		// A 404 that is not the function missing: faasd answers one when
		// it fails to pause a task or load its container, for a function
		// that is there (an ordinary failure, not "gone").
		err := statusError(c, r)
		if e, ok := err.(*StatusError); ok {
			e.kind = nil
		}
		return err
	case scaleLookupFailed(ref, r) && cl.goneAfterScale(ctx, ref):
		// Deleted since it was read: the 500 keeps its status and body,
		// and unwraps to provider.ErrNotFound as a 404 would.
		err := statusError(c, r)
		if e, ok := err.(*StatusError); ok {
			e.kind = provider.ErrNotFound
		}
		return err
	default:
		return statusError(c, r)
	}
}

// refusal reports whether a 400's body to a scale refuses the request
// itself, so that the same count cannot succeed later: the count
// ("replicas cannot be set to 0 in OpenFaaS CE", faasd's "replicas must >
// 0"), the namespace (faas-netes' "namespace must be: …", faasd's
// "namespace … is not valid") or the body ("cannot parse request"); an
// empty body too. faasd also answers 400 when containerd fails to start,
// resume or delete the function's task ("unable to start task: …: context
// deadline exceeded"), a failure of that moment: read as a refusal it was
// held off for actuator.refused_backoff (an hour), the function left at 0
// meanwhile; as an error it is retried after the failure back-off. Such a
// failure names the task and carries containerd's and runc's own words,
// which may be any of those above ("open …/log.json: no such file", "failed
// to unshare remaining namespaces"): a body that names a task is a
// failure of the moment whatever else it says.
func refusal(body string) bool {
	b := strings.ToLower(body)
	if b == "" {
		return true
	}
	if strings.Contains(b, "task") {
		return false
	}
	for _, w := range []string{"replicas", "namespace", "parse", "json", "decode"} {
		if strings.Contains(b, w) {
			return true
		}
	}
	return false
}

// checkRef fills in the default namespace and refuses names that are not
// valid route segments.
func (cl *Client) checkRef(ref provider.Ref) (provider.Ref, error) {
	if ref.Namespace == "" {
		ref.Namespace = cl.cfg.DefaultNamespace
	}
	if err := checkName("function name", ref.Name); err != nil {
		return ref, err
	}
	if err := checkName("namespace", ref.Namespace); err != nil {
		return ref, err
	}
	return ref, nil
}

func success(status int) bool { return status >= 200 && status < 300 }

// statusError maps a non-success reply to a *StatusError, with the sentinel
// the status means.
func statusError(c call, r reply) error {
	e := &StatusError{Op: c.op, Ref: c.ref, Status: r.status, Body: errorBody(r.body), Attempts: r.attempts}
	switch r.status {
	case http.StatusUnauthorized, http.StatusForbidden:
		e.kind = provider.ErrUnauthorized
	case http.StatusNotFound:
		if c.op == OpFunction || c.op == OpScale { // a 404 on a list is not a missing function
			e.kind = provider.ErrNotFound
		}
	}
	return e
}
