#!/usr/bin/env bash
# TLS matrix (issue 7): the running VTN, once per TLS stack, against `openssl s_client`
# as the independent client. Each row prints the negotiated protocol and suite.
#
# Self-contained: makes a test PKI in a temp dir (certs/make-test-pki.sh), builds
# `vtn` (debug), starts `vtn serve --tls-stack openssl|rustls` on free loopback
# ports with temporary databases. A row "accepted" means application data went
# through (GET /api/v1/health answered 200), not just a printed cipher: in TLS 1.2
# the client prints its cipher before the server's alert about its certificate.
# Prints PASS/FAIL per row and `tls_matrix: N passed, M failed` last.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "PASS: $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
finish() { echo "tls_matrix: $PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit $?; }

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

command -v openssl >/dev/null || { ko "openssl CLI not installed"; finish; }
if bash certs/make-test-pki.sh "$TMP/pki" >"$TMP/pki.log" 2>&1; then ok "test PKI"; else cat "$TMP/pki.log"; ko "test PKI"; finish; fi
if cargo build -q --workspace --all-targets 2>"$TMP/build.log"; then ok "cargo build"; else cat "$TMP/build.log"; ko "cargo build"; finish; fi
VTN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/vtn"
P="$TMP/pki"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start STACK -> sets PORT
start() {
  local stack=$1
  PORT=$(free_port)
  "$VTN" serve --listen "127.0.0.1:$PORT" --db "$TMP/$stack.db" --token "matrix-$RANDOM" \
    --tls-stack "$stack" --tls-cert "$P/vtn-rsa.crt" --tls-key "$P/vtn-rsa.key" \
    --tls-cert-ec "$P/vtn-ec.crt" --tls-key-ec "$P/vtn-ec.key" --client-ca "$P/ca.crt" \
    >"$TMP/$stack.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  cat "$TMP/$stack.log"
  return 1
}

# row EXPECT(accept|refuse) LABEL PORT CLIENT-CERT(name|none) [s_client options...]
# Optional: WANT_SUITE (regex on the cipher), WANT_BITS (server public key size).
row() {
  local expect=$1 label=$2 port=$3 who=$4
  shift 4
  local certopts=()
  case "$who" in
    none) ;;
    ven-ec) certopts=(-cert "$P/ven-ec.crt" -key "$P/ven-ec.key" -cert_chain "$P/int-ec.crt") ;;
    ven-rogue) certopts=(-cert "$P/ven-rogue.crt" -key "$P/ven-rogue.key") ;;
    *) certopts=(-cert "$P/$who.crt" -key "$P/$who.key" -cert_chain "$P/int-rsa.crt") ;;
  esac
  local out
  out=$(printf 'GET /api/v1/health HTTP/1.0\r\nHost: localhost\r\n\r\n' |
    timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername localhost -ign_eof \
      -verify_return_error -verify_hostname localhost -CAfile "$P/ca.crt" "${certopts[@]}" "$@" 2>&1)
  local proto suite bits alert got
  proto=$(grep -oE 'Protocol *: *[A-Za-z0-9.]+' <<<"$out" | head -1 | sed 's/.*: *//')
  suite=$(grep -oE 'Cipher is [A-Za-z0-9_-]+' <<<"$out" | head -1 | sed 's/Cipher is //')
  [ -z "$proto" ] && proto=$(grep -oE '^(New|Reused), [A-Za-z0-9.]+' <<<"$out" | head -1 | sed 's/.*, //')
  bits=$(grep -oE 'Server public key is [0-9]+ bit' <<<"$out" | grep -oE '[0-9]+' | head -1)
  alert=$(grep -oE '(tlsv1[0-9]*|sslv3|tls) alert [a-z ]+|no protocols available|wrong version number|no shared cipher|unsupported protocol|handshake failure|protocol version' <<<"$out" | head -1)
  if grep -q '^HTTP/1\.[01] 200' <<<"$out"; then got=accept; else got=refuse; fi
  local desc="$label: ${proto:--} ${suite:-(none)}${bits:+ server-key ${bits}bit}${alert:+ [$alert]}"
  if [ "$got" != "$expect" ]; then
    ko "$desc (expected $expect, got $got)"
    return
  fi
  if [ "$expect" = accept ] && [ -n "${WANT_SUITE:-}" ] && ! grep -qE "^(${WANT_SUITE})$" <<<"$suite"; then
    ko "$desc (suite should match $WANT_SUITE)"
    return
  fi
  if [ "$expect" = accept ] && [ -n "${WANT_BITS:-}" ] && [ "$bits" != "$WANT_BITS" ]; then
    ko "$desc (server key should be ${WANT_BITS} bit)"
    return
  fi
  ok "$desc -> $got"
}

OLD_TLS=(-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0')

# ---- openssl stack: the 2.0b profile
if start openssl; then
  ok "vtn serve --tls-stack openssl on 127.0.0.1:$PORT"
  S=openssl
  WANT_SUITE=AES128-SHA256 WANT_BITS=2048 row accept "$S: TLS_RSA_WITH_AES_128_CBC_SHA256, RSA VEN cert, RSA server cert" "$PORT" ven-rsa -tls1_2 -cipher AES128-SHA256
  WANT_SUITE=AES128-SHA256 WANT_BITS=2048 row accept "$S: TLS_RSA_WITH_AES_128_CBC_SHA256, ECC VEN cert" "$PORT" ven-ec -tls1_2 -cipher AES128-SHA256
  WANT_SUITE=ECDHE-ECDSA-AES128-SHA256 WANT_BITS=256 row accept "$S: TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, ECC VEN cert, ECC server cert" "$PORT" ven-ec -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA256
  WANT_SUITE=ECDHE-ECDSA-AES128-SHA256 WANT_BITS=256 row accept "$S: TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, RSA VEN cert" "$PORT" ven-rsa -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA256
  WANT_SUITE='ECDHE-(ECDSA|RSA)-AES128-GCM-SHA256' row accept "$S: modern client offer, ECDHE-GCM preferred" "$PORT" ven-rsa -tls1_2
  WANT_SUITE=ECDHE-RSA-AES128-GCM-SHA256 WANT_BITS=2048 row accept "$S: RSA-only modern offer" "$PORT" ven-rsa -tls1_2 -cipher 'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA256'
  row refuse "$S: TLS 1.3 (the 2.0b profile is TLS 1.2)" "$PORT" ven-rsa -tls1_3
  row refuse "$S: TLS 1.1" "$PORT" ven-rsa "${OLD_TLS[@]}"
  row refuse "$S: no client certificate" "$PORT" none -tls1_2 -cipher AES128-SHA256
  row refuse "$S: rogue CA client certificate" "$PORT" ven-rogue -tls1_2 -cipher AES128-SHA256
  row refuse "$S: expired client certificate" "$PORT" ven-expired -tls1_2 -cipher AES128-SHA256
  row refuse "$S: CBC-SHA1 suite outside the profile" "$PORT" ven-rsa -tls1_2 -cipher AES128-SHA
else
  ko "vtn serve --tls-stack openssl did not come up"
fi

# ---- rustls stack: modern suites
if start rustls; then
  ok "vtn serve --tls-stack rustls on 127.0.0.1:$PORT"
  S=rustls
  WANT_SUITE=ECDHE-ECDSA-AES128-GCM-SHA256 WANT_BITS=256 row accept "$S: TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256" "$PORT" ven-ec -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
  WANT_SUITE=ECDHE-RSA-AES128-GCM-SHA256 WANT_BITS=2048 row accept "$S: TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256" "$PORT" ven-rsa -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
  WANT_SUITE='TLS_AES_(128|256)_GCM_SHA(256|384)|TLS_CHACHA20_POLY1305_SHA256' row accept "$S: TLS 1.3" "$PORT" ven-rsa -tls1_3
  WANT_SUITE='TLS_AES_(128|256)_GCM_SHA(256|384)|TLS_CHACHA20_POLY1305_SHA256' row accept "$S: TLS 1.3, ECC VEN cert" "$PORT" ven-ec -tls1_3
  row refuse "$S: TLS_RSA_WITH_AES_128_CBC_SHA256 (rustls has no CBC suites: use openssl)" "$PORT" ven-rsa -tls1_2 -cipher AES128-SHA256
  row refuse "$S: TLS 1.1" "$PORT" ven-rsa "${OLD_TLS[@]}"
  row refuse "$S: no client certificate" "$PORT" none -tls1_3
  row refuse "$S: no client certificate (TLS 1.2)" "$PORT" none -tls1_2
  row refuse "$S: rogue CA client certificate" "$PORT" ven-rogue -tls1_3
  row refuse "$S: expired client certificate" "$PORT" ven-expired -tls1_2
else
  ko "vtn serve --tls-stack rustls did not come up"
fi

for s in openssl rustls; do
  if grep -q panicked "$TMP/$s.log" 2>/dev/null; then ko "$s: vtn log shows a panic"; fi
done
finish
