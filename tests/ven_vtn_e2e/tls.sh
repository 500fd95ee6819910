# Sourced by run.sh (uses its helpers: step, jcheck, free_port, pass, fail,
# PIDS, TMP, VTN, VEN). Our VEN against `vtn serve` over mutual TLS, with the
# test PKI: for each VTN stack, VENs with each client stack register (the VTN
# binds their certificate fingerprint), report, opt in to an event and see its
# cancellation, one of them by push; a VEN with a rogue certificate gets
# nowhere.

PKI="$TMP/pki"
if ! bash "$REPO/certs/make-test-pki.sh" "$PKI" >"$TMP/pki.log" 2>&1; then
  fail "tls: make-test-pki.sh" "see $TMP/pki.log"
  return 0
fi
fingerprint() { awk -v n="$1" '$1 == n { print $2 }' "$PKI/fingerprints.txt"; }

# The admin CLI talks to the https VTN with a certificate too.
export VTN_CA="$PKI/ca.crt" VTN_CLIENT_CERT="$PKI/vtn-rsa.crt" VTN_CLIENT_KEY="$PKI/vtn-rsa.key"

# tls_ven NAME CLIENT_CERT STACK [ARGS...]: start a VEN over TLS against $TLS_BASE.
tls_ven() {
  RUST_LOG="${RUST_LOG:-info}" "$VEN" run --vtn "$TLS_BASE" --name "$1" --db "$TMP/$1.db" \
    --cert "$PKI/$2.crt" --key "$PKI/$2.key" --ca "$PKI/ca.crt" --tls-stack "$3" "${@:4}" \
    >"$TMP/$1.log" 2>&1 &
  PIDS+=("$!")
}

# tls_flow NAME CLIENT_CERT: the short flow for one VEN, judged on the VTN.
tls_flow() {
  local name="$1" cert="$2" ev n
  export JVEN="$name" JARG
  JARG="$(fingerprint "$cert")"
  step "$TAG $name: registers over TLS, bound to its certificate fingerprint $JARG" \
    jcheck "$VTN" vens list --json -- \
    'any(v["ven_name"] == ven and v["registered"] and v["cert_fingerprint"] == a for v in d)'
  step "$TAG $name: readings arrive" \
    jcheck "$VTN" readings --ven "$name" --json -- '{"power", "energy", "status"} <= {r["rid"] for r in d}'
  n="$(readings_count "$name")"
  step "$TAG $name: readings keep arriving (more than $n)" more_readings_than "$name" "$n"
  ev="$("$VTN" events create --ven "$name" --signal SIMPLE --level 2 --start now --duration PT30M 2>>"$TMP/cli.err")"
  if [ -z "$ev" ]; then
    fail "$TAG $name: event created over the https admin API"
    return
  fi
  JARG="$ev"
  step "$TAG $name: event reaches the VEN, which opts in" \
    jcheck "$VTN" events list --json -- 'me(a).get("opt") == "optIn"'
  if "$VTN" events cancel "$ev" >/dev/null 2>>"$TMP/cli.err"; then
    step "$TAG $name: cancellation delivered (VEN confirms it)" \
      jcheck "$VTN" events list --json -- 'event(a)["cancelled"] and me(a).get("modification_number") == 1'
  else
    fail "$TAG $name: vtn events cancel"
  fi
  local cipher
  cipher="$(grep -o 'TLS connected version="[^"]*" cipher="[^"]*" stack="[a-z]*"' "$TMP/$name.log" | head -1)"
  if [ -n "$cipher" ]; then pass "$TAG $name: $cipher"; fi
  unset JARG
}

for vtn_stack in openssl rustls; do
  TAG="tls(vtn $vtn_stack)"
  TLS_PORT="$(free_port)"
  TLS_BASE="https://127.0.0.1:$TLS_PORT/OpenADR2/Simple/2.0b"
  export VTN_API="https://127.0.0.1:$TLS_PORT"
  "$VTN" serve --listen "127.0.0.1:$TLS_PORT" --db "$TMP/vtn-tls-$vtn_stack.db" --config "$TMP/vtn.toml" \
    --poll-freq PT1S --tls-stack "$vtn_stack" \
    --tls-cert "$PKI/vtn-rsa.crt" --tls-key "$PKI/vtn-rsa.key" \
    --tls-cert-ec "$PKI/vtn-ec.crt" --tls-key-ec "$PKI/vtn-ec.key" \
    --client-ca "$PKI/ca.crt" --registration-policy open >"$TMP/vtn-tls-$vtn_stack.log" 2>&1 &
  PIDS+=("$!")
  if ! wait_until 15 jcheck "$VTN" vens list --json -- 'isinstance(d, list)'; then
    fail "$TAG: vtn serve --tls-stack $vtn_stack starts (admin API over https)" "see vtn-tls-$vtn_stack.log"
    continue
  fi
  pass "$TAG: vtn serve --tls-stack $vtn_stack starts (admin API over https)"

  # One VEN of each pair is a push VEN: its listener serves HTTPS with the
  # VEN's certificate on the VEN's stack and takes pushes only from the VTN's
  # certificate (vtn-rsa, which the VTN presents when it pushes); the VTN
  # pushes only after checking that the listener's certificate is the one
  # bound to the venID at registration. Against the openssl VTN both ends of
  # the push speak the 2.0b profile; against the rustls VTN the listener is
  # rustls. The other VEN of each pair polls.
  PUSH_TLS_PORT="$(free_port)"
  printf '[push]\nlisten = "127.0.0.1:%s"\npublic_url = "https://127.0.0.1:%s/OpenADR2/Simple/2.0b"\nvtn_fingerprints = ["%s"]\n' \
    "$PUSH_TLS_PORT" "$PUSH_TLS_PORT" "$(fingerprint vtn-rsa)" >"$TMP/push-tls-$vtn_stack.toml"
  if [ "$vtn_stack" = openssl ]; then
    pusher="tls-$vtn_stack-ossl"
    tls_ven "tls-$vtn_stack-ossl" ven-rsa openssl --config "$TMP/push-tls-$vtn_stack.toml"
    tls_ven "tls-$vtn_stack-rustls" ven-ec rustls
    tls_flow "tls-$vtn_stack-ossl" ven-rsa
    tls_flow "tls-$vtn_stack-rustls" ven-ec
  else
    pusher="tls-$vtn_stack-rustls"
    tls_ven "tls-$vtn_stack-ossl" ven-ec openssl
    tls_ven "tls-$vtn_stack-rustls" ven-rsa rustls --config "$TMP/push-tls-$vtn_stack.toml"
    tls_flow "tls-$vtn_stack-ossl" ven-ec
    tls_flow "tls-$vtn_stack-rustls" ven-rsa
  fi
  step "$TAG $pusher: push over mutual TLS (VEN log: pushed by the VTN)" \
    log_has "$TMP/$pusher.log" 'pushed by the VTN received="oadrDistributeEvent"'
  JVEN="$pusher" step "$TAG $pusher: registered as a push VEN at its https address" \
    jcheck "$VTN" vens list --json -- \
    'any(v["ven_name"] == ven and v.get("http_pull_model") is False and (v.get("transport_address") or "").startswith("https://") for v in d)'
  if [ "$vtn_stack" = openssl ]; then
    step "$TAG $pusher: the VTN pushed on its openssl stack (VTN log)" \
      log_has "$TMP/vtn-tls-$vtn_stack.log" 'push: TLS connected (openssl)'
    suite="$(grep -o 'push: TLS connected (openssl).*' "$TMP/vtn-tls-$vtn_stack.log" | head -1)"
    [ -n "$suite" ] && pass "$TAG $pusher: $suite"
  fi

  # A certificate from a rogue CA: the handshake fails, the VEN never registers.
  tls_ven "tls-$vtn_stack-rogue" ven-rogue openssl
  step "$TAG rogue VEN certificate: handshake refused (VEN log)" \
    log_has "$TMP/tls-$vtn_stack-rogue.log" 'TLS handshake'
  JVEN="tls-$vtn_stack-rogue" step "$TAG rogue VEN certificate: not registered" \
    jcheck "$VTN" vens list --json -- 'all(v["ven_name"] != ven for v in d)'
done
