package controller

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// providerNote is a wiring's own explain section (the Kubernetes
// provider's "kubernetes": a Deployment paused before its first rollout).
type providerNote struct{}

func (providerNote) Name() string { return "kubernetes" }
func (providerNote) Explain(ref provider.Ref) (any, bool) {
	return map[string]string{"deployment": ref.Name}, true
}

// The Kubernetes provider explains what stops a function's pods (a
// Deployment created paused), but the controller knows only the
// instrumented provider it is given and served the actuator's and the
// idler's sections alone, so that note never reached the explain API. A
// section the wiring passes in Deps.Sections is served beside them.
func TestWiringSectionsAreServed(t *testing.T) {
	mem := memory.New(clock.Real(), memory.Options{ColdStart: time.Second})
	ec := embedded.DefaultConfig()
	ec.Fetch = func(context.Context) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("")), nil }
	src, err := embedded.New(ec)
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := New(testConfig(), Wiring{}, Deps{Provider: mem, Source: src, Sections: []explain.Section{providerNote{}}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range ctl.Sections() {
		names = append(names, s.Name())
	}
	for _, s := range ctl.Sections() {
		if s.Name() == "kubernetes" {
			return
		}
	}
	t.Errorf("controller sections %v: the wiring's \"kubernetes\" section is not among them", names)
}
