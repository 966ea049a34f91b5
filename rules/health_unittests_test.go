package rules

import (
	"maps"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// The promtool unit tests of the health alerts (deploy/prometheus/tests/
// health_test.yml): each alert fires on its fault once its `for` has
// passed, and stays silent while pending, below its ratio, under its floor
// of failures, and for a burst shorter than its `for`. Samples are a minute
// apart, as a controller scraped every 5–30 s looks over these windows.

const healthSample = time.Minute

// healthEvaluation is the test file's evaluation interval: the health
// group's own (promtool evaluates every group at it).
const healthEvaluation = HealthEvaluationInterval

// ctl is a series of the controller at instance, in the default job.
func ctl(name, instance string, labels map[string]string, values string) inputSeries {
	l := map[string]string{"job": DefaultControllerJob, "instance": instance}
	maps.Copy(l, labels)
	return inputSeries{series(name, l), values}
}

// perMinute is a counter rising by r a sample for n samples after a start
// well above zero.
func perMinute(r float64, n int) string {
	return "100+" + formatFloat(r) + "x" + itoa(n)
}

func itoa(n int) string { return formatFloat(float64(n)) }

// healthAlert is one expected firing alert: its rule, the labels the
// expression leaves, and what its annotations' templates read.
func healthAlert(rule Rule, labels map[string]string, value string) expAlert {
	l := maps.Clone(rule.Labels)
	maps.Copy(l, labels)
	// A rule label with no value removes the label from the alert.
	maps.DeleteFunc(l, func(_, v string) bool { return v == "" })
	pairs := []string{
		"{{ $value | humanizePercentage }}", value,
		`{{ printf "%.0f" $value }}`, value,
	}
	ns := labels["namespace"]
	if e := labels["exported_namespace"]; e != "" {
		ns = e
	}
	pairs = append(pairs, watchedNamespace, ns)
	for k, v := range labels {
		pairs = append(pairs, "{{ $labels."+k+" }}", v)
	}
	r := strings.NewReplacer(pairs...)
	ann := map[string]string{}
	for k, v := range rule.Annotations {
		ann[k] = r.Replace(v)
	}
	return expAlert{ExpLabels: l, ExpAnnotations: ann}
}

// at is an alert test at minute m expecting exp (none: silent).
func at(m float64, alert string, exp ...expAlert) alertTestCase {
	if exp == nil {
		exp = []expAlert{}
	}
	return alertTestCase{EvalTime: Duration(time.Duration(m * float64(time.Minute))), Alertname: alert, ExpAlerts: exp}
}

// operatorTarget are the labels prometheus-operator gives the targets of a
// ServiceMonitor of the Service faas-autoscaler in namespace autoscaling.
var operatorTarget = map[string]string{
	"service": "faas-autoscaler", "namespace": "autoscaling", "endpoint": "http",
	"pod": "faas-autoscaler-0", "container": "faas-autoscaler",
}

// withTarget is operatorTarget and the pairs of kv.
func withTarget(kv ...string) map[string]string {
	l := maps.Clone(operatorTarget)
	for i := 0; i < len(kv); i += 2 {
		l[kv[i]] = kv[i+1]
	}
	return l
}

// namingNamespace is e with its annotations naming the namespace watched
// instead of the controller's own.
func namingNamespace(e expAlert, own, watched string) expAlert {
	for k, v := range e.ExpAnnotations {
		v = strings.ReplaceAll(v, "in "+own+" ", "in "+watched+" ")
		e.ExpAnnotations[k] = strings.ReplaceAll(v, "in namespace "+own+" ", "in namespace "+watched+" ")
	}
	return e
}

func healthUnitTests(o Options, ruleFile string) unitTestFile {
	byName := map[string]Rule{}
	for _, r := range healthRules(o) {
		byName[r.Alert] = r
	}
	rule := func(name string) Rule { return byName[name] }
	job := map[string]string{"job": DefaultControllerJob}
	withJob := func(kv ...string) map[string]string {
		l := maps.Clone(job)
		for i := 0; i < len(kv); i += 2 {
			l[kv[i]] = kv[i+1]
		}
		return l
	}
	group := func(in []inputSeries, tests ...alertTestCase) unitTestGroup {
		return unitTestGroup{Interval: Duration(healthSample), InputSeries: in, AlertRuleTests: tests}
	}
	const a, b = "controller-a:8080", "controller-b:8080"
	down, targetDown := rule(AlertControllerDown), rule(AlertControllerTargetDown)
	noLeader, providerErr := rule(AlertNoLeader), rule(AlertProviderErrors)
	scale, load := rule(AlertScaleCallsFailing), rule(AlertLoadReadsFailing)
	idler, learn, webhook := rule(AlertIdlerMissingData), rule(AlertKeepAliveLearningFailing), rule(AlertWebhookRefused)
	stale := rule(AlertKubernetesCacheStale)
	watch := func(ns, resource, values string) inputSeries {
		return ctl(metricWatchFailing, a, map[string]string{"namespace": ns, "resource": resource}, values)
	}
	calls := func(op, result string, r float64) inputSeries {
		return ctl(metricProviderCalls, a, map[string]string{"operation": op, "result": result}, perMinute(r, 40))
	}
	scaleCalls := func(fn, result string, r float64) inputSeries {
		return ctl(metricScaleCalls, a, map[string]string{"function_name": fn, "result": result}, perMinute(r, 40))
	}
	tests := []unitTestGroup{
		// The only replica stops answering at minute 11: pending for 5
		// minutes, then down; and unscraped for 10, the target too.
		group([]inputSeries{ctl("up", a, nil, "1x10 0x20")},
			at(15, down.Alert), at(17, down.Alert, healthAlert(down, nil, "")),
			at(20, targetDown.Alert), at(22, targetDown.Alert, healthAlert(targetDown, withJob("instance", a), ""))),
		// Never scraped at all (no up series of the job): down after 5 minutes.
		group([]inputSeries{{series("up", map[string]string{"job": "gateway", "instance": "gw:8082"}), "1x20"}},
			at(4, down.Alert), at(6, down.Alert, healthAlert(down, nil, ""))),
		// Two replicas, one unscraped: the controller is not down, that
		// target is. Leadership moves from a to b within two minutes: no
		// alert; then b loses it and nobody leads for 5 minutes.
		group([]inputSeries{
			ctl("up", a, nil, "1x40"), ctl("up", b, nil, "0x40"),
			ctl(metricLeader, a, nil, "1x5 0x35"), ctl(metricLeader, b, nil, "0x7 1x10 0x23"),
		},
			at(12, down.Alert), at(12, targetDown.Alert, healthAlert(targetDown, withJob("instance", b), "")),
			at(8, noLeader.Alert), at(15, noLeader.Alert), at(22, noLeader.Alert),
			at(24, noLeader.Alert, healthAlert(noLeader, job, ""))),
		// The leader b unscraped (a network policy, a scrape timeout): its
		// series are gone but up, 0. Follower a, scraped, does not lead but
		// sees b renew the Lease: scaling works, no NoLeader (TargetDown
		// names b).
		group([]inputSeries{
			ctl("up", a, nil, "1x40"), ctl("up", b, nil, "0x40"),
			ctl(metricLeader, a, nil, "0x40"), ctl(metricLeaseHeld, a, nil, "1x40"),
		}, at(10, noLeader.Alert), at(20, noLeader.Alert), at(35, noLeader.Alert)),
		// The same until b dies at minute 11 and a, unable to write the
		// Lease, sees it expire: nobody leads nor holds it, firing 5
		// minutes later though a replica is still unscraped.
		group([]inputSeries{
			ctl("up", a, nil, "1x40"), ctl("up", b, nil, "0x40"),
			ctl(metricLeader, a, nil, "0x40"), ctl(metricLeaseHeld, a, nil, "1x10 0x30"),
		}, at(15, noLeader.Alert), at(17, noLeader.Alert, healthAlert(noLeader, job, ""))),
		// Both replicas scraped, neither leads, and the Lease is held
		// (a replica whose every win comes too late to act on): the holder
		// is scraped and does not lead, so nobody does.
		group([]inputSeries{
			ctl("up", a, nil, "1x20"), ctl("up", b, nil, "1x20"),
			ctl(metricLeader, a, nil, "0x20"), ctl(metricLeader, b, nil, "0x20"),
			ctl(metricLeaseHeld, a, nil, "1x20"), ctl(metricLeaseHeld, b, nil, "1x20"),
		}, at(4, noLeader.Alert), at(6, noLeader.Alert, healthAlert(noLeader, job, ""))),
		// Scraped by the chart's ServiceMonitor of a Service named
		// faas-autoscaler (release faas-autoscaler): the operator gives every
		// series the target labels service, namespace, endpoint, pod and
		// container. The alerts that keep the series' labels must drop
		// service="faas-autoscaler", the webhook route's matcher (the
		// AlertmanagerConfig's namespace matcher is the release's, which
		// they carry too): else AlertManager posts them to the controller.
		// A scraped series' own namespace label (the watched namespace of
		// watch_failing) yields to the target's and becomes
		// exported_namespace: the cache alert names the watched one.
		group([]inputSeries{
			ctl("up", a, operatorTarget, "0x20"),
			ctl(metricWatchFailing, a, withTarget("exported_namespace", "openfaas-fn", "resource", "deployments"), "1x20"),
		},
			at(15, targetDown.Alert, healthAlert(targetDown, withJob("instance", a, "namespace", "autoscaling", "endpoint", "http",
				"pod", "faas-autoscaler-0", "container", "faas-autoscaler"), "")),
			at(15, stale.Alert, namingNamespace(healthAlert(stale, withJob("instance", a, "namespace", "autoscaling", "endpoint", "http",
				"pod", "faas-autoscaler-0", "container", "faas-autoscaler", "exported_namespace", "openfaas-fn", "resource", "deployments"), ""),
				"autoscaling", "openfaas-fn"))),
		// Without leader election no replica exports the gauge: no alert.
		group([]inputSeries{ctl("up", a, nil, "1x20")}, at(15, noLeader.Alert)),
		// Provider calls: list calls 25% failing fire after 10 minutes;
		// scale calls all failing but 2 in 10 minutes (under the floor of
		// 5), and reads failing at 1% (under the ratio) do not.
		group([]inputSeries{
			calls(provider.OpFunctions, provider.ResultOK, 60), calls(provider.OpFunctions, provider.ResultError, 15),
			calls(provider.OpFunctions, provider.ResultUnauthorized, 5),
			calls(provider.OpScale, provider.ResultError, 0.2),
			calls(provider.OpFunction, provider.ResultOK, 990), calls(provider.OpFunction, provider.ResultError, 10),
		},
			at(8, providerErr.Alert),
			at(25, providerErr.Alert, healthAlert(providerErr, withJob("operation", provider.OpFunctions), "25%"))),
		// The Deployments of openfaas-fn unlisted from minute 5 on (RBAC
		// revoked): firing 10 minutes later, naming the namespace and
		// resource. The HPAs' 6-minute outage (an API server upgrade) and
		// a healthy namespace do not fire.
		group([]inputSeries{
			watch("openfaas-fn", "deployments", "0x4 1x30"),
			watch("openfaas-fn", "horizontalpodautoscalers", "0x4 1x5 0x25"),
			watch("staging-fn", "deployments", "0x35"),
		},
			at(14, stale.Alert),
			at(16, stale.Alert, healthAlert(stale, withJob("instance", a, "namespace", "openfaas-fn", "resource", "deployments"), ""))),
		// A function's scale calls all failing, once a minute (the
		// actuator's longest back-off): firing 5 minutes after the third
		// failure. One failing every 10 minutes (under the floor), and one
		// failing a tenth of its calls (under the ratio), do not.
		group([]inputSeries{
			scaleCalls("broken.openfaas-fn", "error", 1), scaleCalls("broken.openfaas-fn", "ok", 0),
			scaleCalls("rare.openfaas-fn", "error", 0.1),
			scaleCalls("busy.openfaas-fn", "ok", 9), scaleCalls("busy.openfaas-fn", "error", 1),
		},
			at(6, scale.Alert),
			at(12, scale.Alert, healthAlert(scale, withJob("function_name", "broken.openfaas-fn"), "100%"))),
		// Every pass's load read fails (a pass every 5 s; counted once a
		// pass: review 51): firing after 10 minutes.
		group([]inputSeries{
			ctl(metricReconcileErrors, a, map[string]string{"stage": "load"}, perMinute(12, 40)),
			ctl(metricPasses, a, nil, perMinute(12, 40)),
		},
			at(9, load.Alert), at(15, load.Alert, healthAlert(load, job, "100%"))),
		// A quarter of the passes failing is under the ratio; in a quiet
		// controller, every pass of 3 in 10 minutes failing is under the
		// floor of 5.
		group([]inputSeries{
			ctl(metricReconcileErrors, a, map[string]string{"stage": "load"}, perMinute(3, 40)),
			ctl(metricPasses, a, nil, perMinute(12, 40)),
		}, at(25, load.Alert)),
		group([]inputSeries{
			ctl(metricReconcileErrors, a, map[string]string{"stage": "load"}, perMinute(0.3, 40)),
			ctl(metricPasses, a, nil, perMinute(0.3, 40)),
		}, at(25, load.Alert)),
		// The gateway uncovered for good (an idler cycle every 30 s):
		// firing 15 minutes after the window holds 5. A burst of 8 failed
		// queries over 4 minutes (a Prometheus restart) leaves the window
		// before the `for` ends.
		group([]inputSeries{
			ctl(metricIdlerMissing, a, map[string]string{"reason": "not_covered"}, perMinute(2, 40)),
			ctl(metricIdlerMissing, a, map[string]string{"reason": "source_error"}, "100 102 104 106 108x36"),
		},
			at(16, idler.Alert),
			at(20, idler.Alert, healthAlert(idler, withJob("reason", "not_covered"), "20")),
			at(30, idler.Alert, healthAlert(idler, withJob("reason", "not_covered"), "20"))),
		// Every learning read failing (one each 15 s): firing after 15
		// minutes. A quarter failing, and 3 reads in 15 minutes all failing
		// (a learn_step of 5 minutes), do not.
		group([]inputSeries{
			ctl(metricLearningReads, a, map[string]string{"result": "error"}, perMinute(4, 40)),
			ctl(metricLearningReads, a, map[string]string{"result": "ok"}, perMinute(0, 40)),
		},
			at(14, learn.Alert), at(20, learn.Alert, healthAlert(learn, job, "100%"))),
		group([]inputSeries{
			ctl(metricLearningReads, a, map[string]string{"result": "error"}, perMinute(1, 40)),
			ctl(metricLearningReads, a, map[string]string{"result": "ok"}, perMinute(3, 40)),
		}, at(25, learn.Alert)),
		group([]inputSeries{
			ctl(metricLearningReads, a, map[string]string{"result": "error"}, perMinute(0.2, 40)),
		}, at(25, learn.Alert)),
		// AlertManager with a wrong password, every 5 s: firing after 10
		// minutes, naming the result. A probe's GETs, answered
		// method_not_allowed, count on neither side.
		group([]inputSeries{
			ctl(metricWebhookRequests, a, map[string]string{"result": "unauthorized"}, perMinute(12, 40)),
			ctl(metricWebhookRequests, a, map[string]string{"result": "accepted"}, perMinute(0, 40)),
			ctl(metricWebhookRequests, a, map[string]string{"result": "method_not_allowed"}, perMinute(12, 40)),
		},
			at(9, webhook.Alert),
			at(15, webhook.Alert, healthAlert(webhook, withJob("result", "unauthorized"), "100%"))),
		// One request in a hundred failing, and a few failures among none
		// accepted (under the floor), do not fire.
		group([]inputSeries{
			ctl(metricWebhookRequests, a, map[string]string{"result": "accepted"}, perMinute(99, 40)),
			ctl(metricWebhookRequests, a, map[string]string{"result": "error"}, perMinute(1, 40)),
		}, at(25, webhook.Alert)),
		group([]inputSeries{
			ctl(metricWebhookRequests, a, map[string]string{"result": "bad_request"}, perMinute(0.3, 40)),
		}, at(25, webhook.Alert)),
	}
	return unitTestFile{RuleFiles: []string{ruleFile}, EvaluationInterval: Duration(healthEvaluation), Tests: tests}
}
