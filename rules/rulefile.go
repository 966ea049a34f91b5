package rules

import (
	"bytes"
	"fmt"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// RuleFile is a Prometheus rule file: what rule_files: loads and what
// `promtool check rules` reads. The field set mirrors Prometheus's rulefmt,
// written here so the controller does not import Prometheus's server module.
type RuleFile struct {
	Groups []RuleGroup `yaml:"groups"`
}

// RuleGroup is one group of rules evaluated together, in order.
type RuleGroup struct {
	Name     string    `yaml:"name"`
	Interval *Duration `yaml:"interval,omitempty"`
	Rules    []Rule    `yaml:"rules"`
}

// Rule is a recording rule (Record set) or an alerting rule (Alert set).
type Rule struct {
	Record        string            `yaml:"record,omitempty"`
	Alert         string            `yaml:"alert,omitempty"`
	Expr          string            `yaml:"expr"`
	For           *Duration         `yaml:"for,omitempty"`
	KeepFiringFor *Duration         `yaml:"keep_firing_for,omitempty"`
	Labels        map[string]string `yaml:"labels,omitempty"`
	Annotations   map[string]string `yaml:"annotations,omitempty"`
}

// Duration renders as a Prometheus duration ("20s", "1m", "1m30s").
type Duration time.Duration

// Dur returns a *Duration for optional fields.
func Dur(d time.Duration) *Duration { v := Duration(d); return &v }

// String formats d the way Prometheus writes durations.
func (d Duration) String() string { return model.Duration(d).String() }

// MarshalYAML writes d as a Prometheus duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads a Prometheus duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := model.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// PrometheusRule is prometheus-operator's monitoring.coreos.com/v1 custom
// resource carrying rule groups.
type PrometheusRule struct {
	APIVersion string             `yaml:"apiVersion"`
	Kind       string             `yaml:"kind"`
	Metadata   ObjectMeta         `yaml:"metadata"`
	Spec       PrometheusRuleSpec `yaml:"spec"`
}

// ObjectMeta is the part of Kubernetes object metadata a generated resource
// sets.
type ObjectMeta struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace,omitempty"`
	Labels    map[string]string `yaml:"labels,omitempty"`
}

// PrometheusRuleSpec holds the groups, with the same schema as a rule file.
type PrometheusRuleSpec struct {
	Groups []RuleGroup `yaml:"groups"`
}

// marshalYAML renders v with two-space indentation, the layout of the
// Prometheus and Kubernetes documentation.
func marshalYAML(header string, v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeStrict parses YAML into v, refusing unknown fields, as Prometheus's
// own rule loader does.
func decodeStrict(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// ParseRuleFile parses a rule file strictly (unknown fields are errors). It
// is how tests round-trip generated files; it does not check PromQL.
func ParseRuleFile(data []byte) (RuleFile, error) {
	var f RuleFile
	err := decodeStrict(data, &f)
	return f, err
}

// ParsePrometheusRule parses a PrometheusRule resource strictly.
func ParsePrometheusRule(data []byte) (PrometheusRule, error) {
	var r PrometheusRule
	err := decodeStrict(data, &r)
	return r, err
}
