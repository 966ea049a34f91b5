package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// rulesCmd implements `faas-autoscaler rules`: it writes the Prometheus
// recording and alerting rules (a rule file or a PrometheusRule).
func rulesCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := rules.Defaults()
	scrape := fs.Duration("scrape-interval", def.ScrapeInterval, "how often Prometheus scrapes the gateway; the other intervals default from it (1s: eval 1s, window 4s; 5s: 1s, 20s; 15s: 3s, 1m)")
	eval := fs.Duration("evaluation-interval", 0, "rule group interval, at most the scrape interval (default: a fifth of the scrape interval rounded down to whole seconds, at least 1s; 12s: 2s)")
	window := fs.Duration("window", 0, "rate()/max_over_time() range over gateway metrics, 3 to 120 scrapes (default: 4 × scrape interval)")
	cpuWindow := fs.Duration("cpu-window", 0, "rate() range over pod CPU (default: max(1m, 4 × scrape interval) rounded up to a multiple of the scrape interval, as a window must be; 7s: 1m3s)")
	types := fs.String("types", strings.Join(rules.BuiltinTypes, ","), "comma-separated built-in scaling types to record: "+strings.Join(rules.BuiltinTypes, ", "))
	var custom genCustomTypes
	fs.Var(&custom, "custom", "custom scaling type as name=PromQL (one series per function_name); repeatable")
	tolerance := fs.Float64("tolerance", def.Tolerance, "relative band around the target before an alert fires, in [0, 1)")
	upFor := fs.Duration("scale-up-for", def.ScaleUpFor, "the scale-up alert's for: how long its condition must hold before it fires")
	downFor := fs.Duration("scale-down-for", def.ScaleDownFor, "the scale-down alert's for: how long its condition must hold before it fires")
	keep := fs.Duration("keep-firing-for", def.KeepFiringFor, "keep_firing_for of the scale-up alert (0: omitted)")
	noDown := fs.Bool("no-scale-down-alert", false, "omit the scale-down alert (the controller's periodic loop still scales down)")
	ce := fs.Bool("ce-compatible", false, "also emit OpenFaaS CE's APIHighInvocationRate rule, verbatim")
	noHealth := fs.Bool("no-health-alerts", false, "omit the "+rules.GroupHealth+" group (alerts about the controller itself: down, no leader, provider and metrics-source failures)")
	job := fs.String("controller-job", def.ControllerJob, "scrape job of the controller's own /metrics, which the health alerts select")
	format := fs.String("format", def.Format, "output format: "+strings.Join(rules.Formats, ", ")+" (or "+formatRuleFileAlias+", the same as "+rules.FormatRuleFile+")")
	name := fs.String("name", def.Name, "PrometheusRule metadata.name (--format prometheusrule only)")
	namespace := fs.String("namespace", "", "PrometheusRule metadata.namespace (--format prometheusrule only)")
	var labels genKeyValues
	fs.Var(&labels, "label", "PrometheusRule metadata label as key=value (e.g. for the operator's ruleSelector; --format prometheusrule only); repeatable")
	output := fs.String("o", "-", "output file (- for stdout)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rules: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	o := rules.ForScrapeInterval(*scrape)
	setIf := func(dst *time.Duration, v time.Duration) {
		if v != 0 {
			*dst = v
		}
	}
	setIf(&o.EvaluationInterval, *eval)
	setIf(&o.Window, *window)
	setIf(&o.CPUWindow, *cpuWindow)
	o.Types = genSplitList(*types)
	o.Custom = custom
	o.Tolerance = *tolerance
	o.ScaleUpFor, o.ScaleDownFor, o.KeepFiringFor = *upFor, *downFor, *keep
	o.ScaleDownAlerts = !*noDown
	o.CECompatible = *ce
	o.HealthAlerts, o.ControllerJob = !*noHealth, *job
	o.Format = *format
	if o.Format == formatRuleFileAlias {
		o.Format = rules.FormatRuleFile
	}
	if o.Format == rules.FormatRuleFile {
		// A plain rule file has no metadata: dropping these silently would
		// hand the operator a file its ruleSelector never picks up.
		var meta []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "name" || f.Name == "namespace" || f.Name == "label" {
				meta = append(meta, "--"+f.Name)
			}
		})
		if len(meta) > 0 {
			fmt.Fprintf(stderr, "rules: %s: PrometheusRule metadata, only with --format %s (a plain rule file has none)\n",
				strings.Join(meta, ", "), rules.FormatPrometheusRule)
			return 2
		}
	}
	o.Name, o.Namespace = *name, *namespace
	if len(labels) > 0 {
		o.Labels = labels
	}
	out, err := rules.Render(o)
	if err != nil {
		derived := map[string]bool{"EvaluationInterval": *eval == 0, "Window": *window == 0, "CPUWindow": *cpuWindow == 0}
		fmt.Fprintf(stderr, "rules: %v\n", genIndentErr(rulesFlagErr(err, *scrape, derived)))
		return 2
	}
	return genWriteOutput("rules", "-o", *output, out, stdout, stderr)
}

// rulesFlags maps each rules.Options field to the flag that sets it.
var rulesFlags = map[string]string{
	"ScrapeInterval": "--scrape-interval", "EvaluationInterval": "--evaluation-interval",
	"Window": "--window", "CPUWindow": "--cpu-window", "Tolerance": "--tolerance",
	"ScaleUpFor": "--scale-up-for", "ScaleDownFor": "--scale-down-for", "KeepFiringFor": "--keep-firing-for",
	"Types": "--types", "Custom": "--custom", "Format": "--format", "Name": "--name", "Namespace": "--namespace",
	"Labels": "--label", "ControllerJob": "--controller-job",
}

// rulesValueFlags are the flags of one value, whose problems read
// "--flag VALUE: problem"; the others' keep their message, which names the
// item at fault, and end with the flag (`unknown scaling type "gpu": want
// one of … (set by --types)`).
var rulesValueFlags = map[string]bool{
	"ScrapeInterval": true, "EvaluationInterval": true, "Window": true, "CPUWindow": true, "Tolerance": true,
	"ScaleUpFor": true, "ScaleDownFor": true, "KeepFiringFor": true, "Name": true, "Namespace": true,
	"ControllerJob": true,
}

// rulesFlagErr rewrites Validate's problems to name the flags at fault. A
// field in derived was not set but follows --scrape-interval (4 × it, …):
// when the scrape interval itself is refused its problems are only echoes
// of that one ("window 0s" at --scrape-interval 0) and are left out;
// otherwise the message says where the value came from.
func rulesFlagErr(err error, scrape time.Duration, derived map[string]bool) error {
	problems := rules.ValidationErrors(err)
	if len(problems) == 0 {
		return err
	}
	badScrape := false
	for _, p := range problems {
		badScrape = badScrape || p.Field == "ScrapeInterval"
	}
	var errs []error
	for _, p := range problems {
		flagName, ok := rulesFlags[p.Field]
		switch {
		case !ok:
			errs = append(errs, p)
		case derived[p.Field] && badScrape:
			continue
		case derived[p.Field]:
			errs = append(errs, fmt.Errorf("%s %s (default for --scrape-interval %s): %s", flagName, p.Value, scrape, p.Problem))
		case rulesValueFlags[p.Field]:
			errs = append(errs, fmt.Errorf("%s %s: %s", flagName, p.Value, p.Problem))
		default:
			errs = append(errs, fmt.Errorf("%w (set by %s)", p, flagName))
		}
	}
	return errors.Join(errs...)
}

// formatRuleFileAlias is another name of --format prometheus (a plain rule
// file): the README documents `--format rules|prometheusrule`, and a name a
// user reads there must work.
const formatRuleFileAlias = "rules"

// alertmanagerConfigCmd implements `faas-autoscaler alertmanager-config`: the
// AlertManager route and receiver that deliver our alerts to the webhook.
func alertmanagerConfigCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alertmanager-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := rules.DefaultAlertmanagerOptions()
	ctl := fs.String("controller-url", def.ControllerURL, "controller base URL as AlertManager reaches it; "+rules.AlertPath+" is appended")
	user := fs.String("username", def.Username, "webhook basic-auth user")
	pass := fs.String("password-file", def.PasswordFile, "file (in AlertManager's filesystem) holding the webhook basic-auth password")
	recv := fs.String("receiver", def.Receiver, "receiver name")
	gw := fs.Duration("group-wait", def.GroupWait, "group_wait of our route")
	gi := fs.Duration("group-interval", def.GroupInterval, "group_interval of our route")
	ri := fs.Duration("repeat-interval", def.RepeatInterval, "repeat_interval of our route")
	ce := fs.Bool("ce-compatible", false, "also route OpenFaaS CE's APIHighInvocationRate to the controller")
	full := fs.Bool("full", false, "write a complete AlertManager config instead of a snippet to merge")
	output := fs.String("o", "-", "output file (- for stdout)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "alertmanager-config: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	o := rules.AlertmanagerOptions{ControllerURL: *ctl, Username: *user, PasswordFile: *pass, Receiver: *recv,
		GroupWait: *gw, GroupInterval: *gi, RepeatInterval: *ri, CECompatible: *ce, Full: *full}
	out, err := rules.RenderAlertmanager(o)
	if err != nil {
		fmt.Fprintf(stderr, "alertmanager-config: %v\n", genIndentErr(amFlagErr(err)))
		return 2
	}
	return genWriteOutput("alertmanager-config", "-o", *output, out, stdout, stderr)
}

// amOptionFlags maps the words rules.AlertmanagerOptions.Validate starts each
// problem with to the flag that sets that option.
var amOptionFlags = []struct{ words, flag string }{
	{"controller URL", "--controller-url"}, {"username", "--username"}, {"password file", "--password-file"},
	{"receiver", "--receiver"}, {"group wait", "--group-wait"}, {"group interval", "--group-interval"},
	{"repeat interval", "--repeat-interval"},
}

// amFlagErr names the flag in each line of an options error ("repeat
// interval 2m0s: …" → "--repeat-interval 2m0s: …"), so the exit names what
// to change; a line it does not know stays as it is.
func amFlagErr(err error) error {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		for _, m := range amOptionFlags {
			if rest, ok := strings.CutPrefix(l, m.words); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, ":")) {
				lines[i] = m.flag + rest
				break
			}
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

// genCustomTypes collects --custom name=expr flags.
type genCustomTypes []rules.CustomType

func (c *genCustomTypes) String() string { return fmt.Sprint(len(*c), " custom types") }

func (c *genCustomTypes) Set(s string) error {
	name, expr, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want name=PromQL, got %q", s)
	}
	*c = append(*c, rules.CustomType{Name: strings.TrimSpace(name), Expr: strings.TrimSpace(expr)})
	return nil
}

// genKeyValues collects key=value flags.
type genKeyValues map[string]string

func (kv *genKeyValues) String() string { return fmt.Sprint(map[string]string(*kv)) }

func (kv *genKeyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	if *kv == nil {
		*kv = genKeyValues{}
	}
	(*kv)[k] = v
	return nil
}

// genSplitList splits a comma-separated flag, dropping empty items.
func genSplitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// genIndentErr puts each joined error on its own indented line.
func genIndentErr(err error) string {
	lines := strings.Split(err.Error(), "\n")
	if len(lines) == 1 {
		return lines[0]
	}
	return "\n  " + strings.Join(lines, "\n  ")
}

// genWriteOutput writes data to stdout or to a file, naming the flag that
// gave the file when it cannot be written.
func genWriteOutput(cmd, flagName, path string, data []byte, stdout, stderr io.Writer) int {
	if path == "-" {
		if _, err := stdout.Write(data); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			return 1
		}
		return 0
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", cmd, genPathErr(flagName, path, err))
		return 1
	}
	return 0
}

// genPathErr says what went wrong with a path a flag gave, without
// repeating the path ("-o /x/r.yml: no such file or directory").
func genPathErr(flagName, path string, err error) string {
	return fmt.Sprintf("%s %s: %v", flagName, path, withoutPath(path, err))
}

// withoutPath drops the "op PATH: " of an error about path itself, for a
// message that names the flag and the path already. An error about another
// path (a parent folder) is kept whole: its path is the news.
func withoutPath(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		return pe.Err
	}
	return err
}
