#!/usr/bin/env bash
# The body of `make test`: the whole suite, with the cold tool builds
# overlapped with the tests that need no built tool.
#
# Cold, building the tools (kube-apiserver & co., etcd, kwok, helm, promtool,
# nats-server) is most of the CPU, while the long test packages (faults, e2e,
# metricsource/prometheus) mostly wait on real servers and timers. Run one
# after the other, a 2-core machine sat partly idle; here they run at once:
#
#   tools  (nice'd)   k8s-tools -> helm -> prom-operator-crds -> promtool3
#   go                nats-server, then every package that needs no tool but it
#                     (one go test, so no more test binaries at once than
#                     `go test ./...`: the e2e and fault tests are timing-sensitive),
#                     then test-knative
#   after both        the Kubernetes, chart and promtool packages
#
# The Kubernetes-side tools build one after another, never at once: they
# share most of their packages (hack/align-deps.sh keeps their versions the
# same), and two go commands building the same package at the same time both
# compile it. Meanwhile `go mod download` runs for every module at once, so
# the next tool's downloads overlap the current tool's compile.
#
# Each part's output goes to a log, printed whole when the part ends, so the
# output stays readable; any failing part fails `make test` and is named at
# the end. A package missing from the lists below that needs a tool fails
# under CI=true (testenv), it is not skipped silently.
#
# Warm (tools built), every tool step is a no-op and the parts still overlap.
# Run from the Makefile (it exports TOOLS_DIR, K8S_TEST_BIN, HELM, ...).
set -uo pipefail
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
GO=${GO:-go}
TIMEOUT=${TEST_TIMEOUT:-20m}

# Packages by the tool they need (testenv.EnvPath / kubecluster / teststack.NeedNATSServer).
nats_pkgs=(./e2e/... ./internal/queueworker/... ./metricsource/jetstream/...)
tool_pkgs=(./chart/... ./cmd/faas-autoscaler/... ./internal/kubecluster/... ./provider/kubernetes/...
	./leader/... ./deploy/kubernetes/... ./rules/... ./dashboards/...)

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
start=$(date +%s)
since() { echo "$(($(date +%s) - start)) s"; }

# part NAME CMD...: runs CMD in the background into NAME's log, then prints
# the log whole under one header and records the exit status.
part() {
	local name=$1
	shift
	(
		t0=$(date +%s)
		"$@" >"$logs/$name.log" 2>&1
		rc=$?
		{
			if [ "$rc" = 0 ]; then s=ok; else s="FAILED (exit $rc)"; fi
			echo "==> [$name] $s after $(($(date +%s) - t0)) s (at $(since))"
			sed "s/^/[$name] /" "$logs/$name.log"
		} | { flock 9; cat; } 9>"$logs/.print"
		echo "$rc" >"$logs/$name.rc"
	) &
}

go_test() { $GO test -count=1 -timeout "$TIMEOUT" "$@"; }

prefetch() {
	local pids=() m rc=0
	for m in . bench/knative hack/*/; do
		[ -f "$m/go.mod" ] || continue
		(cd "$m" && GOWORK=off GOFLAGS=-mod=mod $GO mod download) &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	return $rc
}

no_tool_pkgs() {
	local skip
	skip=$(printf '%s\n' "${nats_pkgs[@]}" "${tool_pkgs[@]}" | sed 's|^\./\(.*\)/\.\.\.$|github.com/faas-autoscaler/faas-autoscaler/\1|')
	$GO list ./... | grep -v -F -x -f <(echo "$skip") | grep -v -F -f <(echo "$skip" | sed 's|$|/|')
}

tools() { nice -n 10 "$MAKE" --no-print-directory k8s-tools helm prom-operator-crds promtool3; }
gopkgs() {
	local pkgs
	pkgs=$(no_tool_pkgs) || return 1
	"$MAKE" --no-print-directory nats-server || return 1
	# shellcheck disable=SC2086
	go_test $pkgs "${nats_pkgs[@]}" && "$MAKE" --no-print-directory test-knative
}

echo "==> at once: go mod download of every module (root, bench/knative, hack/*) | tools (k8s-tools, helm,"
echo "    prom-operator-crds, promtool3; nice'd) | nats-server, then the packages needing no other tool, then test-knative"
part download prefetch
part tools tools
part go gopkgs
wait
if [ "$(cat "$logs/tools.rc")" = 0 ]; then
	part tool-pkgs go_test "${tool_pkgs[@]}"
else
	echo "==> [tool-pkgs] not run: the tools did not build"
	echo 1 >"$logs/tool-pkgs.rc"
fi
wait

# digest PART...: the failing tests and their first messages, at most
# digest_lines lines, printed last. A CI log is often read from its tail, and
# a failing test's server logs (printed on failure) push its message far up.
digest_lines=14
digest() {
	local n
	echo "make test: what failed (the first $digest_lines lines; the whole output is above):"
	for n in "$@"; do
		grep -E -- '^\s*--- FAIL|^\s+[A-Za-z0-9_]+\.go:[0-9]+: |^panic: |^FAIL\s|^# |\[build failed\]|^ERROR|^make(\[[0-9]+\])?: \*\*\*' "$logs/$n.log" |
			grep -v -E 'output:$' | cut -c1-220 | sed "s/^/[$n] /"
	done | head -n "$digest_lines"
}

failed=()
for n in download tools go tool-pkgs; do
	[ "$(cat "$logs/$n.rc" 2>/dev/null)" = 0 ] || failed+=("$n")
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "make test: FAILED after $(since): ${failed[*]} (see the [part] lines above)" >&2
	digest "${failed[@]}" >&2
	exit 1
fi
echo "==> make test: all parts passed in $(since)"
