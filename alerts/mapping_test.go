package alerts

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/alertmanager/template"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

func TestToSignal(t *testing.T) {
	starts := time.Date(2026, 11, 26, 14, 55, 0, 0, time.UTC)
	alert := func(status, fn string, annotations template.KV) *template.Alert {
		labels := template.KV{"alertname": "FunctionLoadHigh"}
		if fn != "" {
			labels["function_name"] = fn
		}
		return &template.Alert{Status: status, Labels: labels, Annotations: annotations, StartsAt: starts, Fingerprint: "0123456789abcdef"}
	}
	tests := []struct {
		name    string
		alert   *template.Alert
		want    scaler.Signal // checked when wantErr is ""
		wantErr string
	}{
		{"no dot takes the default namespace", alert("firing", "figlet", nil),
			scaler.Signal{Ref: provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, Status: scaler.Firing}, ""},
		{"split at the last dot", alert("resolved", "env.staging.v2", nil),
			scaler.Signal{Ref: provider.Ref{Name: "env.staging", Namespace: "v2"}, Status: scaler.Resolved}, ""},
		{"load annotation", alert("firing", "figlet.fn", template.KV{"load": "412.5"}),
			scaler.Signal{Ref: provider.Ref{Name: "figlet", Namespace: "fn"}, Status: scaler.Firing, Load: ptr(412.5)}, ""},
		{"load in exponent form", alert("firing", "figlet.fn", template.KV{"load": "1.5e+06"}),
			scaler.Signal{Ref: provider.Ref{Name: "figlet", Namespace: "fn"}, Status: scaler.Firing, Load: ptr(1.5e6)}, ""},
		{"load zero is a load", alert("resolved", "figlet.fn", template.KV{"load": "0"}),
			scaler.Signal{Ref: provider.Ref{Name: "figlet", Namespace: "fn"}, Status: scaler.Resolved, Load: ptr(0.0)}, ""},
		{"other annotations ignored", alert("firing", "figlet.fn", template.KV{"summary": "High invocation total"}),
			scaler.Signal{Ref: provider.Ref{Name: "figlet", Namespace: "fn"}, Status: scaler.Firing}, ""},
		{"no function_name", alert("firing", "", nil), scaler.Signal{}, "no function_name label"},
		{"blank function_name", alert("firing", "  ", nil), scaler.Signal{}, "no function_name label"},
		{"empty namespace", alert("firing", "figlet.", nil), scaler.Signal{}, `function_name "figlet.": function name "figlet.": want name.namespace`},
		{"empty name", alert("firing", ".fn", nil), scaler.Signal{}, `function_name ".fn": function name ".fn": want name.namespace`},
		{"bad characters", alert("firing", "fig let.fn", nil), scaler.Signal{}, `function_name "fig let.fn": not a valid function name (want name.namespace of [-a-zA-Z0-9_.])`},
		{"path traversal", alert("firing", "../../x.fn", nil), scaler.Signal{}, `function_name "../../x.fn": not a valid function name`},
		{"surrounding space", alert("firing", " figlet.fn", nil), scaler.Signal{}, `function_name " figlet.fn": not a valid function name`},
		{"humanized load", alert("firing", "figlet.fn", template.KV{"load": "1.5k"}), scaler.Signal{}, `annotation load "1.5k": want a finite number in [0, 1e+09]`},
		{"NaN load", alert("firing", "figlet.fn", template.KV{"load": "NaN"}), scaler.Signal{}, `annotation load "NaN": want a finite number in [0, 1e+09]`},
		// Above MaxLoad: handed on without its load (the loop reads it).
		{"absurd load", alert("firing", "figlet.fn", template.KV{"load": "1e308"}),
			scaler.Signal{Ref: provider.Ref{Name: "figlet", Namespace: "fn"}, Status: scaler.Firing}, ""},
		{"just above the cap", alert("firing", "figlet.fn", template.KV{"load": "1000000001"}),
			scaler.Signal{Ref: provider.Ref{Name: "figlet", Namespace: "fn"}, Status: scaler.Firing}, ""},
		{"infinite load", alert("firing", "figlet.fn", template.KV{"load": "+Inf"}), scaler.Signal{}, `annotation load "+Inf"`},
		{"negative load", alert("firing", "figlet.fn", template.KV{"load": "-1"}), scaler.Signal{}, `annotation load "-1"`},
		{"empty load", alert("firing", "figlet.fn", template.KV{"load": ""}), scaler.Signal{}, `annotation load ""`},
		{"status in capitals", alert("FIRING", "figlet.fn", nil), scaler.Signal{}, `status "FIRING": want firing or resolved`},
		{"no status", alert("", "figlet.fn", nil), scaler.Signal{}, `status "": want firing or resolved`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := toSignal(tc.alert, "openfaas-fn", testTime)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want prefix %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.AlertName, want.Fingerprint, want.StartsAt, want.Received = "FunctionLoadHigh", "0123456789abcdef", starts, testTime
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("signal (-want +got):\n%s", d)
			}
		})
	}
}

// A derived fingerprint must equal what AlertManager computes for the same
// labels, so that alerts from senders without fingerprints and from
// AlertManager are recognised as the same alert.
func TestDerivedFingerprintMatchesAlertManager(t *testing.T) {
	for _, fixture := range []string{"am025-ce-firing.json", "am025-mixed-namespaces.json"} {
		msg, err := Decode(readFixture(t, fixture))
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range msg.Alerts {
			if a.Fingerprint == "" {
				t.Fatalf("%s alert %d: fixture has no fingerprint", fixture, i)
			}
			want := a.Fingerprint
			a.Fingerprint = ""
			s, err := toSignal(&a, "openfaas-fn", testTime)
			if err != nil {
				t.Fatal(err)
			}
			if s.Fingerprint != want {
				t.Errorf("%s alert %d: derived fingerprint %s, AlertManager sent %s", fixture, i, s.Fingerprint, want)
			}
		}
	}
}

func TestDerivedFingerprintIsStable(t *testing.T) {
	a := template.KV{"alertname": "X", "function_name": "f.ns", "b": "1", "a": "2"}
	b := template.KV{"a": "2", "b": "1", "function_name": "f.ns", "alertname": "X"}
	c := template.KV{"alertname": "X", "function_name": "g.ns", "b": "1", "a": "2"}
	if labelsFingerprint(a) != labelsFingerprint(b) {
		t.Error("same labels, different fingerprints")
	}
	if labelsFingerprint(a) == labelsFingerprint(c) {
		t.Error("different functions, same fingerprint")
	}
}

func TestToSignalCarriesScalingType(t *testing.T) {
	a := &template.Alert{Status: "firing", Fingerprint: "f",
		Labels:      template.KV{"alertname": "FunctionLoadAboveTarget", "function_name": "figlet.fn", "scaling_type": "capacity"},
		Annotations: template.KV{"load": "12"}}
	s, err := toSignal(a, "openfaas-fn", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if s.ScalingType != "capacity" || s.Load == nil || *s.Load != 12 {
		t.Errorf("signal = %+v, want scaling type capacity and load 12", s)
	}
}

// TestToSignalCarriesDirection: the generated rules' scale-down alert
// (direction="down") maps to a signal the scaler takes as a trigger only;
// without the label a firing FunctionLoadBelowTarget woke functions at zero.
func TestToSignalCarriesDirection(t *testing.T) {
	for dir, down := range map[string]bool{"down": true, "up": false, "": false} {
		labels := template.KV{"alertname": "FunctionLoadBelowTarget", "function_name": "figlet.fn"}
		if dir != "" {
			labels[DirectionLabel] = dir
		}
		s, err := toSignal(&template.Alert{Status: "firing", Fingerprint: "f", Labels: labels}, "openfaas-fn", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Down != down {
			t.Errorf("direction %q: Down = %v, want %v", dir, s.Down, down)
		}
	}
}
