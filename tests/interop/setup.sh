#!/usr/bin/env bash
# Install the openleadr referee environment for interop tests and benchmarks.
# Idempotent and quiet: when everything is already in place it only runs a few
# cheap checks (no pip, no apt). Usage: bash tests/interop/setup.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${INTEROP_VENV:-$REPO/target/interop-venv}"
REQ="$HERE/requirements.txt"
PY="${PYTHON:-python3}"
LOG="$(mktemp -t interop-setup.XXXXXX)"
trap 'rm -f "$LOG"' EXIT

fail() {
  echo "interop setup: $1 failed; log follows:" >&2
  tail -n 40 "$LOG" >&2
  exit 1
}

# --- system tools: xmllint (libxml2-utils) and xmlsec1, only when missing ---
pkgs=()
command -v xmllint >/dev/null 2>&1 || pkgs+=(libxml2-utils)
command -v xmlsec1 >/dev/null 2>&1 || pkgs+=(xmlsec1)
if ((${#pkgs[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Try without refreshing the package lists first; update only if that fails.
  if ! $SUDO apt-get install -y -qq "${pkgs[@]}" >>"$LOG" 2>&1; then
    $SUDO apt-get update -qq >>"$LOG" 2>&1 || fail "apt-get update"
    $SUDO apt-get install -y -qq "${pkgs[@]}" >>"$LOG" 2>&1 || fail "apt-get install ${pkgs[*]}"
  fi
  echo "interop setup: installed ${pkgs[*]}" >&2
fi

# --- Python venv with pinned openleadr ---
STAMP="$VENV/.interop-requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
   && "$VENV/bin/python" -S -c '' >/dev/null 2>&1; then
  exit 0
fi

if ! [ -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PY" -m venv "$VENV" >>"$LOG" 2>&1 || fail "python venv creation"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input -r "$REQ" >>"$LOG" 2>&1 \
  || fail "pip install -r $REQ"
"$VENV/bin/python" -c 'import openleadr.messaging, openleadr.client, openleadr.server' >>"$LOG" 2>&1 \
  || fail "import openleadr"
echo "$want" >"$STAMP"
echo "interop setup: openleadr $("$VENV/bin/python" -c 'from openleadr._version import __version__; print(__version__)') ready in $VENV" >&2
