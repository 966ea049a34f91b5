// The syntax checks Validate applies to what is written into the rules:
// a custom expression's brackets and quotes, and a PrometheusRule's
// Kubernetes name, namespace and labels.

package rules

import (
	"fmt"
	"regexp"
	"strings"
)

// k8sNameRE is a DNS-1123 subdomain, what Kubernetes accepts as metadata.name.
var k8sNameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// unbalanced says how expr's brackets or quotes do not close ("" when
// they do). Not a PromQL parse (the parser is the whole Prometheus module,
// not a dependency for one check; promtool check rules is the full
// check), but the commonest typo, a bracket left open, made a rule file
// Prometheus refuses whole while the generator exited 0. As PromQL's lexer,
// it skips strings ('…' and "…" with backslash escapes, `…` raw) and
// comments (# to the end of the line, outside a string): a comment's
// apostrophe or bracket ("# it's the p99 (ms)") refused a valid expression.
func unbalanced(expr string) string {
	var open []rune
	closing := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for i := 0; i < len(expr); i++ {
		switch c := rune(expr[i]); c {
		case '#':
			for i < len(expr) && expr[i] != '\n' {
				i++
			}
		case '"', '\'', '`':
			j := i + 1
			for ; j < len(expr) && rune(expr[j]) != c; j++ {
				if expr[j] == '\\' && c != '`' {
					j++ // an escaped character
				}
			}
			if j >= len(expr) {
				return fmt.Sprintf("has a %c string left open", c)
			}
			i = j
		case '(', '[', '{':
			open = append(open, c)
		case ')', ']', '}':
			if len(open) == 0 || open[len(open)-1] != closing[c] {
				return fmt.Sprintf("closes a %c that is not open", c)
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		return fmt.Sprintf("leaves a %c open", open[len(open)-1])
	}
	return ""
}

// k8sLabelRE is a DNS-1123 label, what Kubernetes accepts as a namespace.
var k8sLabelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// labelNameRE is a label key's name part, and a label value (Kubernetes'
// qualified name rule: alphanumerics at both ends, '-', '_', '.' inside).
var labelNameRE = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)

// k8sLabelProblem says why Kubernetes refuses the label key=value ("" when
// it accepts it): a key is [prefix/]name, the prefix a DNS-1123 subdomain
// of at most 253 characters, the name and the value at most 63 characters
// of labelNameRE (a value may be empty).
func k8sLabelProblem(key, value string) string {
	name := key
	if prefix, n, ok := strings.Cut(key, "/"); ok {
		if prefix == "" || len(prefix) > 253 || !k8sNameRE.MatchString(prefix) {
			return "the key's prefix is not a DNS-1123 subdomain"
		}
		name = n
	}
	if name == "" || len(name) > 63 || !labelNameRE.MatchString(name) {
		return "the key is not a valid Kubernetes label name (alphanumerics, '-', '_', '.', at most 63)"
	}
	if value != "" && (len(value) > 63 || !labelNameRE.MatchString(value)) {
		return "the value is not a valid Kubernetes label value (alphanumerics, '-', '_', '.', at most 63)"
	}
	return ""
}
