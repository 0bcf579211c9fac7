#!/bin/sh
# SPDX-License-Identifier: ISC
# The certificate matrix: one server per case on the corp host
# (mdm.corp.test, 10.20.0.10), each judged as an MDM (--mdm), a
# distribution point (--dp) and a free tls:// target, with the company
# root passed by --ca-file.  Every rule Apple devices apply (SAN only,
# serverAuth, 825/398 days, RSA 2048 / EC 256, SHA-2, no CA as leaf), the
# chain causes (missing intermediate, untrusted root, stapled revocation,
# client certificate), the protocol warnings (TLS 1.0, RSA key exchange,
# DHE with a small group) and the controls Apple accepts (SAN without CN,
# wildcard, ECDSA P-256, chain out of order, an extra certificate, 399 and
# 730 days from a company root).  Certificates are made here with openssl;
# nginx serves what it can load, openssl s_server at security level 0 the
# legacy cases.  All servers run at once in one lab.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_corp
C=$LAB_TMP/certs
M=$LAB_TMP/matrix
mkdir -p "$M"
cd "$M" || exit 1

keygen() { # FILE [ALG]
    case "${2:-ec}" in
    ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null ;;
    rsa1024) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$1" 2>/dev/null ;;
    rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null ;;
    esac
}

# cert NAME CA DAYS EXT [KEYALG [MD [SUBJECT]]]: NAME.crt and NAME.key,
# signed by CA (CA.pem/CA.key); EXT is the extension file's text.
cert() {
    keygen "$1.key" "${5:-ec}"
    printf '%b' "$4" > "$1.ext"
    openssl req -new -key "$1.key" -subj "${7:-/O=Corp/CN=mdm.corp.test}" -out "$1.csr" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
        "-${6:-sha256}" -days "$3" -extfile "$1.ext" -out "$1.crt" 2>/dev/null ||
        { echo "FAIL: cannot make certificate $1"; exit 1; }
}

SAN='subjectAltName=DNS:mdm.corp.test\n'
EKU='extendedKeyUsage=serverAuth\n'
LEAF='basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
CAEXT='basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n'

cp "$C/corp-root.pem" "$C/corp-root.key" .
# An issuing CA under the company root, a second level under it, a root
# nobody trusts, and a "public" root standing for one that comes with the
# system (given to OpenSSL as SSL_CERT_FILE, not as --ca-file).
cert inter corp-root 3650 "$CAEXT" ec sha256 "/O=Corp/CN=Corp Issuing CA"
cp inter.crt inter.pem
cert inter2 inter 3650 "$CAEXT" ec sha256 "/O=Corp/CN=Corp Second Level CA"
cp inter2.crt inter2.pem
keygen other-root.key
openssl req -x509 -new -key other-root.key -sha256 -days 3650 -subj "/CN=Unknown Root" \
    -addext "basicConstraints=critical,CA:TRUE" -out other-root.pem 2>/dev/null
keygen pub-root.key
openssl req -x509 -new -key pub-root.key -sha256 -days 3650 -subj "/CN=Lab Public Root" \
    -addext "basicConstraints=critical,CA:TRUE" -out pub-root.pem 2>/dev/null

cert good corp-root 397 "$LEAF$EKU$SAN"                 # ECDSA P-256: the control
cert nosan corp-root 397 "$LEAF$EKU"
cert noeku corp-root 397 "$LEAF$SAN"
cert clientauth corp-root 397 "${LEAF}extendedKeyUsage=clientAuth\n$SAN"
cert long826 corp-root 826 "$LEAF$EKU$SAN"
cert leafca corp-root 397 "basicConstraints=critical,CA:TRUE\n$EKU$SAN"
cert nointer inter 397 "$LEAF$EKU$SAN"
cert nointeraia inter 397 "${LEAF}${EKU}${SAN}authorityInfoAccess=caIssuers;URI:http://pki.corp.test/issuing.crt\n"
cert revoked corp-root 397 "$LEAF$EKU$SAN"
cert nocn corp-root 397 "$LEAF$EKU$SAN" ec sha256 "/O=Corp/OU=Devices"
cert wild corp-root 397 "${LEAF}${EKU}subjectAltName=DNS:*.corp.test\n" ec sha256 "/O=Corp/CN=Corp wildcard"
cert order inter2 397 "$LEAF$EKU$SAN"
cert extra inter 397 "$LEAF$EKU$SAN"
cert d399 corp-root 399 "$LEAF$EKU$SAN"
cert d730 corp-root 730 "$LEAF$EKU$SAN"
cert soon corp-root 10 "$LEAF$EKU$SAN"
cert pub399 pub-root 399 "$LEAF$EKU$SAN"
cert untrusted other-root 397 "$LEAF$EKU$SAN"
cert rsa1024 corp-root 397 "$LEAF$EKU$SAN" rsa1024
cert sha1 corp-root 397 "$LEAF$EKU$SAN" ec sha1
cert rsa corp-root 397 "$LEAF$EKU$SAN" rsa2048
cat order.crt inter.pem inter2.pem > order.pem    # out of order: inter before inter2
cat extra.crt inter.pem "$C/evil-root.pem" > extra.pem
cat nointer.crt > nointer.pem
for n in good nosan noeku clientauth long826 leafca revoked nocn wild d399 d730 soon pub399 \
         untrusted rsa1024 sha1 rsa nointeraia; do
    cp "$n.crt" "$n.pem"
done

# A stapled OCSP response that says "revoked", signed by the company root.
serial=$(openssl x509 -in revoked.crt -noout -serial | sed 's/serial=//')
printf 'R\t301231000000Z\t240101000000Z\t%s\tunknown\t/O=Corp/CN=mdm.corp.test\n' "$serial" > index.txt
openssl ocsp -issuer corp-root.pem -cert revoked.crt -no_nonce -reqout ocsp-req.der 2>/dev/null
openssl ocsp -index index.txt -rsigner corp-root.pem -rkey corp-root.key -CA corp-root.pem \
    -reqin ocsp-req.der -respout ocsp-revoked.der -ndays 7 >/dev/null 2>&1
[ -s ocsp-revoked.der ] || { echo "FAIL: no OCSP response"; exit 1; }
# The 1024-bit MODP group of RFC 2409 (Oakley group 2), as DH parameters.
cat > dh.cnf <<'DH'
asn1=SEQUENCE:dh
[dh]
p=INTEGER:0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF
g=INTEGER:2
DH
openssl asn1parse -genconf dh.cnf -out dh.der >/dev/null &&
    openssl dhparam -inform DER -in dh.der -out dh1024.pem 2>/dev/null ||
    { echo "FAIL: cannot make DH parameters"; exit 1; }

# nginx: one server per case, ports 7001-7019.
d=$LAB_TMP/nginx-certs
mkdir -p "$d"
{
    printf 'user root;\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log;\n' "$d" "$d"
    printf 'events { worker_connections 256; }\nhttp {\n    access_log off;\n'
    for t in body proxy fastcgi uwsgi scgi; do printf '    %s_temp_path %s/%s;\n' \
        "$([ $t = body ] && echo client_body || echo $t)" "$d" "$t"; done
    port=7000
    for n in good nosan noeku clientauth long826 leafca nointer revoked nocn wild order extra \
             d399 d730 soon pub399 untrusted clientreq nointeraia; do
        port=$((port + 1))
        crt=$n
        [ $n = clientreq ] && crt=good
        printf '    server {\n        listen 10.20.0.10:%s ssl;\n' $port
        printf '        ssl_certificate %s/%s.pem;\n        ssl_certificate_key %s/%s.key;\n' \
            "$M" $crt "$M" $crt
        [ $n = revoked ] && printf '        ssl_stapling on;\n        ssl_stapling_file %s/ocsp-revoked.der;\n' "$M"
        [ $n = clientreq ] && printf '        ssl_verify_client on;\n        ssl_client_certificate %s/corp-root.pem;\n' "$M"
        printf '        location / { return 200 "ok"; }\n    }\n'
    done
    printf '}\n'
} > "$LAB_TMP/nginx-certs.conf"
lab_nginx "$NS_K" "$LAB_TMP/nginx-certs.conf"

# openssl s_server at security level 0 for what nginx refuses to load or
# to offer: 7101 RSA-1024 leaf, 7102 SHA-1 signature, 7103 TLS 1.0 only,
# 7104 RSA key exchange only, 7105 DHE only with a 1024-bit group, 7106 no
# cipher in common, 7107 a TLS 1.3 server that requires a client certificate.
srv() { # PORT CERT ARGS...
    p=$1 crt=$2
    shift 2
    lab_bg "$NS_K" openssl s_server -accept 10.20.0.10:$p -cert "$M/$crt.pem" -key "$M/$crt.key" \
        -www -quiet "$@"
}
L0='DEFAULT:@SECLEVEL=0'
srv 7101 rsa1024 -cipher "$L0"
srv 7102 sha1 -cipher "$L0"
srv 7103 good -tls1 -cipher "$L0"
srv 7104 rsa -tls1_2 -cipher 'AES128-GCM-SHA256:@SECLEVEL=0'
srv 7105 rsa -tls1_2 -cipher 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0' -dhparam "$M/dh1024.pem"
srv 7106 good -tls1_2 -cipher 'NULL-SHA256:@SECLEVEL=0'
srv 7107 good -tls1_3 -Verify 1 -CAfile "$M/corp-root.pem"
for p in 7001 7019 7101 7102 7103 7104 7105 7106 7107; do lab_wait_listen "$NS_K" $p; done

H=mdm.corp.test
# run NAME PORT [ARGS...]: the three checks of one case.
run() {
    n=$1 p=$2
    shift 2
    J=$LAB_TMP/$n.json
    pp_run "$J" --timeout 3 -4 --profile none --ca-file "$C/corp-root.pem" \
        --mdm "https://$H:$p" --dp "https://$H:$p/pkgs/" "tls://$H:$p" "$@"
}

# fails NAME PORT REASON DP_CODE: Apple devices refuse this server.
fails() {
    run "$1" "$2"
    jcheck "$J" "len(checks) == 3 and all(k['state'] == 'tls-failed' and k['reason'] == '$3' for k in checks)" "$1: tls-failed, $3, as MDM, DP and tls:// target"
    jcheck "$J" "'MDM_CERT' in codes and '$3' in f('MDM_CERT')['title'] and '$4' in codes and 'TARGET_CERT' in codes" "$1: MDM_CERT names $3, $4, TARGET_CERT"
    jcheck "$J" "'NETWORK_OK' not in codes and 'CHECKED_OK' not in codes and 'MDM_UNREACHABLE' not in codes and doc['summary']['status'] == 'failed'" "$1: failed, no NETWORK_OK or CHECKED_OK, not unreachable"
}

# rule NAME REASON: the JSON's apple_policy names the rule.
rule() {
    jcheck "$LAB_TMP/$1.json" "all(k['tls']['apple_policy']['result'] == 'fail' and k['tls']['apple_policy']['rule'] == '$2' for k in checks)" "$1: apple_policy fails on $2"
}

# passes NAME PORT: Apple devices accept it.
passes() {
    run "$1" "$2"
    jcheck "$J" "len(checks) == 3 and all(k['state'] == 'ok' and k['tls']['apple_policy']['result'] == 'pass' for k in checks)" "$1: accepted as MDM, DP and tls:// target"
    jcheck "$J" "'CHECKED_OK' in codes and doc['summary']['status'] == 'ok'" "$1: status ok, CHECKED_OK"
}

fails nosan 7002 san-missing DP_CERT_SAN_MISSING
rule nosan san-missing
# The text report shows the chain and the rule under the row.
lab_c "$PUSHPROBE" --no-tui --resolver 203.0.113.53 --timeout 3 -4 --profile none \
    --ca-file "$C/corp-root.pem" --mdm "https://$H:7002" > "$LAB_TMP/nosan.txt" 2>&1
tr -s ' \n' '  ' < "$LAB_TMP/nosan.txt" > "$LAB_TMP/nosan.line"
if grep -q "chain: 'mdm.corp.test' (EC 256, ecdsa-with-SHA256" "$LAB_TMP/nosan.line" &&
    grep -q "'Corp Internal Root CA'[^;]*root); Apple rule broken: san-missing" "$LAB_TMP/nosan.line"; then
    echo "ok: nosan: the text report shows the chain and the rule broken"
else
    echo "FAIL: nosan: text report without the chain"; cat "$LAB_TMP/nosan.txt"
    LAB_FAILS=$((LAB_FAILS + 1))
fi
fails noeku 7003 eku-missing DP_CERT_EKU
rule noeku eku-missing
fails clientauth 7004 eku-wrong DP_CERT_EKU
fails long826 7005 validity-too-long DP_CERT_VALIDITY
rule long826 validity-too-long
jcheck "$LAB_TMP/long826.json" "all('826 days' in k['message'] for k in checks)" "long826: the message says 826 days"
fails leafca 7006 leaf-is-ca DP_CERT_LEAF_IS_CA
rule leafca leaf-is-ca
fails nointer 7007 chain-incomplete DP_CERT_CHAIN_INCOMPLETE
jcheck "$LAB_TMP/nointer.json" "all(\"intermediate certificate 'Corp Issuing CA'\" in k['message'] and 'install' not in k['message'] for k in checks)" "nointer: names the missing intermediate"
jcheck "$LAB_TMP/nointer.json" "'install' not in f('MDM_CERT')['advice']['admin']" "nointer: no 'install the root' advice"
# The intermediate named by AIA: devices may fetch it; a warning, said so.
run nointeraia 7019
jcheck "$J" "all(k['reason'] == 'chain-incomplete' and 'not certain' in k['message'] and 'intermediate-via-aia' in k['tls']['warnings'] for k in checks)" "nointeraia: chain-incomplete, the AIA fetch called uncertain"
jcheck "$J" "f('MDM_CERT')['severity'] == 'warning' and f('DP_CERT_CHAIN_INCOMPLETE')['severity'] == 'warning'" "nointeraia: MDM_CERT and DP_CERT_CHAIN_INCOMPLETE are warnings"
fails revoked 7008 cert-revoked DP_CERT_REVOKED
jcheck "$LAB_TMP/revoked.json" "all(k['tls']['ocsp'] == 'revoked' for k in checks)" "revoked: the staple is read as revoked"
fails rsa1024 7101 weak-key DP_CERT_WEAK_KEY
rule rsa1024 weak-key
jcheck "$LAB_TMP/rsa1024.json" "all(k['tls']['served_chain'][0]['key_type'] == 'RSA' and k['tls']['served_chain'][0]['key_bits'] == 1024 for k in checks)" "rsa1024: key type and size in the JSON"
fails sha1 7102 weak-signature DP_CERT_WEAK_SIGNATURE
rule sha1 weak-signature
jcheck "$LAB_TMP/sha1.json" "all(k['tls']['served_chain'][0]['signature'] == 'ecdsa-with-SHA1' for k in checks)" "sha1: the signature algorithm in the JSON"

# 399 days from a root that comes with the system: over Apple's 398.
SSL_CERT_FILE=$M/pub-root.pem
export SSL_CERT_FILE
J=$LAB_TMP/pub399.json
pp_run "$J" --timeout 3 -4 --profile none --mdm "https://$H:7016" --dp "https://$H:7016/pkgs/" "tls://$H:7016"
jcheck "$J" "len(checks) == 3 and all(k['reason'] == 'validity-too-long' and k['tls']['anchor'] == 'system' and '398' in k['message'] for k in checks)" "pub399: 399 days from a system root fail on the 398-day rule"
jcheck "$J" "'MDM_CERT' in codes and 'DP_CERT_VALIDITY' in codes and 'NETWORK_OK' not in codes and 'CHECKED_OK' not in codes" "pub399: MDM_CERT, DP_CERT_VALIDITY, no NETWORK_OK"
unset SSL_CERT_FILE

# The untrusted root: only then the "install the root CA" advice.
J=$LAB_TMP/untrusted.json
pp_run "$J" --timeout 3 -4 --profile none --mdm "https://$H:7017" --dp "https://$H:7017/pkgs/" "tls://$H:7017"
jcheck "$J" "all(k['reason'] == 'cert-untrusted' and '--ca-file' in k['message'] and 'Unknown Root' in k['message'] for k in checks)" "untrusted: cert-untrusted, names the issuer and --ca-file"
jcheck "$J" "'MDM_CERT' in codes and 'install' in f('MDM_CERT')['advice']['admin'] and 'DP_CERT_UNTRUSTED' in codes and 'NETWORK_OK' not in codes and 'CHECKED_OK' not in codes" "untrusted: MDM_CERT advises installing the root; DP_CERT_UNTRUSTED"

# A required client certificate: nginx's 400 (TLS 1.3), s_server's alert.
run clientreq 7018
jcheck "$J" "all(k['state'] == 'tls-failed' and k['reason'] == 'client-cert-required' for k in cs(service='mdm') + cs(service='dp'))" "clientreq: nginx's 400 is client-cert-required for MDM and DP"
jcheck "$J" "'MDM_CLIENT_CERT' in codes and 'DP_CLIENT_CERT' in codes and 'NETWORK_OK' not in codes and 'CHECKED_OK' not in codes and 'MDM_UNREACHABLE' not in codes" "clientreq: MDM_CLIENT_CERT, DP_CLIENT_CERT"
run clientreq13 7107
jcheck "$J" "all(k['state'] == 'tls-failed' and k['reason'] == 'client-cert-required' and k['tls']['client_cert_requested'] for k in checks)" "clientreq13: a TLS 1.3 certificate_required alert, also for the tls:// target"

# Handshake failures after TCP connected are not "unreachable".
run nocipher 7106
jcheck "$J" "all(k['state'] == 'tls-failed' and k['reason'] == 'tls-alert' and k['tls']['alert'] == 40 and 'in common' in k['message'] for k in checks)" "nocipher: handshake_failure explained"
jcheck "$J" "'MDM_TLS' in codes and 'DP_TLS' in codes and 'MDM_UNREACHABLE' not in codes and 'NETWORK_OK' not in codes and 'CHECKED_OK' not in codes" "nocipher: MDM_TLS and DP_TLS, never MDM_UNREACHABLE"

# Protocol warnings: the checks pass, the report warns.
run tls10 7103
jcheck "$J" "all(k['state'] == 'ok' and k['tls']['version'] == 'TLSv1' and 'tls-legacy' in k['tls']['warnings'] for k in checks)" "tls10: TLS 1.0 negotiated and warned about"
jcheck "$J" "'TLS_WEAK_PROTOCOL' in codes and f('TLS_WEAK_PROTOCOL')['severity'] == 'warning'" "tls10: TLS_WEAK_PROTOCOL"
run rsakex 7104
jcheck "$J" "all(k['state'] == 'ok' and k['tls']['kex'] == 'RSA' and 'no-forward-secrecy' in k['tls']['warnings'] for k in checks)" "rsakex: RSA key exchange, no forward secrecy"
run dhe 7105
jcheck "$J" "all(k['state'] == 'ok' and k['tls']['kex'] == 'DHE' and k['tls']['kex_bits'] == 1024 and 'weak-dh' in k['tls']['warnings'] and 'dhe-only' in k['tls']['warnings'] and 'not certain' in k['tls']['warning'] for k in checks)" "dhe: DHE with a 1024-bit group, uncertainty said"

# A certificate about to expire: a warning, the check passes.
run soon 7015
jcheck "$J" "all(k['state'] == 'ok' and 'expires-soon' in k['tls']['warnings'] for k in checks) and 'CERT_EXPIRING' in codes" "soon: CERT_EXPIRING for a certificate with 10 days left"
run soon-off 7015 --cert-warn-days 0
jcheck "$J" "'CERT_EXPIRING' not in codes and all(k['tls']['warnings'] == [] for k in checks)" "soon: --cert-warn-days 0 turns the warning off"

# What Apple devices accept.
passes good 7001
jcheck "$LAB_TMP/good.json" "all(k['tls']['served_chain'][0]['key_type'] == 'EC' and k['tls']['served_chain'][0]['key_bits'] == 256 and k['tls']['served_chain'][0]['eku'] == ['serverAuth'] and k['tls']['served_chain'][0]['san'] == ['DNS:mdm.corp.test'] and len(k['tls']['served_chain'][0]['sha256']) == 64 and k['tls']['built_chain'][-1]['self_signed'] and k['tls']['anchor'] == 'added' and k['tls']['ocsp'] == 'none' for k in checks)" "good: ECDSA P-256; chain, EKU, SAN, fingerprint and anchor in the JSON"
passes nocn 7009
passes wild 7010
passes order 7011
jcheck "$LAB_TMP/order.json" "all(len(k['tls']['served_chain']) == 3 and len(k['tls']['built_chain']) == 4 for k in checks)" "order: served out of order, built in order"
passes extra 7012
passes d399 7013
passes d730 7014
lab_finish
