#!/usr/bin/env bash
# tests/certs/run.sh -- self-contained test for certs/make-test-pki.sh.
# Needs bash, coreutils and the openssl CLI. Prints PASS/FAIL per check and
# ends with "certs: N passed, M failed"; exits non-zero on any failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT=$(cd "$HERE/../.." && pwd)/certs/make-test-pki.sh
TMP=$(mktemp -d)
SERVER_PID=

cleanup() {
    if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

PASSED=0 FAILED=0
pass() { echo "PASS $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); }
check() { # check "description" command...
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}
finish() {
    echo "certs: $PASSED passed, $FAILED failed"
    [[ $FAILED -eq 0 ]]
    exit
}

D=$TMP/pki
DEVICES=(vtn-rsa vtn-ec ven-rsa ven-ec ven-expired ven-rogue)
ALL=(ca.crt ca-rsa.crt ca-ec.crt int-rsa.crt int-ec.crt fingerprints.txt)
for n in "${DEVICES[@]}"; do ALL+=("$n.crt" "$n.key"); done

# --- generation and idempotence --------------------------------------------
start=$SECONDS
if "$SCRIPT" "$D" >"$TMP/gen1.log" 2>&1; then pass "generate PKI ($((SECONDS - start)) s)"
else fail "generate PKI"; cat "$TMP/gen1.log"; finish; fi

missing=()
for f in "${ALL[@]}"; do [[ -s $D/$f ]] || missing+=("$f"); done
if [[ ${#missing[@]} -eq 0 ]]; then pass "all ${#ALL[@]} output files present"
else fail "missing outputs: ${missing[*]}"; fi

sums() { (cd "$D" && sha256sum "${ALL[@]}" 2>/dev/null); }
before=$(sums)
if "$SCRIPT" "$D" >"$TMP/gen2.log" 2>&1 && [[ "$(sums)" == "$before" ]]; then
    pass "second run is idempotent (files unchanged)"
else fail "second run is idempotent"; cat "$TMP/gen2.log"; fi

rm -f "$D/ven-ec.key"
if "$SCRIPT" "$D" >"$TMP/gen3.log" 2>&1 && [[ -s $D/ven-ec.key ]] && [[ "$(sums)" != "$before" ]]; then
    pass "incomplete OUTDIR is regenerated"
else fail "incomplete OUTDIR is regenerated"; cat "$TMP/gen3.log"; fi
if ls -A "$D" | grep -q '^\.pki\.'; then fail "no scratch directory left behind"
else pass "no scratch directory left behind"; fi

# --- chain structure ------------------------------------------------------
ncerts() { grep -c -- '-----BEGIN CERTIFICATE-----' "$1"; }
second_cert() { awk '/BEGIN CERT/{n++} n==2' "$1"; }

check "ca.crt holds both roots (RSA + ECC)" \
    bash -c "[[ \$(grep -c 'BEGIN CERTIFICATE' '$D/ca.crt') == 2 ]] &&
             [[ \$(cat '$D/ca-rsa.crt' '$D/ca-ec.crt') == \$(cat '$D/ca.crt') ]]"
for r in ca-rsa ca-ec; do
    check "$r is self-signed and verifies" \
        bash -c "[[ \"\$(openssl x509 -noout -subject -in '$D/$r.crt')\" == \"subject=\$(openssl x509 -noout -issuer -in '$D/$r.crt' | sed 's/^issuer=//')\" ]] &&
                 openssl verify -CAfile '$D/$r.crt' '$D/$r.crt'"
done
for i in int-rsa:ca-rsa int-ec:ca-ec; do
    check "${i%%:*} is a CA issued by ${i#*:}" \
        bash -c "openssl verify -CAfile '$D/${i#*:}.crt' '$D/${i%%:*}.crt' &&
                 openssl x509 -noout -ext basicConstraints -in '$D/${i%%:*}.crt' | grep -q 'CA:TRUE'"
done

declare -A INT=([vtn-rsa]=int-rsa [ven-rsa]=int-rsa [ven-expired]=int-rsa [vtn-ec]=int-ec [ven-ec]=int-ec)
for n in vtn-rsa vtn-ec ven-rsa ven-ec ven-expired; do
    if [[ $(ncerts "$D/$n.crt") == 2 && "$(second_cert "$D/$n.crt")" == "$(cat "$D/${INT[$n]}.crt")" ]]; then
        pass "$n.crt is leaf + ${INT[$n]}"
    else fail "$n.crt is leaf + ${INT[$n]}"; fi
done
if [[ $(ncerts "$D/ven-rogue.crt") == 2 ]]; then pass "ven-rogue.crt is leaf + rogue intermediate"
else fail "ven-rogue.crt is leaf + rogue intermediate"; fi

# --- verification ---------------------------------------------------------
for n in vtn-rsa vtn-ec ven-rsa ven-ec; do
    check "$n verifies against ca.crt via ${INT[$n]}" \
        openssl verify -CAfile "$D/ca.crt" -untrusted "$D/${INT[$n]}.crt" "$D/$n.crt"
done
out=$(openssl verify -CAfile "$D/ca.crt" -untrusted "$D/int-rsa.crt" "$D/ven-expired.crt" 2>&1) && rc=0 || rc=$?
if [[ $rc -ne 0 ]] && grep -q 'certificate has expired' <<<"$out"; then pass "ven-expired is rejected: expired"
else fail "ven-expired is rejected: expired (rc=$rc: $out)"; fi
# give the verifier the rogue's own intermediate too: it must still fail at the root
second_cert "$D/ven-rogue.crt" >"$TMP/int-rogue.crt"
out=$(openssl verify -CAfile "$D/ca.crt" -untrusted "$TMP/int-rogue.crt" "$D/ven-rogue.crt" 2>&1) && rc=0 || rc=$?
if [[ $rc -ne 0 ]] && grep -q 'unable to get local issuer certificate' <<<"$out"; then pass "ven-rogue is rejected: unknown issuer"
else fail "ven-rogue is rejected: unknown issuer (rc=$rc: $out)"; fi

# --- keys -------------------------------------------------------------------
for n in "${DEVICES[@]}"; do
    k=$D/$n.key
    if [[ "$(openssl pkey -in "$k" -pubout 2>/dev/null)" == "$(openssl x509 -in "$D/$n.crt" -noout -pubkey)" ]]; then
        pass "$n key matches certificate"
    else fail "$n key matches certificate"; fi
    if [[ $(head -1 "$k") == "-----BEGIN PRIVATE KEY-----" ]]; then pass "$n key is unencrypted PKCS#8"
    else fail "$n key is unencrypted PKCS#8 ($(head -1 "$k"))"; fi
    mode=$(stat -c %a "$k")
    if [[ $mode == 600 ]]; then pass "$n.key mode 600"; else fail "$n.key mode 600 (is $mode)"; fi
    text=$(openssl pkey -in "$k" -noout -text)
    if [[ $n == *-ec ]]; then
        if grep -q 'ASN1 OID: prime256v1' <<<"$text"; then pass "$n key is EC P-256"; else fail "$n key is EC P-256"; fi
        want=ecdsa-with-SHA256
    else
        if grep -q 'Private-Key: (2048 bit' <<<"$text"; then pass "$n key is RSA 2048"; else fail "$n key is RSA 2048"; fi
        want=sha256WithRSAEncryption
    fi
    sig=$(openssl x509 -in "$D/$n.crt" -noout -text | awk '/Signature Algorithm/{print $3; exit}')
    if [[ $sig == "$want" ]]; then pass "$n signed with $want"; else fail "$n signed with $want (is $sig)"; fi
done
for c in ca-ec int-ec; do
    sig=$(openssl x509 -in "$D/$c.crt" -noout -text | awk '/Signature Algorithm/{print $3; exit}')
    if [[ $sig == ecdsa-with-SHA256 ]] && openssl x509 -in "$D/$c.crt" -noout -text | grep -q prime256v1; then
        pass "$c is P-256 / ecdsa-with-SHA256"
    else fail "$c is P-256 / ecdsa-with-SHA256"; fi
done

# --- extensions -------------------------------------------------------------
for n in "${DEVICES[@]}"; do
    ext=$(openssl x509 -in "$D/$n.crt" -noout -ext extendedKeyUsage,subjectAltName,basicConstraints 2>/dev/null)
    if grep -q 'TLS Web Server Authentication' <<<"$ext" && grep -q 'TLS Web Client Authentication' <<<"$ext"; then
        pass "$n EKU serverAuth + clientAuth"
    else fail "$n EKU serverAuth + clientAuth"; fi
    if grep -q 'DNS:localhost' <<<"$ext" && grep -q 'IP Address:127.0.0.1' <<<"$ext"; then
        pass "$n SAN DNS:localhost IP:127.0.0.1"
    else fail "$n SAN DNS:localhost IP:127.0.0.1"; fi
    if grep -q 'CA:FALSE' <<<"$ext"; then pass "$n is not a CA"; else fail "$n is not a CA"; fi
done
check "VTN CN is VTN-Test" bash -c "openssl x509 -in '$D/vtn-rsa.crt' -noout -subject | grep -q 'CN *= *VTN-Test' && openssl x509 -in '$D/vtn-ec.crt' -noout -subject | grep -q 'CN *= *VTN-Test'"
check "VEN CNs are ven-rsa-test / ven-ec-test" bash -c "openssl x509 -in '$D/ven-rsa.crt' -noout -subject | grep -q 'CN *= *ven-rsa-test' && openssl x509 -in '$D/ven-ec.crt' -noout -subject | grep -q 'CN *= *ven-ec-test'"
check "RSA leaves have keyEncipherment (TLS_RSA key transport)" \
    bash -c "openssl x509 -in '$D/vtn-rsa.crt' -noout -ext keyUsage | grep -q 'Key Encipherment'"

# --- fingerprints -----------------------------------------------------------
for n in "${DEVICES[@]}"; do
    # independent recomputation: openssl's own SHA-256 fingerprint, last 10 bytes
    full=$(openssl x509 -in "$D/$n.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
    want=${full: -29}
    got=$(awk -v n="$n" '$1 == n {print $2}' "$D/fingerprints.txt")
    if [[ ${#got} == 29 && $got == "$want" && $got =~ ^([0-9A-F]{2}:){9}[0-9A-F]{2}$ ]]; then
        pass "fingerprint $n $got"
    else fail "fingerprint $n: file '$got', expected '$want'"; fi
done
check "fingerprints.txt has exactly 6 lines" bash -c "[[ \$(wc -l <'$D/fingerprints.txt') == 6 ]]"

# --- live TLS 1.2 handshakes (openssl s_server / s_client) ---------------------
# s_server runs in -www mode: it keeps accepting connections (a plain s_server
# quits when its stdin hits EOF) and answers "GET /" with a status page only
# when the handshake, including client-certificate verification, succeeded.
# In TLS 1.2 the client prints "Cipher is ..." before it reads the server's
# verdict on its certificate, so success is judged by the HTTP answer.

# start_server CERT KEY CHAIN CIPHER -> sets SERVER_PID, PORT
start_server() {
    local try i
    for try in 1 2 3 4 5 6 7 8; do
        PORT=$((20000 + RANDOM % 40000))
        openssl s_server -www -accept "127.0.0.1:$PORT" -tls1_2 -cipher "$4" \
            -cert "$D/$1" -key "$D/$2" -cert_chain "$D/$3" \
            -Verify 1 -CAfile "$D/ca.crt" -verify_return_error \
            </dev/null >"$TMP/server.log" 2>&1 &
        SERVER_PID=$!
        for i in $(seq 1 50); do
            if grep -q '^ACCEPT' "$TMP/server.log"; then return 0; fi
            kill -0 "$SERVER_PID" 2>/dev/null || break   # port taken: try another
            sleep 0.1
        done
        stop_server
    done
    sed 's/^/    /' "$TMP/server.log"
    return 1
}
stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}
# client CERT KEY CHAIN CIPHER -> $TMP/client.log (CHAIN: name in $D or absolute path)
client() {
    local chain=$3
    [[ $chain == /* ]] || chain=$D/$chain
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -ign_eof \
            -tls1_2 -cipher "$4" -cert "$D/$1" -key "$D/$2" -cert_chain "$chain" \
            -CAfile "$D/ca.crt" -verify_return_error -verify_hostname localhost \
            >"$TMP/client.log" 2>&1 || true
}
served() { grep -q '^HTTP/1.0 200 ok' "$TMP/client.log"; }
negotiated() { sed -n 's/^ *Cipher *: *//p' "$TMP/client.log" | head -1; }
show_logs() {
    echo "    --- client"; tail -n 12 "$TMP/client.log" | sed 's/^/    /'
    echo "    --- server"; tail -n 12 "$TMP/server.log" | sed 's/^/    /'
}

# refused LABEL VEN CHAIN CIPHER PATTERN REASON
refused() {
    client "$2.crt" "$2.key" "$3" "$4"
    if served; then
        fail "$1: $2 refused"; show_logs
    elif grep -q -i -- "$5" "$TMP/client.log"; then
        pass "$1: $2 refused ($6)"
    else
        fail "$1: $2 refused for the expected reason ($6)"; show_logs
    fi
}

second_cert "$D/ven-rogue.crt" >"$TMP/int-rogue.crt"
live() { # live LABEL VTN INT CIPHER VEN
    local label=$1 vtn=$2 int=$3 cipher=$4 ven=$5 c
    if ! start_server "$vtn.crt" "$vtn.key" "$int.crt" "$cipher"; then
        fail "$label: s_server did not start"; return
    fi
    client "$ven.crt" "$ven.key" "$int.crt" "$cipher"
    c=$(negotiated)
    if served && [[ $c == "$cipher" ]] && grep -q 'Verify return code: 0 (ok)' "$TMP/client.log" &&
        grep -q 'CN *= *VTN-Test' "$TMP/client.log"; then
        pass "$label: $ven -> $vtn handshake OK, TLSv1.2 cipher $c"
    else
        fail "$label: $ven -> $vtn handshake (cipher '$c')"; show_logs
    fi
    refused "$label" ven-rogue "$TMP/int-rogue.crt" "$cipher" 'alert unknown ca' 'alert unknown_ca'
    refused "$label" ven-expired int-rsa.crt "$cipher" 'alert certificate expired' 'alert certificate_expired'
    stop_server
}

live "RSA TLS_RSA_WITH_AES_128_CBC_SHA256" vtn-rsa int-rsa AES128-SHA256 ven-rsa
live "ECC TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" vtn-ec int-ec ECDHE-ECDSA-AES128-SHA256 ven-ec

finish
