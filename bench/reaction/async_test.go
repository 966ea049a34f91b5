package reaction

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/e2e"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// EnvAsync runs TestAsyncDrain (FAAS_ASYNC_BENCH=1 make bench-async-drain);
// it is a measurement, not part of `make test`.
const EnvAsync = "FAAS_ASYNC_BENCH"

// The drain of the issue: 5,000 messages of 100 ms each, a replica running
// 10 at once (100 messages/s per replica), published at once.
const (
	drainMessages = 5000
	drainDuration = 100 * time.Millisecond
	drainPerRep   = 10
)

// TestAsyncDrain measures the time from the first publish to the last
// message executed: OpenFaaS CE as shipped (its rps alert on the invocations
// the queue worker makes through the gateway, +1 replica per alert up to 5,
// starting from its minimum 1 since CE cannot run at zero) against
// faas-autoscaler's queue type from zero (recommended 1 s setting, default
// max 20). Both run on the same stack: real NATS, Prometheus, AlertManager.
func TestAsyncDrain(t *testing.T) {
	if os.Getenv(EnvAsync) != "1" {
		t.Skipf("set %s=1 to measure (about 2 minutes)", EnvAsync)
	}
	bin, err := e2e.BuildController(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	settings := Settings()
	ce, ourSetting := settings[0], settings[1]
	ceTime := drain(t, ce.Options(bin), provider.Function{Ref: provider.Ref{Name: "ce-drain", Namespace: "openfaas-fn"}, Replicas: 1})
	ourFn := provider.Function{Ref: provider.Ref{Name: "our-drain", Namespace: "openfaas-fn"},
		Labels: map[string]string{"com.openfaas.scale.type": "queue", "com.openfaas.scale.min": "1"}}
	ourTime := drain(t, ourSetting.Options(bin), ourFn)
	t.Logf("BENCH async drain of %d × %s (%d per replica): CE as shipped %s; faas-autoscaler from zero %s; %.1f× faster",
		drainMessages, drainDuration, drainPerRep, ceTime.Round(100*time.Millisecond), ourTime.Round(100*time.Millisecond),
		ceTime.Seconds()/ourTime.Seconds())
}

func drain(t *testing.T, o e2e.Options, fn provider.Function) time.Duration {
	t.Helper()
	o.Async, o.Functions = true, []provider.Function{fn}
	st := e2e.Start(t, o)
	st.AsyncFunction(t, fn, drainDuration, drainPerRep)
	start := time.Now()
	st.Publish(t, fn.Ref, drainMessages, 32)
	e2e.Eventually(t, 10*time.Minute, fn.Ref.String()+" drained", func() (bool, string) {
		exec, _ := st.Async.Executed()
		return len(exec) == drainMessages, fmt.Sprintf("%d of %d; %s", len(exec), drainMessages, st.Describe(fn.Ref))
	})
	d := time.Since(start)
	t.Logf("%s: drained in %s; %s", fn.Ref, d.Round(100*time.Millisecond), st.Describe(fn.Ref))
	return d
}
