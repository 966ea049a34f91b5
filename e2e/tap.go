package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"
)

// TapAlert is the part of one delivered alert the scenarios look at.
type TapAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// Function is the alert's function_name label.
func (a TapAlert) Function() string { return a.Labels["function_name"] }

// Name is the alert's alertname label.
func (a TapAlert) Name() string { return a.Labels["alertname"] }

// Delivery is one webhook request AlertManager made, as the tap saw it: the
// decoded batch and the controller's answer.
type Delivery struct {
	At     time.Time // when the request arrived, before it was forwarded
	Status int       // the controller's HTTP status
	Alerts []TapAlert
}

// Tap sits between AlertManager and the controller's /system/alert: it
// forwards every request unchanged (credentials included) and records what
// was delivered and how the controller answered, so scenarios can assert on
// real AlertManager traffic without trusting the controller's own account.
type Tap struct {
	srv *httptest.Server

	mu         sync.Mutex
	deliveries []Delivery
	notify     []func(Delivery)
}

func newTap(t testing.TB, controllerURL string) *Tap {
	t.Helper()
	target, err := url.Parse(controllerURL)
	if err != nil {
		t.Fatalf("tap: %v", err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	tp := &Tap{}
	tp.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		proxy.ServeHTTP(rec, r)
		var msg struct {
			Alerts []TapAlert `json:"alerts"`
		}
		_ = json.Unmarshal(body, &msg) // an undecodable body is recorded with no alerts
		d := Delivery{At: arrived, Status: rec.status, Alerts: msg.Alerts}
		tp.mu.Lock()
		tp.deliveries = append(tp.deliveries, d)
		hooks := append([]func(Delivery){}, tp.notify...)
		tp.mu.Unlock()
		for _, h := range hooks {
			h(d)
		}
	}))
	t.Cleanup(tp.srv.Close)
	return tp
}

// URL is the tap's base URL; AlertManager posts to URL()+"/system/alert".
func (tp *Tap) URL() string { return tp.srv.URL }

// Deliveries returns a copy of everything recorded so far.
func (tp *Tap) Deliveries() []Delivery {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return append([]Delivery(nil), tp.deliveries...)
}

// OnDelivery registers f to be called after each delivery (from the tap's
// handler goroutine).
func (tp *Tap) OnDelivery(f func(Delivery)) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.notify = append(tp.notify, f)
}

// Find returns the deliveries holding an alert for which match is true.
func (tp *Tap) Find(match func(TapAlert) bool) []Delivery {
	var out []Delivery
	for _, d := range tp.Deliveries() {
		for _, a := range d.Alerts {
			if match(a) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// AlertFor matches alerts of one function with the given status and, when
// name is not empty, alertname.
func AlertFor(function, status, name string) func(TapAlert) bool {
	return func(a TapAlert) bool {
		return a.Function() == function && a.Status == status && (name == "" || a.Name() == name)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
