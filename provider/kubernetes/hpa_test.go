package kubernetes

import (
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// newHPA is a HorizontalPodAutoscaler scaling target (kind, apiVersion,
// name), as a user or KEDA (keda-hpa-<ScaledObject>) writes it.
func newHPA(ns, name, kind, apiVersion, target string) *autoscalingv1.HorizontalPodAutoscaler {
	one := int32(1)
	return &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, ResourceVersion: "1"},
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{Kind: kind, APIVersion: apiVersion, Name: target},
			MinReplicas:    &one,
			MaxReplicas:    10,
		},
	}
}

var hpasGVR = schema.GroupVersionResource{Group: "autoscaling", Version: "v1", Resource: "horizontalpodautoscalers"}

// listedNames is Functions' names, sorted as Functions returns them.
func listedNames(t *testing.T, p *Provider, ns string) []string {
	t.Helper()
	fns, err := p.Functions(t.Context(), ns)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, fn := range fns {
		names = append(names, fn.Name)
	}
	return names
}

// A function whose Deployment a HorizontalPodAutoscaler scales (written by
// hand, or by KEDA for a ScaledObject) has two writers of spec.replicas:
// they would fight. The provider leaves it out of the listing, with one WARN
// naming the HPA however often it is listed, and refuses writes to it; an
// HPA of another Deployment, or of another kind of object named like the
// function, changes nothing. When the HPA goes, the function comes back.
//
// Seen failing before the change: function names (-want +got):
// []string{+ "echo", "queue", "resize"} (the HPA's target was listed).
func TestHPATargetIsLeftOutAndRefused(t *testing.T) {
	f := newFakeCluster(
		newDeployment(fnNS, "echo", withReplicas(2, 2)),
		newDeployment(fnNS, "resize"),
		newDeployment(fnNS, "queue"),
		newHPA(fnNS, "keda-hpa-echo", "Deployment", "apps/v1", "echo"),
		newHPA(fnNS, "nginx", "Deployment", "apps/v1", "nginx"),            // not a function
		newHPA(fnNS, "queue-sts", "StatefulSet", "apps/v1", "queue"),       // another kind
		newHPA("dev", "resize", "Deployment", "apps/v1", "resize"),         // another namespace
		newHPA(fnNS, "queue-crd", "Deployment", "example.com/v1", "queue"), // another group's Deployment kind
	)
	var logs teststack.SyncBuffer
	p := startFake(t, f, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	ref := provider.Ref{Name: "echo", Namespace: fnNS}
	for range 3 { // the scaler lists at every pass
		if diff := cmp.Diff([]string{"queue", "resize"}, listedNames(t, p, fnNS)); diff != "" {
			t.Fatalf("function names (-want +got):\n%s", diff)
		}
	}
	out := logs.String()
	want := `level=WARN msg="function left out of the listing: a HorizontalPodAutoscaler scales its Deployment`
	if n := strings.Count(out, "level=WARN"); n != 1 || !strings.Contains(out, want) ||
		!strings.Contains(out, "function=echo.openfaas-fn") || !strings.Contains(out, "hpa=keda-hpa-echo") {
		t.Errorf("log after 3 listings:\n%s\nwant one WARN %q naming function=echo.openfaas-fn and hpa=keda-hpa-echo", out, want)
	}

	var refused *provider.RefusedError
	if err := p.Scale(t.Context(), ref, 5); !errors.As(err, &refused) || !strings.Contains(err.Error(), "keda-hpa-echo") {
		t.Errorf("Scale of a Deployment an HPA scales = %v; want a *provider.RefusedError naming the HPA", err)
	}
	if err := p.ScaleFrom(t.Context(), ref, 2, 0); !errors.As(err, &refused) {
		t.Errorf("ScaleFrom of a Deployment an HPA scales = %v; want a *provider.RefusedError", err)
	}
	if _, updates := f.counts(); updates != 0 {
		t.Errorf("%d scale writes reached the server; want none", updates)
	}
	if err := p.Scale(t.Context(), provider.Ref{Name: "queue", Namespace: fnNS}, 2); err != nil {
		t.Errorf("Scale of a function no HPA scales: %v", err)
	}

	// The HPA deleted (the ScaledObject removed): the function is back.
	if err := f.Tracker().Delete(hpasGVR, fnNS, "keda-hpa-echo"); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 10*time.Second, "echo listed again", func() bool {
		return cmp.Equal([]string{"echo", "queue", "resize"}, listedNames(t, p, fnNS))
	}, func() string { return strings.Join(listedNames(t, p, fnNS), ",") })
	if err := p.Scale(t.Context(), ref, 5); err != nil {
		t.Errorf("Scale after the HPA was deleted: %v", err)
	}
	if out := logs.String(); !strings.Contains(out, `level=INFO msg="function back in the listing`) {
		t.Errorf("no INFO saying the function is back:\n%s", out)
	}

	// An HPA created later takes it out again, and it is warned about again.
	if err := f.Tracker().Add(newHPA(fnNS, "echo", "Deployment", "apps/v1", "echo")); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 10*time.Second, "echo left out again", func() bool {
		return cmp.Equal([]string{"queue", "resize"}, listedNames(t, p, fnNS))
	})
	if n := strings.Count(logs.String(), "level=WARN"); n != 2 {
		t.Errorf("%d WARN lines after a second HPA appeared; want 2:\n%s", n, logs.String())
	}
}

// Without the right to list HorizontalPodAutoscalers (RBAC from before this
// check) or without the API, the provider works as before and says once
// that it cannot detect an HPA scaling a function.
//
// Seen failing before the change (both cases): log: <INFO lines only>
// want exactly one WARN "level=WARN msg=\"cannot list HorizontalPodAutoscalers".
func TestHPAListRefusedLeavesDetectionOff(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"forbidden", apierrors.NewForbidden(schema.GroupResource{Group: "autoscaling", Resource: "horizontalpodautoscalers"}, "", errors.New("RBAC: no rule"))},
		{"API missing", apierrors.NewNotFound(schema.GroupResource{Group: "autoscaling", Resource: "horizontalpodautoscalers"}, "")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeCluster(newDeployment(fnNS, "echo"), newHPA(fnNS, "echo", "Deployment", "apps/v1", "echo"))
			f.PrependReactor("list", "horizontalpodautoscalers", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, tc.err
			})
			var logs teststack.SyncBuffer
			p := startFake(t, f, func(c *Config) {
				c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
			})
			for range 3 {
				if diff := cmp.Diff([]string{"echo"}, listedNames(t, p, fnNS)); diff != "" {
					t.Fatalf("function names (-want +got):\n%s", diff)
				}
			}
			if err := p.Scale(t.Context(), provider.Ref{Name: "echo", Namespace: fnNS}, 3); err != nil {
				t.Errorf("Scale: %v", err)
			}
			out := logs.String()
			want := `level=WARN msg="cannot list HorizontalPodAutoscalers`
			if n := strings.Count(out, "level=WARN"); n != 1 || !strings.Contains(out, want) {
				t.Errorf("log:\n%s\nwant exactly one WARN %q", out, want)
			}
			// The fix it names is the chart's Role: list and watch, the
			// informer's verbs, and no get, which nothing here calls.
			if fix := "grant list and watch on horizontalpodautoscalers"; !strings.Contains(out, fix) {
				t.Errorf("log:\n%s\nwant the WARN to say %q (least privilege, as the chart's Role)", out, fix)
			}
		})
	}
}

// HPAs refused after they were listed (the RBAC taken back at run time)
// leave the cache as last listed: one WARN per distinct failure while the
// informer retries, not one per retry, and no claim that detection is on.
func TestHPARefusedAfterSyncWarnsOnce(t *testing.T) {
	f := newFakeCluster(newDeployment(fnNS, "echo"), newHPA(fnNS, "echo", "Deployment", "apps/v1", "echo"))
	var logs teststack.SyncBuffer
	p := startFake(t, f, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	forbidden := apierrors.NewForbidden(schema.GroupResource{Group: "autoscaling", Resource: "horizontalpodautoscalers"}, "", errors.New("RBAC: no rule"))
	for range 3 {
		p.hpaWatchError(fnNS)(t.Context(), nil, forbidden)
		if got := listedNames(t, p, fnNS); len(got) != 0 {
			t.Fatalf("Functions = %v; want none (the last listed HPA scales echo)", got)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 2 || // echo left out, and the failure
		!strings.Contains(out, `level=WARN msg="horizontalpodautoscaler list/watch failed; the informer retries"`) ||
		strings.Contains(out, "HorizontalPodAutoscalers listed") {
		t.Errorf("log:\n%s\nwant 2 WARN lines: echo left out, and one list/watch failure", out)
	}
}

// RBAC granted after start turns detection on without a restart: the HPA
// informer keeps retrying the refused list.
func TestHPAListGrantedLaterTurnsDetectionOn(t *testing.T) {
	f := newFakeCluster(newDeployment(fnNS, "echo"), newHPA(fnNS, "keda-hpa-echo", "Deployment", "apps/v1", "echo"))
	var refusals atomic.Int32
	f.PrependReactor("list", "horizontalpodautoscalers", func(k8stesting.Action) (bool, runtime.Object, error) {
		if refusals.Add(1) > 1 {
			return false, nil, nil // the Role now allows it
		}
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "autoscaling", Resource: "horizontalpodautoscalers"}, "", errors.New("RBAC: no rule"))
	})
	var logs teststack.SyncBuffer
	p := startFake(t, f, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	if got := listedNames(t, p, fnNS); !cmp.Equal(got, []string{"echo"}) && !cmp.Equal(got, []string{}) {
		t.Fatalf("Functions = %v", got)
	}
	testenv.WaitFor(t, 10*time.Second, "echo left out once HPAs can be listed", func() bool {
		return len(listedNames(t, p, fnNS)) == 0
	})
	out := logs.String()
	for _, want := range []string{`level=WARN msg="cannot list HorizontalPodAutoscalers`, `level=INFO msg="HorizontalPodAutoscalers listed`, "hpa=keda-hpa-echo"} {
		if !strings.Contains(out, want) {
			t.Errorf("log:\n%s\nwant %q", out, want)
		}
	}
}

// Function answers for a function an HPA scales as Functions does: it is
// not the controller's, so provider.ErrNotFound, naming the HPA. It used to
// return the function, so an alert for it (or a read from before the HPA
// appeared) went on to a decision and a write the provider then refused:
// the actuator held that count off as "provider refused", the idler worded
// it "provider refused zero", and the explain output showed a refusal
// history for a function the listing does not have. Not found, the scaler
// forgets it as the next listing would, and nothing reaches the actuator.
// Scale and ScaleFrom still refuse it, for a caller holding an older read.
//
// Seen failing before the change: "Function(echo.openfaas-fn) of a
// Deployment an HPA scales = {echo, 2 replicas}, <nil>; want
// provider.ErrNotFound naming keda-hpa-echo".
func TestFunctionOfHPATargetIsNotFound(t *testing.T) {
	f := newFakeCluster(
		newDeployment(fnNS, "echo", withReplicas(2, 2)),
		newDeployment(fnNS, "queue"),
		newHPA(fnNS, "keda-hpa-echo", "Deployment", "apps/v1", "echo"),
	)
	p := startFake(t, f)
	ref := provider.Ref{Name: "echo", Namespace: fnNS}
	fn, err := p.Function(t.Context(), ref)
	if !errors.Is(err, provider.ErrNotFound) || !strings.Contains(err.Error(), "keda-hpa-echo") {
		t.Fatalf("Function(%s) of a Deployment an HPA scales = {%s, %d replicas}, %v; want provider.ErrNotFound naming keda-hpa-echo",
			ref, fn.Name, fn.Replicas, err)
	}
	if got := provider.Result(err); got != provider.ResultNotFound {
		t.Errorf("Result = %q, want %q", got, provider.ResultNotFound)
	}
	var refused *provider.RefusedError
	if err := p.ScaleFrom(t.Context(), ref, 2, 0); !errors.As(err, &refused) {
		t.Errorf("ScaleFrom = %v; want still a *provider.RefusedError", err)
	}
	if fn, err := p.Function(t.Context(), provider.Ref{Name: "queue", Namespace: fnNS}); err != nil || fn.Name != "queue" {
		t.Errorf("Function(queue), no HPA = %+v, %v", fn, err)
	}

	// The HPA deleted: the function reads again, as it lists again.
	if err := f.Tracker().Delete(hpasGVR, fnNS, "keda-hpa-echo"); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 10*time.Second, "echo readable again", func() bool {
		fn, err := p.Function(t.Context(), ref)
		return err == nil && fn.Replicas == 2
	})
}
