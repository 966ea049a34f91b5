package prometheus

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestDuplicatedGatewayWarned: the first load read runs the duplicate
// check and WARNs naming each duplicated instance with its jobs, and an
// instance whose series come twice within one job; load reads within
// DuplicateCheck run no further check; the next one after it does. A
// gateway scraped once is not named.
func TestDuplicatedGatewayWarned(t *testing.T) {
	var dupAsked atomic.Int32
	src, _ := fakeProm(t, func(q string) (int, string) {
		if q != duplicatesQuery() {
			return 200, vector(`{"metric":{"function_name":"fn"},"value":[1700000000,"1"]}`)
		}
		dupAsked.Add(1)
		return 200, vector(
			`{"metric":{"instance":"10.0.0.5:8082","job":"openfaas-pods","dup":"jobs"},"value":[1700000000,"1"]}`,
			`{"metric":{"instance":"10.0.0.5:8082","job":"podmonitor/openfaas/gateway","dup":"jobs"},"value":[1700000000,"1"]}`,
			`{"metric":{"instance":"10.0.0.7:8082","job":"openfaas-pods","dup":"copies"},"value":[1700000000,"1"]}`)
	})
	src.cfg.DuplicateCheck = DefaultDuplicateCheck
	var mu sync.Mutex
	var logs bytes.Buffer
	src.log = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	now := time.Unix(1700000000, 0)
	src.now = func() time.Time { return now }
	q := metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute}
	for range 3 {
		if _, err := src.Load(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	if n := dupAsked.Load(); n != 1 {
		t.Fatalf("duplicate check ran %d times in 3 loads at one time, want 1", n)
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	for _, want := range []string{
		`10.0.0.5:8082: openfaas-pods, podmonitor/openfaas/gateway`,
		`10.0.0.7:8082 (job openfaas-pods)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the WARNs do not name %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "level=WARN"); n != 2 {
		t.Errorf("%d WARN lines, want 2 (jobs, copies):\n%s", n, out)
	}
	now = now.Add(DefaultDuplicateCheck - time.Second)
	_, _ = src.Load(context.Background(), q)
	if n := dupAsked.Load(); n != 1 {
		t.Fatalf("duplicate check ran again %s after the first", DefaultDuplicateCheck-time.Second)
	}
	now = now.Add(time.Second)
	_, _ = src.Load(context.Background(), q)
	if n := dupAsked.Load(); n != 2 {
		t.Fatalf("duplicate check did not run again %s after the first", DefaultDuplicateCheck)
	}
}

// TestDuplicateCheckOff: DuplicateCheck 0 runs no check, and a negative
// one is refused naming the setting.
func TestDuplicateCheckOff(t *testing.T) {
	var asked atomic.Int32
	src, _ := fakeProm(t, func(q string) (int, string) {
		if q == duplicatesQuery() {
			asked.Add(1)
		}
		return 200, vector()
	})
	if _, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if asked.Load() != 0 {
		t.Fatal("duplicate check ran with DuplicateCheck 0")
	}
	cfg := DefaultConfig()
	cfg.URL = "http://prometheus:9090"
	cfg.DuplicateCheck = -time.Second
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "prometheus duplicate check") {
		t.Fatalf("Validate() = %v, want an error naming the duplicate check", err)
	}
}
