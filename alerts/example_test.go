package alerts_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// printSink stands in for the scaler's reconcile loop.
type printSink struct{}

func (printSink) Notify(ctx context.Context, s scaler.Signal) error {
	fmt.Printf("signal: %s %s load=%v\n", s.Ref, s.Status, *s.Load)
	return nil
}

// Wiring the webhook: credentials from the OpenFaaS secret files, the
// controller's own registry, and the route AlertManager posts to.
func ExampleNewHandler() {
	secrets, _ := os.MkdirTemp("", "secrets")
	defer os.RemoveAll(secrets)
	_ = os.WriteFile(filepath.Join(secrets, "basic-auth-user"), []byte("admin\n"), 0o600)
	_ = os.WriteFile(filepath.Join(secrets, "basic-auth-password"), []byte("s3cret\n"), 0o600)

	user, password, err := alerts.LoadCredentials(secrets)
	if err != nil {
		fmt.Println(err)
		return
	}
	h, err := alerts.NewHandler(alerts.Config{
		Sink:       printSink{},
		Username:   user,
		Password:   password,
		Registerer: prometheus.NewRegistry(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle(alerts.Path, h)

	body := `{"version":"4","status":"firing","alerts":[{"status":"firing",` +
		`"labels":{"alertname":"FunctionLoadHigh","function_name":"figlet.openfaas-fn"},` +
		`"annotations":{"load":"412.5"},"startsAt":"2026-11-26T14:55:36Z","fingerprint":"04d28bd30b711a29"}]}`
	r := httptest.NewRequest(http.MethodPost, alerts.Path, strings.NewReader(body))
	r.SetBasicAuth("admin", "s3cret")
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// signal: figlet.openfaas-fn firing load=412.5
	// 200
}
