package alerts

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// Label and annotation keys read from each alert.
const (
	// FunctionLabel names the function, "name.namespace" or "name" (then the
	// default namespace), as the OpenFaaS gateway metrics label it.
	FunctionLabel = "function_name"
	// LoadAnnotation carries the load the alert rule observed, a plain decimal
	// or exponent float as Prometheus formats `{{ $value }}` ("412.5",
	// "1.5e+06"). Humanized values ("1.5k") are rejected. The generated rules
	// set it; alerts without it (OpenFaaS CE's APIHighInvocationRate) map to a
	// signal without load.
	LoadAnnotation = "load"
	// ScalingTypeLabel names the kind of load in LoadAnnotation; the
	// generated rules carry it.
	ScalingTypeLabel = "scaling_type"
	// DirectionLabel is the generated rules' way the alert asks to scale:
	// "up" or "down" (scaler.Signal.Down).
	DirectionLabel = "direction"
)

// toSignal maps one alert to a signal. It is pure: received is the time the
// batch arrived.
func toSignal(a *template.Alert, defaultNamespace string, received time.Time) (scaler.Signal, error) {
	var status scaler.AlertStatus
	switch a.Status {
	case string(scaler.Firing):
		status = scaler.Firing
	case string(scaler.Resolved):
		status = scaler.Resolved
	default:
		return scaler.Signal{}, fmt.Errorf("status %q: want firing or resolved", a.Status)
	}
	fn, ok := a.Labels[FunctionLabel]
	if !ok || strings.TrimSpace(fn) == "" {
		return scaler.Signal{}, fmt.Errorf("no %s label", FunctionLabel)
	}
	ref, err := parseFunction(fn, defaultNamespace)
	if err != nil {
		return scaler.Signal{}, err
	}
	s := scaler.Signal{
		Ref:         ref,
		Status:      status,
		AlertName:   a.Labels[string(model.AlertNameLabel)],
		ScalingType: a.Labels[ScalingTypeLabel],
		Fingerprint: a.Fingerprint,
		StartsAt:    a.StartsAt,
		Received:    received,
		Down:        a.Labels[DirectionLabel] == "down",
	}
	if v, ok := a.Annotations[LoadAnnotation]; ok {
		load, err := parseLoad(v)
		switch {
		case errors.Is(err, errLoadAboveMax):
			// A number, only larger than any load the webhook takes on
			// trust: the alert still triggers an evaluation, on the load
			// the loop reads itself (as a CE alert without the annotation
			// does). Refused whole, every generated alert of a custom load
			// in a large unit (bytes: 2 GiB reads 2.147483648e+09) was
			// answered 400 and lost.
		case err != nil:
			return scaler.Signal{}, err
		default:
			s.Load = &load
		}
	}
	if s.Fingerprint == "" {
		s.Fingerprint = labelsFingerprint(a.Labels)
	}
	return s, nil
}

// parseFunction splits function_name with provider.ParseRef and checks both
// parts against the characters OpenFaaS allows in names ([-a-zA-Z_0-9.]),
// since they end up in provider URLs and API paths.
func parseFunction(fn, defaultNamespace string) (provider.Ref, error) {
	ref, err := provider.ParseRef(fn, defaultNamespace)
	if err != nil {
		return provider.Ref{}, fmt.Errorf("%s %q: %w", FunctionLabel, fn, err)
	}
	if fn != strings.TrimSpace(fn) || !validName(ref.Name) || !validNamespace(ref.Namespace) {
		return provider.Ref{}, fmt.Errorf("%s %q: not a valid function name (want name.namespace of [-a-zA-Z0-9_.])", FunctionLabel, fn)
	}
	return ref, nil
}

// MaxLoad bounds the load annotation the webhook hands on. No function
// serves a billion requests a second (nor a billion queued messages or
// milli-CPUs); one alert with 1e308 once sent a function to its maximum
// (issue 15, item 6). A larger finite number is handed on without its load
// (a custom load may be in bytes), a non-number refused.
const MaxLoad = 1e9

// errLoadAboveMax is parseLoad's error for a finite load above MaxLoad.
var errLoadAboveMax = errors.New("load above MaxLoad")

func parseLoad(v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	switch {
	case err == nil && f > MaxLoad && !math.IsInf(f, 0):
		return 0, errLoadAboveMax
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0:
		return 0, fmt.Errorf("annotation %s %q: want a finite number in [0, %g]", LoadAnnotation, v, float64(MaxLoad))
	}
	return f, nil
}

// labelsFingerprint derives a stable fingerprint from the alert's labels when
// the sender gave none. It is the same FNV-64a over sorted labels that
// AlertManager uses, so a derived fingerprint equals the one AlertManager
// would have sent for the same labels.
func labelsFingerprint(labels template.KV) string {
	ls := make(model.LabelSet, len(labels))
	for k, v := range labels {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls.Fingerprint().String()
}

// validName reports whether s is a non-empty run of [-a-zA-Z0-9_.], the
// characters of the faas-provider routes, at most 253 long.
func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// validNamespace is validName: Kubernetes namespaces are a subset, and faasd
// namespaces (containerd) allow the same characters.
func validNamespace(s string) bool { return validName(s) }

// ValidNamespace reports whether s can be Config.DefaultNamespace (and a
// namespace in a function_name label): [-a-zA-Z0-9_.], at most 253
// characters.
func ValidNamespace(s string) bool { return validNamespace(s) }
