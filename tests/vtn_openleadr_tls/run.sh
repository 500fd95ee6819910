#!/usr/bin/env bash
# Interop over mutual TLS (issue 7): openleadr's VEN (PyPI) against our VTN.
#
# Self-contained: installs the referee (tests/interop/setup.sh), makes a test PKI
# in a temp dir, builds `vtn`, starts `vtn serve --tls-stack openssl` (the 2.0b
# profile) with client certificates required and the `provisioned` registration
# policy, pre-provisions the VEN with `vtn vens add --name --fingerprint`, and
# runs tests/vtn_openleadr/ven_driver.py with the VEN's certificate:
#   1. without XML signatures; 2. identity checks (tls_negative.py): a valid
#   certificate claiming another VEN's venID, an unprovisioned certificate;
#   3. with XML signatures when the VTN has them (see the README).
# The admin CLI talks to the same TLS listener (--ca/--cert/--key via env).
# Prints `N passed, M failed` last; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "PASS: $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
finish() { echo "vtn_openleadr_tls: $PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit $?; }

TMP=$(mktemp -d)
VTN_PID=""
stop_vtn() { [ -n "$VTN_PID" ] && kill "$VTN_PID" 2>/dev/null && wait "$VTN_PID" 2>/dev/null; VTN_PID=""; }
cleanup() { stop_vtn; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

if bash tests/interop/setup.sh >"$TMP/setup.log" 2>&1 && source tests/interop/env.sh; then ok "interop setup (openleadr venv)"; else cat "$TMP/setup.log"; ko "interop setup"; finish; fi
if bash certs/make-test-pki.sh "$TMP/pki" >"$TMP/pki.log" 2>&1; then ok "test PKI"; else cat "$TMP/pki.log"; ko "test PKI"; finish; fi
if cargo build -q --workspace --all-targets 2>"$TMP/build.log"; then ok "cargo build"; else cat "$TMP/build.log"; ko "cargo build"; finish; fi
VTN_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/vtn"
P="$TMP/pki"
export VTN_ADMIN_TOKEN="tls-interop-$RANDOM-$RANDOM"
export VTN_CA="$P/ca.crt" VTN_CLIENT_CERT="$P/vtn-rsa.crt" VTN_CLIENT_KEY="$P/vtn-rsa.key"
fp() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r | cut -c45-64 | tr a-f A-F | sed 's/../&:/g; s/:$//'; }

# start_vtn STACK [extra serve args...]
start_vtn() {
  local stack=$1
  shift
  PORT=$("$INTEROP_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export VTN_API="https://localhost:$PORT"
  RUST_LOG=${RUST_LOG:-info} "$VTN_BIN" serve --listen "127.0.0.1:$PORT" --db "$TMP/vtn-$stack-$PORT.db" --poll-freq PT1S \
    --tls-stack "$stack" --tls-cert "$P/vtn-rsa.crt" --tls-key "$P/vtn-rsa.key" \
    --tls-cert-ec "$P/vtn-ec.crt" --tls-key-ec "$P/vtn-ec.key" --client-ca "$P/ca.crt" "$@" \
    >"$TMP/vtn.log" 2>&1 &
  VTN_PID=$!
  for _ in $(seq 1 100); do
    if "$VTN_BIN" vens policy >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  cat "$TMP/vtn.log"
  return 1
}

# drive LABEL VEN_NAME CERT KEY [env...]
drive() {
  local label=$1 name=$2 cert=$3 key=$4
  shift 4
  env "$@" VTN_BIN="$VTN_BIN" VTN_URL="$VTN_API/OpenADR2/Simple/2.0b" VEN_NAME="$name" \
    VEN_CERT="$cert" VEN_KEY="$key" VEN_CA="$P/ca.crt" \
    timeout 100 "$INTEROP_PY" tests/vtn_openleadr/ven_driver.py >"$TMP/driver.log" 2>&1
  grep -E '^(PASS|FAIL)' "$TMP/driver.log" | sed "s/^\(PASS\|FAIL\): /\1: [$label] /"
  local p f
  p=$(grep -c '^PASS' "$TMP/driver.log"); f=$(grep -c '^FAIL' "$TMP/driver.log")
  PASS=$((PASS + p)); FAIL=$((FAIL + f))
  if [ "$p" -lt 10 ]; then ko "[$label] driver ran too few steps ($p)"; fi
  if [ "$f" -gt 0 ] || [ "$p" -lt 10 ]; then
    echo "--- driver log"; tail -n 30 "$TMP/driver.log"
    echo "--- vtn log"; tail -n 30 "$TMP/vtn.log"
  fi
}

# ---- 1. openssl stack (2.0b profile), no XML signatures
if start_vtn openssl; then ok "vtn serve --tls-stack openssl on $VTN_API"; else ko "vtn serve (openssl) did not come up"; finish; fi
if [ "$(VTN_ADMIN_TOKEN=wrong "$VTN_BIN" vens list 2>&1 | grep -c 401)" -ge 1 ]; then
  ok "admin API over TLS refuses a wrong token"; else ko "admin API over TLS with a wrong token"; fi
if env -u VTN_CLIENT_CERT -u VTN_CLIENT_KEY "$VTN_BIN" vens list >/dev/null 2>&1; then ko "admin API reachable without a client certificate"; else ok "admin API needs a client certificate (handshake)"; fi
if grep -q "$VTN_ADMIN_TOKEN" "$TMP/vtn.log"; then ko "admin token appears in the VTN log"; else ok "admin token never logged"; fi
NAME="openleadr-tls-$RANDOM"
FP_RSA=$(fp "$P/ven-rsa.crt")
if "$VTN_BIN" vens policy | grep -qx provisioned; then ok "registration policy defaults to provisioned"; else ko "registration policy default"; fi
VEN_ID=$("$VTN_BIN" vens add --name "$NAME" --fingerprint "$FP_RSA" 2>"$TMP/add.err")
if [ -n "$VEN_ID" ]; then ok "vtn vens add --name $NAME --fingerprint $FP_RSA -> $VEN_ID"; else cat "$TMP/add.err"; ko "vtn vens add"; fi
if "$VTN_BIN" vens add --name other --fingerprint "$(tr A-F a-f <<<"$FP_RSA" | tr -d :)" >/dev/null 2>&1; then
  ko "a fingerprint bound twice (after normalising)"; else ok "a fingerprint cannot be bound to two VENs (normalised colons and case)"; fi
drive "openssl, mTLS" "$NAME" "$P/ven-rsa.crt" "$P/ven-rsa.key"
if "$VTN_BIN" vens show "$NAME" | grep -q "\"ven_id\": \"$VEN_ID\""; then ok "openleadr registered under the pre-provisioned venID"; else ko "pre-provisioned venID not used"; fi

# ---- 2. identity: the certificate must match the venID claimed (463, nothing stored)
VTN_BIN="$VTN_BIN" VTN_URL="$VTN_API/OpenADR2/Simple/2.0b" PKI="$P" FP_EC="$(fp "$P/ven-ec.crt")" \
  timeout 60 "$INTEROP_PY" tests/vtn_openleadr_tls/tls_negative.py >"$TMP/neg.log" 2>&1
grep -E '^(PASS|FAIL)' "$TMP/neg.log"
PASS=$((PASS + $(grep -c '^PASS' "$TMP/neg.log"))); FAIL=$((FAIL + $(grep -c '^FAIL' "$TMP/neg.log")))
if [ "$(grep -c '^PASS' "$TMP/neg.log")" -lt 3 ]; then ko "identity checks ran too few steps"; tail -20 "$TMP/neg.log"; fi
if grep -q 'panicked' "$TMP/vtn.log"; then ko "vtn log shows a panic"; else ok "no panic in the vtn log"; fi
stop_vtn

# ---- 3. rustls stack, open registration policy, ECC VEN certificate
if start_vtn rustls --registration-policy open; then ok "vtn serve --tls-stack rustls --registration-policy open"; else ko "vtn serve (rustls) did not come up"; finish; fi
drive "rustls, mTLS, ECC VEN, open policy" "openleadr-ec-$RANDOM" "$P/ven-ec.crt" "$P/ven-ec.key"
if grep -q 'panicked' "$TMP/vtn.log"; then ko "vtn log shows a panic"; else ok "no panic in the vtn log"; fi
stop_vtn

# ---- 4. XML signatures required (openssl stack): openleadr signs, verifies ours
if start_vtn openssl --xml-signature required --registration-policy open; then ok "vtn serve --tls-stack openssl --xml-signature required"; else ko "vtn serve (signatures) did not come up"; finish; fi
FP_VTN=$(fp "$P/vtn-rsa.crt")
NAME="openleadr-signed-$RANDOM"
drive "openssl, mTLS, XML signatures both ways" "$NAME" "$P/ven-rsa.crt" "$P/ven-rsa.key" VEN_SIGN=1 VTN_FINGERPRINT="$FP_VTN"
if grep -q 'Incoming message had invalid signature\|FingerprintMismatch\|could not be parsed or validated' "$TMP/driver.log"; then
  ko "openleadr refused one of our signed messages"; grep -m3 'signature\|Fingerprint\|validated' "$TMP/driver.log"
else ok "openleadr accepted every signed message from our VTN"; fi
VTN_BIN="$VTN_BIN" VTN_URL="$VTN_API/OpenADR2/Simple/2.0b" PKI="$P" VEN_NAME="$NAME" VTN_FP="$FP_VTN" TMPDIR="$TMP" \
  timeout 60 "$INTEROP_PY" tests/vtn_openleadr_tls/sig_negative.py >"$TMP/sig.log" 2>&1
grep -E '^(PASS|FAIL)' "$TMP/sig.log"
PASS=$((PASS + $(grep -c '^PASS' "$TMP/sig.log"))); FAIL=$((FAIL + $(grep -c '^FAIL' "$TMP/sig.log")))
if [ "$(grep -c '^PASS' "$TMP/sig.log")" -lt 8 ]; then ko "signature checks ran too few steps"; tail -20 "$TMP/sig.log"; tail -20 "$TMP/vtn.log"; fi
if grep -q 'panicked' "$TMP/vtn.log"; then ko "vtn log shows a panic"; else ok "no panic in the vtn log"; fi
stop_vtn

finish
