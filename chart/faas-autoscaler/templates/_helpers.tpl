{{/* Names. A release named faas-autoscaler (or containing it) keeps that name. */}}
{{- define "fa.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "fa.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "fa.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "fa.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Labels. helm.sh/chart and managed-by are dropped from the generated kustomize base. */}}
{{- define "fa.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fa.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "fa.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "fa.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: openfaas
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Derived settings. Explicit values that contradict the provider fail here with
a message naming them; the schema already checked their types.
*/}}
{{- define "fa.leaderElect" -}}
{{- $le := .Values.leaderElection.enabled }}
{{- if kindIs "invalid" $le }}
{{- if eq .Values.provider "kubernetes" }}true{{ else }}false{{ end }}
{{- else if and $le (ne .Values.provider "kubernetes") }}
{{- fail "leaderElection.enabled=true needs provider=kubernetes: the controller elects a leader on a Lease only with the Kubernetes provider (--leader-elect)" }}
{{- else }}{{ $le }}{{ end }}
{{- end }}

{{- define "fa.replicas" -}}
{{- $r := .Values.replicas }}
{{- $le := eq (include "fa.leaderElect" .) "true" }}
{{- if kindIs "invalid" $r }}
{{- if $le }}2{{ else }}1{{ end }}
{{- else if and (gt (int $r) 1) (not $le) }}
{{- fail (printf "replicas=%v needs leader election (leaderElection.enabled and provider=kubernetes): unelected controllers would all scale the same functions" $r) }}
{{- else }}{{ $r }}{{ end }}
{{- end }}

{{/* The image: the tag defaults to the chart's appVersion. */}}
{{/*
The gateway's scrape interval the chart declares: gatewayPodMonitor.interval
when the PodMonitor is on and sets one, else prometheusRule.scrapeInterval;
with the PrometheusRule on, the two must agree (its rules are those of the
interval: 5s rules, 20 s windows, over a 15 s scrape hold one sample at
times), so prometheusRule.scrapeInterval is then the one source of truth and
the PodMonitor's interval may only repeat it.
Only the rows of deploy/prometheus/README.md's table (1s, 5s, 15s): the chart
ships rules for those alone (files/rules-<interval>.yml) and adapts the
controller to them (scaler.burst_window 4s, 10s, 30s; the default
prometheus.max_scrape_gap, 30s, holds two scrapes up to 15s). The schema's
enums refuse anything else first; this is the same refusal when the schema is
skipped (--skip-schema-validation). It used to take any duration: at 30s or
1m the burst window stayed 10s (rate() never held two samples) and the gap
bound 30s (the idler's coverage check refused every gap at 1m: nothing idled).
*/}}
{{- define "fa.scrapeInterval" -}}
{{- $supported := list "1s" "5s" "15s" }}
{{- $every := .Values.prometheusRule.scrapeInterval }}
{{- if not (has $every $supported) }}
{{- fail (printf "prometheusRule.scrapeInterval=%v: the chart supports a gateway scrape of 1s, 5s or 15s (values.schema.json), the intervals it ships rules for (files/rules-1s.yml, rules-5s.yml, rules-15s.yml)" $every) }}
{{- end }}
{{- if .Values.gatewayPodMonitor.enabled }}
{{- $gw := .Values.gatewayPodMonitor.interval | default "" }}
{{- if and $gw (not (has $gw $supported)) }}
{{- fail (printf "gatewayPodMonitor.interval=%v: the chart supports a gateway scrape of 1s, 5s or 15s (values.schema.json), the intervals it ships rules for (files/rules-<interval>.yml) and adapts the controller's scaler.burst_window and prometheus.max_scrape_gap to; for a slower scrape, turn gatewayPodMonitor off, scrape the gateway with a monitor of your own, load `faas-autoscaler rules --scrape-interval <interval>` and set config.scaler.burst_window and config.prometheus.max_scrape_gap to at least two scrapes" $gw) }}
{{- end }}
{{- if and $gw .Values.prometheusRule.enabled (ne $gw $every) }}
{{- fail (printf "gatewayPodMonitor.interval=%v but prometheusRule.scrapeInterval=%v: the PrometheusRule would hold the rules for a %v scrape (files/rules-%v.yml, windows of four scrapes) over a gateway scraped every %v, where rate() over a window holds one sample at times and the alerts flap or never fire (`faas-autoscaler rules` refuses such a window); set prometheusRule.scrapeInterval=%v and leave gatewayPodMonitor.interval empty (it follows)" $gw $every $every $every $gw $gw) }}
{{- end }}
{{- $every = default $every $gw }}
{{- end }}
{{- $every }}
{{- end }}

{{- define "fa.imageTag" -}}{{ .Values.image.tag | default .Chart.AppVersion }}{{- end }}

{{/*
The pull policy, unless image.pullPolicy sets one: Always for latest, which
moves (a node that pulled it once would run that build for good under
IfNotPresent), IfNotPresent for any other tag, which names one build. It is
Kubernetes's own default, written out so the manifest says what runs.
*/}}
{{- define "fa.imagePullPolicy" -}}
{{- if .Values.image.pullPolicy }}{{ .Values.image.pullPolicy }}
{{- else if eq (include "fa.imageTag" .) "latest" }}Always
{{- else }}IfNotPresent{{ end }}
{{- end }}

{{/* The Secret mounted at --secret-mount-path (webhook basic auth; with openfaas also the gateway's). */}}
{{- define "fa.authSecret" -}}
{{- $s := .Values.webhook.secretName }}
{{- if eq .Values.provider "openfaas" }}
{{- if and $s (ne $s .Values.openfaas.basicAuthSecret) }}
{{- fail (printf "webhook.secretName=%q with provider=openfaas: the controller reads one Secret for the gateway and the webhook (--secret-mount-path); leave it empty or set it to openfaas.basicAuthSecret (%q)" $s .Values.openfaas.basicAuthSecret) }}
{{- end }}
{{- .Values.openfaas.basicAuthSecret }}
{{- else if contains "basic" .Values.webhook.auth }}
{{- default "faas-autoscaler-webhook" $s }}
{{- end }}
{{- end }}

{{- define "fa.leaseName" -}}{{ include "fa.fullname" . }}{{- end }}

{{- define "fa.secretMountPath" -}}/var/secrets/faas-autoscaler{{- end }}
{{- define "fa.configPath" -}}/etc/faas-autoscaler/config.yaml{{- end }}

{{/*
The configuration file (the ConfigMap's config.yaml). The pods' checksum/config
annotation hashes this and not the rendered ConfigMap, whose labels carry the
chart and app versions: a chart upgrade that leaves the file alone must not
roll the controllers (and hand the Lease over) for nothing.
*/}}
{{- define "fa.configFile" -}}
{{- $cfg := deepCopy (.Values.config | default dict) }}
{{- if .Values.gatewayPodMonitor.enabled }}
{{- /* The prometheus-operator labels a PodMonitor's targets job
"<namespace>/<name>" (and pod, not kubernetes_pod_name): the controller's
default coverage selector, which names the OpenFaaS chart's jobs, matches
none of them, and without the gateway's up series nothing is ever idled. */}}
{{- $prom := get $cfg "prometheus" | default dict }}
{{- if not (hasKey $prom "coverage_selector") }}
{{- $_ := set $prom "coverage_selector" (printf "up{job=%q}" (printf "%s/%s-gateway" .Release.Namespace (include "fa.fullname" .))) }}
{{- $_ := set $cfg "prometheus" $prom }}
{{- end }}
{{- end }}
{{- if or .Values.gatewayPodMonitor.enabled .Values.prometheusRule.enabled }}
{{- /* The gateway's scrape interval the chart declares (the PodMonitor's,
else the rules'): the controller's burst window must hold two scrapes, or
rate() over it reads nothing and every burst reading is missing (a 10 s
window at a 15 s scrape). deploy/prometheus/README.md's table. */}}
{{- $every := include "fa.scrapeInterval" . }}
{{- $burst := get (dict "1s" "4s" "5s" "10s" "15s" "30s") $every }}
{{- $sc := get $cfg "scaler" | default dict }}
{{- if and $burst (ne $burst "10s") (not (hasKey $sc "burst_window")) }}{{/* 10s: the controller's default */}}
{{- $_ := set $sc "burst_window" $burst }}
{{- $_ := set $cfg "scaler" $sc }}
{{- end }}
{{- end }}
{{- if $cfg }}
{{- toYaml $cfg }}
{{- else -}}
# Empty: every key keeps the controller's default (config.Default()).
{}
{{- end }}
{{- end }}

{{/*
The namespace a Service URL names (http://prometheus.openfaas:9090 → openfaas;
name.ns.svc[.cluster.local] too), "" for a host of one label (the release's
namespace), an IP or any other name. The NetworkPolicy's peers default to it:
defaulted to the release's namespace, a controller installed in a namespace of
its own (or a Prometheus in "monitoring") had every query dropped while it ran
and reported Ready.
*/}}
{{- define "fa.urlNamespace" -}}
{{- $host := regexReplaceAll ":[0-9]+$" ((urlParse .).host | default "") "" -}}
{{- $parts := splitList "." $host -}}
{{- if and (not (regexMatch "^[0-9.]+$" $host)) (or (eq (len $parts) 2) (and (gt (len $parts) 2) (eq (index $parts 2) "svc"))) -}}
{{- index $parts 1 -}}
{{- end -}}
{{- end }}

{{/* A NetworkPolicy peer: pods matching podSelector in a namespace (default: the release's). */}}
{{- define "fa.peer" -}}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ default .root.Release.Namespace .peer.namespace | quote }}
  podSelector:
    {{- toYaml .peer.podSelector | nindent 4 }}
{{- end }}

{{- /*
The label matchers of the controller's own scrape targets, which the
PrometheusRule's health alerts select: prometheusRule.healthAlerts.selector,
else the job the operator gives this release's ServiceMonitor's targets (the
Service's name, in this namespace) or PodMonitor's (<namespace>/<name>);
empty when the health alerts are off or the job is unknown.
*/}}
{{- define "fa.healthSelector" -}}
{{- $h := .Values.prometheusRule.healthAlerts }}
{{- if $h.enabled }}
{{- if $h.selector }}{{ $h.selector }}
{{- else if .Values.serviceMonitor.enabled }}job={{ include "fa.fullname" . | quote }},namespace={{ .Release.Namespace | quote }}
{{- else if .Values.podMonitor.enabled }}job={{ printf "%s/%s" .Release.Namespace (include "fa.fullname" .) | quote }}
{{- end }}
{{- end }}
{{- end }}
