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
# A port that is taken stops the script before it starts anything, naming
# the variable that moves it; a component that exits, while the script waits
# for it or once the stack is up, stops everything, with the end of its log
# (exit 1). A variable that is not a port, or two components on one port,
# exit 2.
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

# Port checks. bash's /dev/tcp connects without needing ss or nc: a
# connection to 127.0.0.1 succeeds when anything listens there, on loopback
# or on all addresses, which is exactly what makes our bind fail.
port_taken() { # port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
port_holder() { # port: who listens there, when ss can tell
  if command -v ss >/dev/null; then
    ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:(\(.*\))[[:space:]]*$/\1/p' |
      paste -sd' ' - | sed 's/.\{1,\}/ (held by &)/'
  fi
}
require_free() { # name var
  local port=${!2}
  if port_taken "$port"; then
    echo "e2e/up.sh: $1 port $port is already in use$(port_holder "$port"); set $2 to a free port" >&2
    exit 1
  fi
}
declare -A used_by=()
for var in GATEWAY_PORT CONTROLLER_PORT PROMETHEUS_PORT ALERTMANAGER_PORT; do
  port=${!var}
  if ! [[ $port =~ ^[0-9]{1,5}$ ]] || ((10#$port < 1 || 10#$port > 65535)); then
    echo "e2e/up.sh: $var=\"$port\" is not a port number (1-65535)" >&2
    exit 2
  fi
  port=$((10#$port))
  printf -v "$var" %d "$port" # normalised, so 08081 and 8081 are one port
  if [ -n "${used_by[$port]:-}" ]; then
    echo "e2e/up.sh: $var and ${used_by[$port]} are both $port; give each component its own port" >&2
    exit 2
  fi
  used_by[$port]=$var
done
# Before the build, so a clash costs no time; each start checks again.
require_free gateway GATEWAY_PORT
require_free alertmanager ALERTMANAGER_PORT
require_free prometheus PROMETHEUS_PORT
require_free controller CONTROLLER_PORT

# The controller's burst window, from deploy/prometheus/README.md's interval
# table: it should span a few scrapes, so at the 1 s scrape the shipped 10s
# would wait for ten scrapes of a load step; the table recommends 4s.
case $SCRAPE in
1s) BURST_WINDOW=4s ;;
5s) BURST_WINDOW=10s ;;
15s) BURST_WINDOW=30s ;;
*)
  BURST_WINDOW=10s # the default; the table has no row for this interval
  echo "note: SCRAPE=$SCRAPE has no row in deploy/prometheus/README.md's table; scaler.burst_window keeps its default 10s" >&2
  ;;
esac

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
# The controller's tuning goes in its --config file (docs/configuration.md);
# the old flags for these keys still work but log deprecation warnings.
cat >"$D/config.yaml" <<EOF
scaler:
  burst_window: $BURST_WINDOW # deploy/prometheus/README.md's table at a $SCRAPE scrape
idler:
  schedule: "@every 10s"
prometheus:
  coverage_selector: 'up{job="gateway"}'
  max_scrape_gap: 10s
EOF

# Children, each with its own log; cleanup stops them by PID. start records
# which process, port and variable belong to a component, for wait_ready.
declare -A pid_of=() port_var_of=()
start() { # name port-variable command...
  local name=$1 var=$2
  shift 2
  require_free "$name" "$var"
  "$@" >"$D/$name.log" 2>&1 &
  pids+=($!)
  pid_of[$name]=$!
  port_var_of[$name]=$var
}
start gateway GATEWAY_PORT \
  "$FA" gateway --listen "127.0.0.1:$GATEWAY_PORT" --secret-mount-path "$D/secrets" --cold-start 2s \
  --function figlet.openfaas-fn:com.openfaas.scale.max=10 \
  --function nodeinfo.openfaas-fn:com.openfaas.scale.type=capacity,com.openfaas.scale.target=5 \
  --function sleepy.openfaas-fn:com.openfaas.scale.zero=true,com.openfaas.scale.zero-duration=1m
start alertmanager ALERTMANAGER_PORT \
  "$ALERTMANAGER" --config.file="$D/alertmanager.yml" --storage.path="$D/am" \
  --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" --cluster.listen-address=
start prometheus PROMETHEUS_PORT \
  "$PROMETHEUS" --config.file="$D/prometheus.yml" --storage.tsdb.path="$D/prom" \
  --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --rules.alert.resend-delay=1s
start controller CONTROLLER_PORT \
  "$FA" run --provider openfaas --gateway-url "http://127.0.0.1:$GATEWAY_PORT" \
  --prometheus-url "http://127.0.0.1:$PROMETHEUS_PORT" --secret-mount-path "$D/secrets" \
  --listen "127.0.0.1:$CONTROLLER_PORT" --config "$D/config.yaml"

# fail names the component, its port and the variable that moves it, shows
# the end of its log, and exits; the EXIT trap stops everything started.
fail() { # name why
  local var=${port_var_of[$1]}
  {
    echo "e2e/up.sh: $1 (port ${!var}; $var moves it) $2; the last lines of $1.log:"
    tail -n 20 "$D/$1.log" | sed 's/^/  | /'
  } >&2
  exit 1
}
# wait_ready polls the URL, but a reply proves nothing unless the process we
# started is still alive (a bind error leaves another server answering), and,
# where ss can tell, is the one listening on the port.
wait_ready() { # name url
  local pid=${pid_of[$1]} var=${port_var_of[$1]} status holder
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      status=0
      wait "$pid" || status=$?
      fail "$1" "exited with status $status before it was ready"
    fi
    if curl -fs -o /dev/null "$2"; then
      holder=$(port_holder "${!var}")
      if [ -n "$holder" ] && [[ $holder != *"pid=$pid,"* ]]; then
        fail "$1" "is not the process answering at $2$holder"
      fi
      return 0
    fi
    sleep 0.1
  done
  fail "$1" "did not become ready at $2 within 10 s"
}
wait_ready gateway "http://127.0.0.1:$GATEWAY_PORT/healthz"
wait_ready alertmanager "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready"
wait_ready prometheus "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"
wait_ready controller "http://127.0.0.1:$CONTROLLER_PORT/readyz"

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
# Any one component ending stops the stack: waiting for all four kept the
# script, and the three left, running on with nothing saying one was gone.
# Polled, not `wait -n`: bash reaps a child that ends before `wait -n` is
# called (here, between the last readiness check and the wait), and then
# `wait -n` says "no such job" for it and waits on the other three for
# ever (CI's TestUpStopsWhenAComponentDies, session 55).
ended=
status=0
while [ -z "$ended" ]; do
  for p in "${pids[@]:0:4}"; do
    if ! kill -0 "$p" 2>/dev/null; then
      ended=$p
      wait "$p" 2>/dev/null || status=$?
      break
    fi
  done
  [ -n "$ended" ] || sleep 0.5
done
for name in "${!pid_of[@]}"; do
  if [ "${pid_of[$name]}" = "$ended" ]; then
    fail "$name" "exited with status $status; stopping the stack"
  fi
done
