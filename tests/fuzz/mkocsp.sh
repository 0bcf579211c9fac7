#!/bin/sh
# SPDX-License-Identifier: ISC
# Seeds for fuzz_tlsjudge: the lab's chains (tests/data/certs) and a chain
# made here with the openssl command line whose leaf has a stapled OCSP
# response (good, revoked, signed by a stranger), each input as
# fuzz_tlsjudge.c reads it: a flags byte, the response's length (2 bytes,
# big-endian), the response, then the chain.
# The OCSP chain's root and the lab's company root go to tlsjudge-roots.pem,
# the harness's --ca-file (so good and revoked answers verify).
# Usage: mkocsp.sh   (writes corpus/tlsjudge and tlsjudge-roots.pem)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
certs=$here/../data/certs
out=$here/corpus/tlsjudge
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/O=Corp/CN=OCSP Test Root" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.pem 2>/dev/null
key leaf.key
openssl req -new -key leaf.key -subj "/O=Corp/CN=mdm.corp.test" -out leaf.csr 2>/dev/null
printf 'subjectAltName=DNS:mdm.corp.test\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 397 \
    -extfile leaf.ext -out leaf.pem 2>/dev/null
key other.key
openssl req -x509 -new -key other.key -sha256 -days 30 -subj "/CN=Stranger" -out other.pem 2>/dev/null
: > index.txt
openssl ocsp -issuer ca.pem -cert leaf.pem -reqout req.der -no_nonce 2>/dev/null
resp() { # NAME INDEX SIGNER KEY
    printf '%s' "$2" > index.txt
    openssl ocsp -index index.txt -rsigner "$3" -rkey "$4" -CA ca.pem -reqin req.der \
        -respout "$1.der" -ndays 7 2>/dev/null
}
serial=$(openssl x509 -in leaf.pem -noout -serial | sed 's/serial=//')
resp good "V	301231000000Z		$serial	unknown	/O=Corp/CN=mdm.corp.test
" ca.pem ca.key
resp revoked "R	301231000000Z	250101000000Z	$serial	unknown	/O=Corp/CN=mdm.corp.test
" ca.pem ca.key
resp stranger "V	301231000000Z		$serial	unknown	/O=Corp/CN=mdm.corp.test
" other.pem other.key
cat leaf.pem ca.pem > chain.pem
cat "$certs/corp-root.pem" ca.pem > "$here/tlsjudge-roots.pem"
python3 - "$out" "$certs" <<'PY'
import os, sys
out, certs = sys.argv[1], sys.argv[2]
chain = open("chain.pem", "rb").read()
def seed(name, flags, ocsp, ch):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([flags]) + len(ocsp).to_bytes(2, "big") + ocsp + ch)
for r in ("good", "revoked", "stranger"):
    seed("ocsp_" + r, 0x10, open(r + ".der", "rb").read(), chain)
    seed("ocsp_" + r + "_untrusted", 0, open(r + ".der", "rb").read(), chain)
    seed("ocsp_" + r + "_cut", 0x10, open(r + ".der", "rb").read()[:60], chain)
seed("ocsp_none", 0x10, b"", chain)
lab = {n: open(os.path.join(certs, n + ".pem"), "rb").read()
       for n in ("courier", "public", "corp-server", "expired", "mitm-courier", "selfsigned",
                 "apple-inter", "apple-root", "corp-root", "evil-root")}
# trust (bits 0-1), name (bits 2-3), lab roots (bit 4)
seed("lab_courier_apple", 0x10 | 1 | 1 << 2, b"", lab["courier"])
seed("lab_courier_full", 0x10 | 1 | 1 << 2, b"", lab["courier"] + lab["apple-root"])
seed("lab_public", 0x10 | 2 | 3 << 2, b"", lab["public"])
seed("lab_corp", 0x10 | 0, b"", lab["corp-server"])
seed("lab_corp_ip", 0x10 | 2 << 2, b"", lab["corp-server"])
seed("lab_corp_untrusted", 0, b"", lab["corp-server"])
seed("lab_expired", 0x10 | 1 | 1 << 2, b"", lab["expired"])
seed("lab_mitm", 0x10 | 1 | 1 << 2, b"", lab["mitm-courier"] + lab["evil-root"])
seed("lab_selfsigned", 0x10 | 1 | 1 << 2, b"", lab["selfsigned"])
seed("lab_wrong_name", 0x10 | 1 << 2, b"", lab["corp-server"])
seed("empty_chain", 0, b"", b"")
PY
echo "mkocsp.sh: corpus/tlsjudge written"
