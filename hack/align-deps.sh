#!/usr/bin/env bash
# Aligns the versions of the modules the Kubernetes-side tools share, so that
# one build cache serves them all. kube-apiserver & co. (k8s-tools), etcd,
# kwok, helm and promtool import the same k8s.io/*, grpc, otel, protobuf,
# prometheus and golang.org/x packages; at different versions each is
# compiled once per tool (a cold `make test` compiled ~1,700 such packages
# twice). Every module path a tool's build uses is raised to the highest
# version any of the tools uses (never lowered: MVS would then lower the
# tool itself); modules a go.mod replaces are left to the replace.
# All tools build with the same flags (CGO_ENABLED=0 -trimpath), which is the
# other half of sharing the cache.
# Usage: hack/align-deps.sh        (then review `git diff hack/`, build, test)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0
declare -A targets=(
	[k8s-tools]="k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl"
	[etcd-tool]="go.etcd.io/etcd/server/v3"
	[kwok-tool]="sigs.k8s.io/kwok/cmd/kwok"
	[helm-tool]="helm.sh/helm/v3/cmd/helm"
	[promtool-tool]="github.com/prometheus/prometheus/cmd/promtool"
)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fmt='{{with .Module}}{{.Path}} {{with .Replace}}R{{.Version}}{{else}}{{.Version}}{{end}}{{end}}'

for round in 1 2 3; do
	for m in "${!targets[@]}"; do
		# shellcheck disable=SC2086
		(cd "$here/$m" && go list -deps -f "$fmt" ${targets[$m]}) | sort -u >"$tmp/$m"
	done
	# Highest version per path; "-" -> "~" makes sort -V rank a pre-release
	# (and a pseudo-version) below its release, as semver does.
	cat "$tmp"/*-tool* "$tmp"/k8s-tools | sed 's/ R/ /' | awk 'NF==2' | sed 's/-/~/g' |
		sort -k1,1 -k2,2V | awk '{m[$1]=$2} END{for (p in m) print p, m[p]}' | sed 's/~/-/g' | sort >"$tmp/max"
	changed=0
	for m in "${!targets[@]}"; do
		args=$(join "$tmp/$m" "$tmp/max" | awk '$2 !~ /^R/ && $2 != $3 {print $1 "@" $3}')
		[ -n "$args" ] || continue
		changed=1
		echo "==> $m: $(echo "$args" | wc -w) modules raised (round $round)"
		# A raised module may need more than the highest version seen of
		# another ("X requires Y@v2, not Y@v1"): ask for that one instead.
		for _ in $(seq 20); do
			# shellcheck disable=SC2086
			if out=$(cd "$here/$m" && go get $args 2>&1); then break; fi
			fix=$(echo "$out" | sed -n 's/.* requires \([^@ ]*\)@\([^,]*\), not .*/\1 \2/p' | head -1)
			[ -n "$fix" ] || { echo "$out" >&2; exit 1; }
			set -- $fix
			args=$(echo "$args" | tr ' ' '\n' | awk -v p="$1" -v v="$2" -F@ '$1==p {print p "@" v; next} {print}')
		done
		(cd "$here/$m" && go mod tidy)
	done
	[ "$changed" = 1 ] || { echo "==> aligned"; exit 0; }
done
echo "still changing after 3 rounds" >&2
exit 1
