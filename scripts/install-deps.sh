#!/usr/bin/env bash
# Installs what the tests need when it is missing: Debian's Prometheus and
# AlertManager (which bring promtool and amtool). As root it uses apt-get;
# otherwise it stops and says exactly what to install.
set -euo pipefail
need=()
command -v prometheus >/dev/null || need+=(prometheus)
command -v promtool >/dev/null || need+=(prometheus)
if ! command -v prometheus-alertmanager >/dev/null && ! command -v alertmanager >/dev/null; then
  need+=(prometheus-alertmanager)
fi
command -v amtool >/dev/null || need+=(prometheus-alertmanager)
if [ ${#need[@]} -eq 0 ]; then
  echo "==> prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}'), alertmanager $( (prometheus-alertmanager --version 2>&1 || alertmanager --version 2>&1) | head -1 | awk '{print $3}') already installed"
  exit 0
fi
pkgs=$(printf '%s\n' "${need[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" -ne 0 ]; then
  echo "missing: $pkgs" >&2
  echo "install them with: sudo apt-get install --no-install-recommends $pkgs" >&2
  exit 1
fi
echo "==> installing $pkgs from Debian (apt-get, --no-install-recommends; about 15 s)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
# Debian's packages may start the services; the tests start their own on free ports.
for s in prometheus prometheus-alertmanager; do
  if [ -x "/etc/init.d/$s" ]; then "/etc/init.d/$s" stop >/dev/null 2>&1 || true; fi
done
echo "==> installed: $(prometheus --version 2>&1 | head -1)"
