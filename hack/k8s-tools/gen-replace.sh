#!/usr/bin/env bash
# Prints the replace block for go.mod: k8s.io/kubernetes's own go.mod replaces
# every staging module with ./staging/..., which is not in the module zip, so
# each one must point at the published v0.<minor>.<patch> instead.
# sample-cli-plugin and sample-controller are not published at that tag and
# nothing the tools import needs them.
# Usage: hack/k8s-tools/gen-replace.sh v1.37.2
set -euo pipefail
K=${1:-v1.37.2}
S=v0.${K#v1.}
mod=$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
echo "replace ("
sed -n '/^replace (/,/^)/p' "$mod" |
	awk -v s="$S" '/=>/ && $1 !~ /sample-(cli-plugin|controller)/ {printf "\t%s => %s %s\n", $1, $1, s}'
echo ")"
