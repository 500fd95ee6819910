#!/usr/bin/env bash
# make-test-pki.sh OUTDIR [--force]
#
# Builds a throw-away test PKI shaped like the OpenADR Alliance PKI:
#
#   RSA chain (RSA 2048, sha256WithRSAEncryption)
#     ca-rsa.crt  "OpenADR Test RSA Root CA"
#       int-rsa.crt  "OpenADR Test RSA Intermediate CA"
#         vtn-rsa   "VTN-Test"       serverAuth + clientAuth
#         ven-rsa   "ven-rsa-test"   clientAuth + serverAuth
#         ven-expired "ven-expired-test" (validity entirely in the past)
#   ECC chain (P-256, ecdsa-with-SHA256)
#     ca-ec.crt   "OpenADR Test ECC Root CA"
#       int-ec.crt   "OpenADR Test ECC Intermediate CA"
#         vtn-ec    "VTN-Test"
#         ven-ec    "ven-ec-test"
#   Rogue chain (RSA 2048) -- its root is NOT in ca.crt
#     "Rogue Test Root CA" -> ven-rogue "ven-rogue-test"
#
# Outputs (PEM) in OUTDIR:
#   ca.crt (both roots), ca-rsa.crt, ca-ec.crt, int-rsa.crt, int-ec.crt,
#   {vtn-rsa,vtn-ec,ven-rsa,ven-ec,ven-expired,ven-rogue}.{crt,key},
#   fingerprints.txt ("NAME FINGERPRINT", OpenADR 29-character form).
# Device *.crt files hold the leaf followed by its intermediate.
# Keys are unencrypted PKCS#8 PEM, mode 600. CA private keys are discarded.
#
# Idempotent: if OUTDIR already holds a complete, consistent PKI it is left
# untouched (fingerprints stay stable). Otherwise (or with --force) a fresh
# PKI is generated in a scratch directory and moved into place. Concurrent
# runs on one OUTDIR are serialised with flock(1) where it exists.
# Needs only the openssl CLI (1.1.1 or 3.x).
set -Eeuo pipefail
umask 077

usage() { echo "usage: $0 OUTDIR [--force]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
OUT=$1
FORCE=0
if [[ $# -eq 2 ]]; then [[ $2 == --force ]] || usage; FORCE=1; fi

DEVICES=(vtn-rsa vtn-ec ven-rsa ven-ec ven-expired ven-rogue)
CERTS=(ca.crt ca-rsa.crt ca-ec.crt int-rsa.crt int-ec.crt)

# OpenADR fingerprint of the first certificate in a PEM file.
fingerprint() {
    openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r |
        awk '{ h = toupper(substr($1, 45, 20)); s = substr(h, 1, 2)
               for (i = 3; i < 20; i += 2) s = s ":" substr(h, i, 2); print s }'
}

# Is OUTDIR already complete and consistent?
complete() {
    local d=$1 f n
    for f in "${CERTS[@]}" fingerprints.txt; do [[ -s $d/$f ]] || return 1; done
    for n in "${DEVICES[@]}"; do
        [[ -s $d/$n.crt && -s $d/$n.key ]] || return 1
        # key matches cert
        [[ "$(openssl pkey -in "$d/$n.key" -pubout 2>/dev/null)" == \
           "$(openssl x509 -in "$d/$n.crt" -noout -pubkey 2>/dev/null)" ]] || return 1
        grep -qxF "$n $(fingerprint "$d/$n.crt")" "$d/fingerprints.txt" || return 1
    done
    local int
    for n in vtn-rsa ven-rsa vtn-ec ven-ec; do
        int=$d/int-${n#*-}.crt
        openssl verify -CAfile "$d/ca.crt" -untrusted "$int" "$d/$n.crt" >/dev/null 2>&1 || return 1
    done
}

# Concurrent runs on one OUTDIR (tests running in parallel) take turns: two
# generations moving files into place at once would mix their certificates.
(umask 022; mkdir -p "$OUT")
if command -v flock >/dev/null 2>&1; then
    exec 9>"$OUT/.lock"
    flock 9
fi

if [[ $FORCE -eq 0 ]] && complete "$OUT"; then
    echo "make-test-pki: $OUT is up to date"
    exit 0
fi

(umask 022; mkdir -p "$OUT")
W=$(mktemp -d "${OUT%/}/.pki.XXXXXX")
LOG=$W/openssl.log
export PKI_WORK=$W   # referenced by the [ ca_int_rsa ] section of ext.cnf
trap 'rm -rf "$W"' EXIT
trap 'echo "make-test-pki: failed at line $LINENO; last openssl messages:" >&2
      grep -v "^[.+*]*\$" "$LOG" 2>/dev/null | tail -n 15 >&2 || true' ERR

cat >"$W/ext.cnf" <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused

[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ v3_int ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

# keyEncipherment is required on RSA leaves for the key-transport suite
# TLS_RSA_WITH_AES_128_CBC_SHA256; it is not valid on EC keys (RFC 5480),
# so ECC leaves get their own sections.
[ v3_vtn_rsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_vtn_ec ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_ven_rsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth, serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_ven_ec ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = clientAuth, serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

# Minimal `openssl ca` setup, used only for the expired certificate
# (`x509 -req -not_before/-not_after` needs OpenSSL 3.4+).
[ ca ]
default_ca = ca_int_rsa
[ ca_int_rsa ]
dir = $ENV::PKI_WORK
database = $dir/index.txt
serial = $dir/serial
new_certs_dir = $dir/newcerts
certificate = $dir/int-rsa.pem
private_key = $dir/int-rsa.key
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
countryName = optional
EOF

newkey() { # newkey FILE rsa|ec
    if [[ $2 == rsa ]]; then
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>>"$LOG"
    else
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
            -pkeyopt ec_param_enc:named_curve -out "$1" 2>>"$LOG"
    fi
    chmod 600 "$1"
}
serial() { echo "0x$(openssl rand -hex 16)"; }

root() { # root NAME rsa|ec "SUBJECT"
    newkey "$W/$1.key" "$2"
    openssl req -new -x509 -config "$W/ext.cnf" -extensions v3_root -sha256 \
        -key "$W/$1.key" -subj "$3" -days 7300 -set_serial "$(serial)" -out "$W/$1.pem" 2>>"$LOG"
}
issue() { # issue NAME rsa|ec "SUBJECT" ISSUER EXTSECTION DAYS
    newkey "$W/$1.key" "$2"
    openssl req -new -config "$W/ext.cnf" -key "$W/$1.key" -subj "$3" -out "$W/$1.csr" 2>>"$LOG"
    openssl x509 -req -in "$W/$1.csr" -sha256 -CA "$W/$4.pem" -CAkey "$W/$4.key" \
        -set_serial "$(serial)" -days "$6" -extfile "$W/ext.cnf" -extensions "$5" \
        -out "$W/$1.pem" 2>>"$LOG"
}

O="/O=OpenADR Test PKI (not for production)"
root ca-rsa    rsa "$O/CN=OpenADR Test RSA Root CA"
root ca-ec     ec  "$O/CN=OpenADR Test ECC Root CA"
root ca-rogue  rsa "/O=Rogue Test PKI/CN=Rogue Test Root CA"
issue int-rsa   rsa "$O/CN=OpenADR Test RSA Intermediate CA" ca-rsa   v3_int 3650
issue int-ec    ec  "$O/CN=OpenADR Test ECC Intermediate CA" ca-ec    v3_int 3650
issue int-rogue rsa "/O=Rogue Test PKI/CN=Rogue Test Intermediate CA" ca-rogue v3_int 3650
issue vtn-rsa   rsa "$O/CN=VTN-Test"       int-rsa   v3_vtn_rsa 825
issue vtn-ec    ec  "$O/CN=VTN-Test"       int-ec    v3_vtn_ec  825
issue ven-rsa   rsa "$O/CN=ven-rsa-test"   int-rsa   v3_ven_rsa 825
issue ven-ec    ec  "$O/CN=ven-ec-test"    int-ec    v3_ven_ec  825
issue ven-rogue rsa "/O=Rogue Test PKI/CN=ven-rogue-test" int-rogue v3_ven_rsa 825

# Expired VEN: issued by the real RSA intermediate, validity 2020-2021.
newkey "$W/ven-expired.key" rsa
openssl req -new -config "$W/ext.cnf" -key "$W/ven-expired.key" \
    -subj "$O/CN=ven-expired-test" -out "$W/ven-expired.csr"
mkdir "$W/newcerts"; : >"$W/index.txt"; openssl rand -hex 16 >"$W/serial"
openssl ca -config "$W/ext.cnf" -preserveDN -batch -notext -extensions v3_ven_rsa \
    -startdate 20200101000000Z -enddate 20210101000000Z \
    -in "$W/ven-expired.csr" -out "$W/ven-expired.pem" 2>>"$LOG"

# Assemble outputs in the scratch dir, then move into OUTDIR.
mkdir "$W/out"
for c in ca-rsa ca-ec int-rsa int-ec; do cp "$W/$c.pem" "$W/out/$c.crt"; done
cat "$W/ca-rsa.pem" "$W/ca-ec.pem" >"$W/out/ca.crt"
issuer_of() { case $1 in ven-rogue) echo int-rogue ;; *-ec) echo int-ec ;; *) echo int-rsa ;; esac; }
: >"$W/out/fingerprints.txt"
for n in "${DEVICES[@]}"; do
    cat "$W/$n.pem" "$W/$(issuer_of "$n").pem" >"$W/out/$n.crt"
    cp -p "$W/$n.key" "$W/out/$n.key"
    echo "$n $(fingerprint "$W/out/$n.crt")" >>"$W/out/fingerprints.txt"
done
chmod 644 "$W"/out/*.crt "$W/out/fingerprints.txt"
chmod 600 "$W"/out/*.key
mv -f "$W"/out/* "$OUT"/

echo "make-test-pki: wrote test PKI to $OUT"
