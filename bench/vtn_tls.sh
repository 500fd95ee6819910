#!/usr/bin/env bash
# Mutual-TLS figures (issue 7): our VTN (openssl and rustls stacks) against
# openleadr's OpenADRServer over mutual TLS, in the same run, on loopback.
#
#   bash bench/vtn_tls.sh               # SECS=5 per figure, CONNS=16
#
# - full handshakes/s: `openssl s_time -new` (one client process, a new TLS 1.2
#   session with a client certificate per connection, no resumption) per suite:
#   the two 2.0b suites (RSA, ECDSA server certificates) and ECDHE-RSA-GCM (the only
#   common suite with openleadr, whose Python ssl defaults have no RSA key transport);
# - keep-alive polls/s over mutual TLS: vtn/examples/tlsbench.rs (reqwest + rustls,
#   CONNS connections) posting oadrPoll for a registered VEN;
# - signed messages/s: our signer/verifier (xmlsig/examples/oadr-sig.rs, libxmlsec1)
#   and openleadr's (signxml), one core each.
# Load generators share the 2 cores with the servers: compare ratios, not absolutes.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECS:-5}
CONNS=${CONNS:-16}
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

bash tests/interop/setup.sh >/dev/null && source tests/interop/env.sh
bash certs/make-test-pki.sh "$TMP/pki" >/dev/null
cargo build -q --release -p vtn --bin vtn --example tlsbench
cargo build -q --release -p adr-xmlsig --example oadr-sig
VTN=target/release/vtn
TB=target/release/examples/tlsbench
P="$TMP/pki"
# `openssl s_time` cannot send an intermediate (-cert loads only the leaf), so the servers
# trust the intermediates as well as the roots in this benchmark.
cat "$P/ca.crt" "$P/int-rsa.crt" "$P/int-ec.crt" >"$P/ca-and-int.crt"
free_port() { "$INTEROP_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fp() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r | cut -c45-64 | tr a-f A-F | sed 's/../&:/g; s/:$//'; }
export VTN_ADMIN_TOKEN=bench VTN_CA="$P/ca.crt" VTN_CLIENT_CERT="$P/vtn-rsa.crt" VTN_CLIENT_KEY="$P/vtn-rsa.key"
OP=/OpenADR2/Simple/2.0b

# hs PORT LABEL CIPHER-ARGS...  -> prints and echoes connections/s
hs() {
  local port=$1 label=$2
  shift 2
  local out n t
  out=$(openssl s_time -connect "127.0.0.1:$port" -new -time "$SECS" -CAfile "$P/ca.crt" \
    -cert "$P/ven-rsa.crt" -key "$P/ven-rsa.key" "$@" 2>&1 || true)
  n=$(grep -oE '[0-9]+ connections in [0-9.]+s' <<<"$out" | head -1 || true)
  t=$(awk '{ if ($4 + 0 > 0) printf "%.0f", $1 / ($4 + 0) }' <<<"$n")
  printf '  %-58s %6s handshakes/s\n' "$label" "${t:-?}"
}

start_vtn() {
  local stack=$1
  PORT=$(free_port)
  RUST_LOG=warn $VTN serve --listen 127.0.0.1:$PORT --db "$TMP/$stack.db" --registration-policy open --new-vens-per-minute 0 \
    --tls-stack "$stack" --tls-cert "$P/vtn-rsa.crt" --tls-key "$P/vtn-rsa.key" \
    --tls-cert-ec "$P/vtn-ec.crt" --tls-key-ec "$P/vtn-ec.key" --client-ca "$P/ca-and-int.crt" >"$TMP/$stack.log" 2>&1 &
  VPID=$!; PIDS+=($VPID)
  export VTN_API="https://localhost:$PORT"
  for _ in $(seq 1 100); do $VTN vens policy >/dev/null 2>&1 && break; sleep 0.1; done
  # Register one VEN (ven-rsa) so polls have someone to answer.
  "$INTEROP_PY" - "$PORT" "$P" >"$TMP/reg.out" <<'PY'
import re, ssl, sys, urllib.request
from openleadr.messaging import create_message
port, pki = sys.argv[1], sys.argv[2]
ctx = ssl.create_default_context(cafile=f"{pki}/ca.crt"); ctx.load_cert_chain(f"{pki}/ven-rsa.crt", f"{pki}/ven-rsa.key")
x = create_message("oadrCreatePartyRegistration", request_id="r1", ven_name="bench-ven", profile_name="2.0b",
                   transport_name="simpleHttp", transport_address=None, report_only=False, xml_signature=False, http_pull_model=True)
b = urllib.request.urlopen(urllib.request.Request(f"https://localhost:{port}/OpenADR2/Simple/2.0b/EiRegisterParty", data=x.encode()), context=ctx).read().decode()
print(re.search(r"venID>([^<]+)<", b).group(1))
PY
  VEN=$(cat "$TMP/reg.out")
}

echo "== our VTN, --tls-stack openssl (2.0b profile)"
start_vtn openssl
hs $PORT "TLS_RSA_WITH_AES_128_CBC_SHA256 (RSA cert)" -cipher AES128-SHA256 -tls1_2
hs $PORT "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 (ECC cert)" -cipher ECDHE-ECDSA-AES128-SHA256 -tls1_2
hs $PORT "ECDHE-RSA-AES128-GCM-SHA256 (RSA cert)" -cipher ECDHE-RSA-AES128-GCM-SHA256 -tls1_2
R=$($TB polls "https://localhost:$PORT$OP/OadrPoll" "$P/ca.crt" "$P/ven-rsa.crt" "$P/ven-rsa.key" "$VEN" "$CONNS" "$SECS")
echo "  keep-alive polls over mTLS ($CONNS conns): $R"
OURS_POLL=$(sed 's/.*"rps":\([0-9.]*\).*/\1/' <<<"$R")
kill $VPID; wait $VPID 2>/dev/null || true

echo "== our VTN, --tls-stack rustls"
start_vtn rustls
hs $PORT "ECDHE-RSA-AES128-GCM-SHA256 (RSA cert)" -cipher ECDHE-RSA-AES128-GCM-SHA256 -tls1_2
hs $PORT "ECDHE-ECDSA-AES128-GCM-SHA256 (ECC cert)" -cipher ECDHE-ECDSA-AES128-GCM-SHA256 -tls1_2
R=$($TB polls "https://localhost:$PORT$OP/OadrPoll" "$P/ca.crt" "$P/ven-rsa.crt" "$P/ven-rsa.key" "$VEN" "$CONNS" "$SECS")
echo "  keep-alive polls over mTLS ($CONNS conns): $R"
kill $VPID; wait $VPID 2>/dev/null || true

echo "== openleadr OpenADRServer over mutual TLS (Python ssl, RSA cert)"
PORT=$(free_port)
"$INTEROP_PY" bench/openleadr_vtn_tls.py "$PORT" "$P/vtn-rsa.crt" "$P/vtn-rsa.key" "$P/ca-and-int.crt" VEN-BENCH-1 "$(fp "$P/ven-rsa.crt")" >"$TMP/ol.log" 2>&1 &
OPID=$!; PIDS+=($OPID)
for _ in $(seq 1 100); do grep -q ready "$TMP/ol.log" 2>/dev/null && break; sleep 0.1; done
hs $PORT "TLS_RSA_WITH_AES_128_CBC_SHA256 (refused by Python's defaults)" -cipher AES128-SHA256 -tls1_2
hs $PORT "ECDHE-RSA-AES128-GCM-SHA256 (RSA cert)" -cipher ECDHE-RSA-AES128-GCM-SHA256 -tls1_2
R=$($TB polls "https://localhost:$PORT$OP/OadrPoll" "$P/ca.crt" "$P/ven-rsa.crt" "$P/ven-rsa.key" VEN-BENCH-1 "$CONNS" "$SECS")
echo "  keep-alive polls over mTLS ($CONNS conns): $R"
OL_POLL=$(sed 's/.*"rps":\([0-9.]*\).*/\1/' <<<"$R")
kill $OPID; wait $OPID 2>/dev/null || true

echo "== XML signatures (one core)"
POLLXML=$("$INTEROP_PY" -c 'from openleadr.messaging import create_message; print(create_message("oadrPoll", ven_id="VEN-BENCH-1"))')
for k in rsa ec; do
  echo "$POLLXML" | target/release/examples/oadr-sig bench "$P/vtn-$k.key" "$P/vtn-$k.crt" "$SECS" | sed 's/^/  ours /'
done
openssl x509 -in "$P/vtn-rsa.crt" -out "$P/vtn-rsa-leaf.crt"
"$INTEROP_PY" bench/openleadr_sign.py "$P/vtn-rsa-leaf.crt" "$P/vtn-rsa.key" "$SECS" | sed 's/^/  RSA /'
awk -v a="$OURS_POLL" -v b="$OL_POLL" 'BEGIN { if (b > 0) printf "\nkeep-alive mTLS polls: ours (openssl stack) / openleadr = %.1fx\n", a / b }'
