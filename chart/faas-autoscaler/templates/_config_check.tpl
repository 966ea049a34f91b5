{{/*
The controller's rules on the configuration file that values.schema.json
cannot state, checked before helm installs anything: a value the controller
refuses at start passed helm, and every pod exited 2 (a crash loop). The
schema holds the grammar of durations and the ranges of numbers; this holds
the bounds of durations, read with Go's own parser (sprig's mustDateModify
from a fixed instant, then the difference), and the rules between two keys
when the file sets both, a key the chart sets itself included
(scaler.burst_window, from the gateway's scrape). A rule between a key the
values set and one left to the controller's default (defaults.min above the
default max, 20) stays the controller's: the chart does not know its
defaults, which an image of another version may change. Each message names
the value, then the controller's rule (config.Validate);
chart/controller_refusals_test.go holds every rule to the controller's
verdict on the same values.
*/}}
{{- define "fa.checkConfig" -}}
{{- $cfg := include "fa.configFile" . | fromYaml }}
{{- $t0 := toDate "2006-01-02" "2000-01-01" }}
{{- /* Each duration key's bounds: min (at least), above (more than), max (at most), whole (whole seconds). */}}
{{- $bounds := dict
  "scaler.interval" (dict "min" "100ms" "max" "24h")
  "scaler.stable_window" (dict "min" "1s")
  "scaler.burst_window" (dict "min" "1s")
  "scaler.align_lag" (dict "min" "0s")
  "defaults.zero_duration" (dict "min" "1s")
  "defaults.down_window" (dict "min" "0s" "max" "1h")
  "defaults.step_dedup" (dict "min" "0s")
  "idler.refused_backoff" (dict "above" "0s")
  "keep_alive.cold_start_worth" (dict "above" "0s")
  "keep_alive.prewarm_interval" (dict "min" "1s")
  "keep_alive.rebuild_lookback" (dict "min" "0s")
  "keep_alive.rebuild_timeout" (dict "above" "0s")
  "keep_alive.learn_step" (dict "min" "1s" "max" "1m")
  "keep_alive.read_timeout" (dict "above" "0s")
  "actuator.call_timeout" (dict "above" "0s")
  "actuator.backoff_initial" (dict "above" "0s")
  "actuator.backoff_max" (dict "above" "0s")
  "actuator.refused_backoff" (dict "above" "0s")
  "prometheus.max_scrape_gap" (dict "min" "1s" "max" "1h")
  "prometheus.timeout" (dict "above" "0s")
  "server.read_header_timeout" (dict "above" "0s")
  "server.read_timeout" (dict "above" "0s")
  "server.write_timeout" (dict "above" "0s")
  "server.idle_timeout" (dict "above" "0s")
  "server.retry_after" (dict "min" "1s" "whole" true)
  "liveness.max_inactivity" (dict "min" "0s")
}}
{{- $bad := list }}
{{- $d := dict }}{{/* each duration key the file sets, as Go reads it */}}
{{- $v := dict }}{{/* and as written */}}
{{- range $key, $b := $bounds }}
{{- $k := splitList "." $key }}
{{- /* Not dig: a section whose keys are all commented out is null, which
dig cannot walk (it panics) and the controller takes as changing nothing;
a section of another type is the schema's (or the controller's) refusal. */}}
{{- $sec := get $cfg (index $k 0) }}
{{- $s := "" }}
{{- if kindIs "map" $sec }}{{ $s = get $sec (index $k 1) }}{{ end }}
{{- /* A plain 0 (a number: --set reads 0 as one) is the duration 0, as the
controller's decoder reads it: held to the bounds like "0s", so a key that
must be above 0s refuses it here as the controller would. */}}
{{- if and (or (kindIs "float64" $s) (kindIs "int64" $s) (kindIs "int" $s)) (eq (float64 $s) 0.0) }}{{ $s = "0" }}{{ end }}
{{- if and (kindIs "string" $s) $s }}{{/* another type: the schema's (or, skipped, the controller's) refusal */}}
{{- $x := (mustDateModify $s $t0).Sub $t0 }}
{{- $_ := set $d $key $x }}
{{- $_ := set $v $key $s }}
{{- if and $b.min (lt $x ((mustDateModify $b.min $t0).Sub $t0)) }}
{{- $bad = append $bad (printf "config.%s=%s: must be at least %s" $key $s $b.min) }}
{{- else if and $b.above (le $x ((mustDateModify $b.above $t0).Sub $t0)) }}
{{- $bad = append $bad (printf "config.%s=%s: must be above %s" $key $s $b.above) }}
{{- else if and $b.max (gt $x ((mustDateModify $b.max $t0).Sub $t0)) }}
{{- $bad = append $bad (printf "config.%s=%s: must be at most %s" $key $s $b.max) }}
{{- else if and $b.whole (ne $x ($x.Truncate ((mustDateModify "1s" $t0).Sub $t0))) }}
{{- $bad = append $bad (printf "config.%s=%s: must be whole seconds (Retry-After is whole seconds)" $key $s) }}
{{- end }}
{{- end }}
{{- end }}
{{- /* Rules between two keys, where the file sets both. */}}
{{- if and (hasKey $d "scaler.burst_window") (hasKey $d "scaler.stable_window") (gt (get $d "scaler.burst_window") (get $d "scaler.stable_window")) }}
{{- if hasKey ((.Values.config | default dict).scaler | default dict) "burst_window" }}
{{- $bad = append $bad (printf "config.scaler.burst_window=%s is above config.scaler.stable_window=%s: the burst window must fit in the stable window" (get $v "scaler.burst_window") (get $v "scaler.stable_window")) }}
{{- else }}
{{- $every := include "fa.scrapeInterval" . }}
{{- $bad = append $bad (printf "config.scaler.stable_window=%s is below scaler.burst_window %s, which the chart sets for the gateway's %s scrape (prometheusRule.scrapeInterval, gatewayPodMonitor.interval: two scrapes at least): set config.scaler.stable_window to %s or more" (get $v "scaler.stable_window") (get $v "scaler.burst_window") $every (get $v "scaler.burst_window")) }}
{{- end }}
{{- end }}
{{- if and (hasKey $d "scaler.align_lag") (hasKey $d "scaler.interval") (ge (get $d "scaler.align_lag") (get $d "scaler.interval")) (ge (get $d "scaler.interval") ((mustDateModify "100ms" $t0).Sub $t0)) }}
{{- $bad = append $bad (printf "config.scaler.align_lag=%s is not below config.scaler.interval=%s: each pass starts that long after a scrape, within the interval" (get $v "scaler.align_lag") (get $v "scaler.interval")) }}
{{- end }}
{{- if and (hasKey $d "actuator.backoff_max") (hasKey $d "actuator.backoff_initial") (lt (get $d "actuator.backoff_max") (get $d "actuator.backoff_initial")) }}
{{- $bad = append $bad (printf "config.actuator.backoff_max=%s is below config.actuator.backoff_initial=%s" (get $v "actuator.backoff_max") (get $v "actuator.backoff_initial")) }}
{{- end }}
{{- $df := $cfg.defaults | default dict }}
{{- if and (hasKey $df "min") (hasKey $df "max") (kindIs "float64" $df.min) (kindIs "float64" $df.max) (gt $df.min $df.max) }}
{{- $bad = append $bad (printf "config.defaults.min=%v is above config.defaults.max=%v" $df.min $df.max) }}
{{- end }}
{{- if and (hasKey $df "scale_up_rate") (hasKey $df "scale_up_pods") (eq (toString $df.scale_up_rate) "1") (eq (toString $df.scale_up_pods) "0") }}
{{- $bad = append $bad "config.defaults.scale_up_pods=0 with config.defaults.scale_up_rate=1: no function would scale up outside bursts (max(current × 1, current + 0) is current)" }}
{{- end }}
{{- $srv := $cfg.server | default dict }}
{{- if and (hasKey $srv "max_in_flight") (hasKey $srv "max_connections") (kindIs "float64" $srv.max_in_flight) (kindIs "float64" $srv.max_connections) (gt $srv.max_connections 0.0) (gt $srv.max_in_flight $srv.max_connections) }}
{{- $bad = append $bad (printf "config.server.max_in_flight=%v is above config.server.max_connections=%v" $srv.max_in_flight $srv.max_connections) }}
{{- end }}
{{- if $bad }}
{{- fail (printf "the controller would refuse its configuration file at start (config.Validate):\n%s" (join "\n" $bad)) }}
{{- end }}
{{- end }}
