package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// checkSelector is a light syntactic check of a PromQL series selector,
//
//	name
//	name{label="v", label!="v", label=~"re", label!~"re"}
//	{label="v", ...}
//
// so that a typo in prometheus.coverage_selector is refused at load rather
// than by Prometheus on the first idle cycle. It is not the Prometheus
// parser (that module is far too big a dependency for one string): it checks
// the shape, quoting, operators and regular expressions (RE2, as Prometheus),
// and that a selector without a metric name has a matcher that does not
// match the empty string, which Prometheus requires. Quoted label names
// (Prometheus 3's UTF-8 names) are accepted; offsets, ranges and functions
// are not selectors and are refused, as is a metric name given both before
// the braces and inside them (a quoted name or a __name__ matcher), which
// Prometheus refuses ("metric name must not be set twice").
func checkSelector(sel string) error {
	p := &selParser{s: sel}
	p.space()
	name := p.ident(true)
	p.space()
	var nonEmpty bool
	if p.peek() == '{' {
		p.i++
		for {
			p.space()
			if p.peek() == '}' {
				p.i++
				break
			}
			m, err := p.matcher()
			if err != nil {
				return err
			}
			if name != "" && m.names {
				return fmt.Errorf("metric name %q given twice: also inside the braces", name)
			}
			nonEmpty = nonEmpty || m.nonEmpty
			p.space()
			switch p.peek() {
			case ',':
				p.i++
			case '}':
			default:
				return p.fail("want , or } after a matcher")
			}
		}
		p.space()
	}
	if p.i < len(p.s) {
		return p.fail("unexpected text")
	}
	if name == "" && !nonEmpty {
		return errors.New("without a metric name it needs a matcher that does not match the empty string, e.g. job=\"gateway\"")
	}
	return nil
}

type selParser struct {
	s string
	i int
}

func (p *selParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *selParser) fail(msg string) error {
	return fmt.Errorf("at offset %d: %s", p.i, msg)
}

func (p *selParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// ident reads a metric name (colons allowed) or a label name.
func (p *selParser) ident(metric bool) string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			(p.i > start && c >= '0' && c <= '9') || (metric && c == ':')
		if !ok {
			break
		}
		p.i++
	}
	return p.s[start:p.i]
}

// matcherKind is what a matcher says: whether it cannot match "" and
// whether it selects the metric name (a quoted name alone, or __name__).
type matcherKind struct{ nonEmpty, names bool }

// matcher reads label op "value", or a quoted metric name alone.
func (p *selParser) matcher() (matcherKind, error) {
	label := p.ident(false)
	quoted := label == ""
	if quoted {
		if q := p.peek(); q == '"' || q == '\'' || q == '`' {
			var err error
			if label, err = p.str(); err != nil {
				return matcherKind{}, err
			}
		} else {
			return matcherKind{}, p.fail("want a label name")
		}
	}
	k := matcherKind{names: label == "__name__"}
	p.space()
	var op string
	for _, o := range []string{"=~", "!~", "!=", "="} {
		if strings.HasPrefix(p.s[p.i:], o) {
			op = o
			break
		}
	}
	if op == "" {
		if quoted {
			// {"metric.name"}: a quoted metric name alone.
			return matcherKind{nonEmpty: true, names: true}, nil
		}
		return k, p.fail("want =, !=, =~ or !~ after " + label)
	}
	p.i += len(op)
	p.space()
	v, err := p.str()
	if err != nil {
		return k, err
	}
	switch op {
	case "=":
		k.nonEmpty = v != ""
		return k, nil
	case "!=":
		k.nonEmpty = v == ""
		return k, nil
	}
	if _, err := regexp.Compile(v); err != nil { // the message quotes v as written
		return k, fmt.Errorf("regular expression %q: %v", v, err)
	}
	re, err := regexp.Compile("^(?s:" + v + ")$") // Prometheus anchors matchers
	if err != nil {
		return k, fmt.Errorf("regular expression %q: %v", v, err)
	}
	k.nonEmpty = re.MatchString("") == (op == "!~")
	return k, nil
}

// str reads a quoted string: "…" or '…' with backslash escapes, or `…` raw.
func (p *selParser) str() (string, error) {
	q := p.peek()
	if q != '"' && q != '\'' && q != '`' {
		return "", p.fail("want a quoted string")
	}
	start := p.i
	p.i++
	for p.i < len(p.s) && p.s[p.i] != q {
		if p.s[p.i] == '\\' && q != '`' {
			p.i++
		}
		p.i++
	}
	if p.i >= len(p.s) {
		p.i = start
		return "", p.fail("unterminated string")
	}
	p.i++
	raw := p.s[start:p.i]
	switch q {
	case '`':
		return raw[1 : len(raw)-1], nil
	case '\'':
		inner := strings.ReplaceAll(raw[1:len(raw)-1], `\'`, `'`)
		raw = `"` + strings.ReplaceAll(inner, `"`, `\"`) + `"`
	}
	v, err := strconv.Unquote(raw)
	if err != nil {
		return "", fmt.Errorf("string %s: %v", p.s[start:p.i], err)
	}
	return v, nil
}
