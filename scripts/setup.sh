#!/usr/bin/env bash
# Installs what the tests and tools need and is not a crate: Debian packages
# (xmllint, xmlsec1, openssl), the Python venv with openleadr (interop peer and
# XSD source), and the contracts' npm packages. Idempotent and quick when done.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

need=()
command -v xmllint >/dev/null || need+=(libxml2-utils)
command -v xmlsec1 >/dev/null || need+=(xmlsec1)
command -v openssl >/dev/null || need+=(openssl)
# adr-xmlsig (XML signatures) links libxmlsec1 (OpenSSL backend) and libxml2 through pkg-config.
pkg-config --exists xmlsec1-openssl 2>/dev/null || need+=(libxmlsec1-dev libxml2-dev pkg-config)
pkg-config --exists openssl 2>/dev/null || need+=(libssl-dev)
command -v node >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
bash tests/interop/setup.sh
if [ ! -d contracts/node_modules ]; then
  (cd contracts && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup: ok"
