#!/usr/bin/env bash
# e2e/up.sh (make e2e-up): the end-to-end stack by hand, for a person to try.
# Starts the simulated OpenFaaS gateway, a real Prometheus loaded with the
# rules `faas-autoscaler rules` generates, a real AlertManager with the
# config `faas-autoscaler alertmanager-config` generates, and the controller,
# all on loopback. Prints the URLs and a load command; Ctrl-C stops all.
#
# Ports (override with the environment): GATEWAY_PORT 8081, CONTROLLER_PORT
# 8080, PROMETHEUS_PORT 9090, ALERTMANAGER_PORT 9093. SCRAPE (default 1s)
# is the scrape and evaluation interval the rules are generated for.
set -euo pipefail
cd "$(dirname "$0")/.."

GATEWAY_PORT=${GATEWAY_PORT:-8081}
CONTROLLER_PORT=${CONTROLLER_PORT:-8080}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
ALERTMANAGER_PORT=${ALERTMANAGER_PORT:-9093}
SCRAPE=${SCRAPE:-1s}

PROMETHEUS=$(command -v prometheus || true)
ALERTMANAGER=$(command -v prometheus-alertmanager || command -v alertmanager || true)
if [ -z "$PROMETHEUS" ] || [ -z "$ALERTMANAGER" ]; then
  echo "need prometheus and prometheus-alertmanager: run 'make deps' (Debian: apt-get install --no-install-recommends prometheus prometheus-alertmanager)" >&2
  exit 1
fi

if ! command -v curl >/dev/null; then
  echo "need curl (to wait for the servers): apt-get install --no-install-recommends curl" >&2
  exit 1
fi

D=$(mktemp -d -t faas-autoscaler-e2e-up-XXXXXX)
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "==> stopping"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  echo "==> logs were in $D (removed)"
  rm -rf "$D"
}
trap cleanup INT TERM EXIT

echo "==> building the controller"
go build -o "$D/faas-autoscaler" ./cmd/faas-autoscaler
FA="$D/faas-autoscaler"

mkdir -p "$D/secrets"
printf 'admin\n' >"$D/secrets/basic-auth-user"
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$D/secrets/basic-auth-password"
PASSWORD=$(cat "$D/secrets/basic-auth-password")

echo "==> generating rules (scrape $SCRAPE) and the AlertManager config"
"$FA" rules --scrape-interval "$SCRAPE" -o "$D/rules.yml"
"$FA" alertmanager-config --full --controller-url "http://127.0.0.1:$CONTROLLER_PORT" \
  --username admin --password-file "$D/secrets/basic-auth-password" \
  --group-wait 1s --group-interval 1s -o "$D/alertmanager.yml"
cat >"$D/prometheus.yml" <<EOF
global: {scrape_interval: $SCRAPE, evaluation_interval: $SCRAPE}
rule_files: [$D/rules.yml]
alerting: {alertmanagers: [{static_configs: [{targets: ['127.0.0.1:$ALERTMANAGER_PORT']}]}]}
scrape_configs:
- job_name: gateway
  static_configs: [{targets: ['127.0.0.1:$GATEWAY_PORT']}]
- job_name: faas-autoscaler
  static_configs: [{targets: ['127.0.0.1:$CONTROLLER_PORT']}]
EOF

# Children, each with its own log; cleanup stops them by PID.
"$FA" gateway --listen "127.0.0.1:$GATEWAY_PORT" --secret-mount-path "$D/secrets" --cold-start 2s \
  --function figlet.openfaas-fn:com.openfaas.scale.max=10 \
  --function nodeinfo.openfaas-fn:com.openfaas.scale.type=capacity,com.openfaas.scale.target=5 \
  --function sleepy.openfaas-fn:com.openfaas.scale.zero=true,com.openfaas.scale.zero-duration=1m \
  >"$D/gateway.log" 2>&1 &
pids+=($!)
"$ALERTMANAGER" --config.file="$D/alertmanager.yml" --storage.path="$D/am" \
  --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" --cluster.listen-address= >"$D/alertmanager.log" 2>&1 &
pids+=($!)
"$PROMETHEUS" --config.file="$D/prometheus.yml" --storage.tsdb.path="$D/prom" \
  --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --rules.alert.resend-delay=1s >"$D/prometheus.log" 2>&1 &
pids+=($!)
"$FA" run --provider openfaas --gateway-url "http://127.0.0.1:$GATEWAY_PORT" \
  --prometheus-url "http://127.0.0.1:$PROMETHEUS_PORT" --secret-mount-path "$D/secrets" \
  --listen "127.0.0.1:$CONTROLLER_PORT" --idle-schedule '@every 10s' \
  --prometheus-coverage-selector 'up{job="gateway"}' --prometheus-max-scrape-gap 10s \
  >"$D/controller.log" 2>&1 &
pids+=($!)

wait_ready() { # name url
  for _ in $(seq 1 100); do
    if curl -fs -o /dev/null "$2"; then return 0; fi
    sleep 0.1
  done
  echo "$1 did not become ready at $2; its log:" >&2
  return 1
}
wait_ready gateway "http://127.0.0.1:$GATEWAY_PORT/healthz" || { cat "$D/gateway.log"; exit 1; }
wait_ready alertmanager "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready" || { cat "$D/alertmanager.log"; exit 1; }
wait_ready prometheus "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" || { cat "$D/prometheus.log"; exit 1; }
wait_ready controller "http://127.0.0.1:$CONTROLLER_PORT/readyz" || { cat "$D/controller.log"; exit 1; }

cat <<EOF

faas-autoscaler end-to-end stack is up (Ctrl-C stops everything):
  gateway (simulated)  http://127.0.0.1:$GATEWAY_PORT   basic auth admin / $PASSWORD
  controller           http://127.0.0.1:$CONTROLLER_PORT/api/v1/functions   /metrics
  prometheus           http://127.0.0.1:$PROMETHEUS_PORT/alerts
  alertmanager         http://127.0.0.1:$ALERTMANAGER_PORT
  logs                 $D/{gateway,controller,prometheus,alertmanager}.log

Put load on a function, then watch it scale:
  curl -u admin:$PASSWORD -X PUT 'http://127.0.0.1:$GATEWAY_PORT/sim/load/figlet?namespace=openfaas-fn' -d '{"rps":200}'
  curl -s http://127.0.0.1:$CONTROLLER_PORT/api/v1/functions
'sleepy' opts in to scale to zero after 1m without invocations.

EOF
tail -n0 -f "$D/controller.log" &
pids+=($!)
wait "${pids[@]:0:4}"
