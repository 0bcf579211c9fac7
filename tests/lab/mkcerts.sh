#!/bin/sh
# SPDX-License-Identifier: ISC
# Make the lab's certificate authorities and server certificates with the
# openssl command line.  Usage: mkcerts.sh OUTDIR [DAYS [LEAF_DAYS]]
# DAYS is the lifetime of the CAs (default 3650), LEAF_DAYS that of the
# server certificates (default 397: within Apple's 398-day limit).
#
#   apple-root.pem        "Lab Apple Root CA" (stands in for Apple Root CA)
#   apple-inter.pem       "Lab Apple Server Authentication CA" (intermediate)
#   courier.pem/.key      courier.push.apple.com (+courier2), leaf+intermediate
#   public.pem/.key       api.push.apple.com and the other Apple service names
#   evil-root.pem         "Evil Web Shield Root" (an intercepting proxy's CA)
#   mitm-courier.pem/.key courier.push.apple.com signed by the evil root
#   corp-root.pem         "Corp Internal Root CA" (a company's own CA)
#   corp-server.pem/.key  mdm.corp.test, dp.corp.test
#   expired.pem/.key      courier.push.apple.com, expired in 2020, Apple chain
#   corp-expired.pem/.key mdm.corp.test from the corp CA, expired in 2020
#   selfsigned.pem/.key   a self-signed courier.push.apple.com
set -eu
out=$1
days=${2:-3650}
leaf_days=${3:-397}
mkdir -p "$out"
cd "$out"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

root() { # name file CN
    key "$1.key"
    openssl req -x509 -new -key "$1.key" -sha256 -days "$days" -subj "$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem" 2>/dev/null
}

# sign NAME CA SUBJECT EXTFILE [DAYS]
sign() {
    key "$1.key"
    openssl req -new -key "$1.key" -subj "$3" -out "$1.csr" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
        -sha256 -days "${5:-$leaf_days}" -extfile "$4" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr"
}

cat > ca.ext <<'X'
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
X
leaf_ext() { # SAN-list
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$1"
}

root apple-root "/C=US/O=Lab Apple Inc./OU=Lab Certification Authority/CN=Lab Apple Root CA"
sign apple-inter apple-root "/C=US/O=Lab Apple Inc./CN=Lab Apple Server Authentication CA" ca.ext "$days"
mv apple-inter.crt apple-inter.pem

leaf_ext "DNS:courier.push.apple.com,DNS:courier2.push.apple.com" > courier.ext
sign courier apple-inter "/C=US/O=Apple Inc./CN=courier.push.apple.com" courier.ext
cat courier.crt apple-inter.pem > courier.pem

names="DNS:api.push.apple.com,DNS:api.sandbox.push.apple.com,DNS:albert.apple.com,DNS:deviceenrollment.apple.com,DNS:iprofiles.apple.com,DNS:mdmenrollment.apple.com,DNS:identity.apple.com,DNS:vpp.itunes.apple.com,DNS:gdmf.apple.com,DNS:valid.apple.com,DNS:gateway.push.apple.com,DNS:feedback.push.apple.com"
leaf_ext "$names" > public.ext
sign public apple-inter "/C=US/O=Apple Inc./CN=api.push.apple.com" public.ext
cat public.crt apple-inter.pem > public.pem

root evil-root "/O=Evil Web Shield/CN=Evil Web Shield Root"
sign mitm-courier evil-root "/C=US/O=Apple Inc./CN=courier.push.apple.com" courier.ext
cp mitm-courier.crt mitm-courier.pem

root corp-root "/O=Corp/CN=Corp Internal Root CA"
leaf_ext "DNS:mdm.corp.test,DNS:dp.corp.test,DNS:sus.corp.test" > corp.ext
sign corp-server corp-root "/O=Corp/CN=mdm.corp.test" corp.ext
cp corp-server.crt corp-server.pem

# An expired leaf under the lab Apple chain: openssl ca sets past dates.
mkdir -p ca.db
: > ca.db/index.txt
echo 1000 > ca.db/serial
cat > ca.cnf <<X
[ca]
default_ca = lab
[lab]
database = ca.db/index.txt
serial = ca.db/serial
new_certs_dir = ca.db
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
X
key expired.key
openssl req -new -key expired.key -subj "/CN=courier.push.apple.com" -out expired.csr 2>/dev/null
openssl ca -batch -config ca.cnf -cert apple-inter.pem -keyfile apple-inter.key \
    -startdate 20190101000000Z -enddate 20200101000000Z -extfile courier.ext \
    -in expired.csr -out expired.crt -notext 2>/dev/null
cat expired.crt apple-inter.pem > expired.pem
rm -f expired.csr

key corp-expired.key
openssl req -new -key corp-expired.key -subj "/CN=mdm.corp.test" -out corp-expired.csr 2>/dev/null
openssl ca -batch -config ca.cnf -cert corp-root.pem -keyfile corp-root.key \
    -startdate 20190101000000Z -enddate 20200101000000Z -extfile corp.ext \
    -in corp-expired.csr -out corp-expired.pem -notext 2>/dev/null
rm -f corp-expired.csr

key selfsigned.key
openssl req -x509 -new -key selfsigned.key -sha256 -days "$leaf_days" \
    -subj "/CN=courier.push.apple.com" \
    -addext "subjectAltName=DNS:courier.push.apple.com" -out selfsigned.pem 2>/dev/null
rm -f ./*.srl ./*.ext ca.cnf
rm -rf ca.db
