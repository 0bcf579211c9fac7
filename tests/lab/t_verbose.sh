#!/bin/sh
# SPDX-License-Identifier: ISC
# -v and -vv (curl -v's "*" lines on standard error): each kind of step
# appears with its time, for a Jamf-like MDM over TLS and HTTP, a
# redirect, SMB and AFP, Apple's courier (and its --hold), APNs over
# HTTP/2, NTP over UDP, a closed port, a port the router rejects with
# ICMP, a TLS alert and a name that does not exist; the steps of a
# check come in the order it went through them, their times never go
# back; standard output stays the JSON report; --redact masks the lines;
# without -v there are none; -v is refused with --serve.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_corp
C=$LAB_TMP/certs
SYS="--profile none --ca-file $C/corp-root.pem"

# check NAME FILE 'grep -E pattern' 'what it means': one line matches.
has() {
    if grep -Eq -- "$2" "$1"; then
        echo "ok: $3"
    else
        echo "FAIL: $3 (no line matching '$2' in $1)"
        LAB_FAILS=$((LAB_FAILS + 1))
    fi
}
hasnt() {
    if grep -Eq -- "$2" "$1"; then
        echo "FAIL: $3 (a line matching '$2' in $1)"
        grep -E -- "$2" "$1" | head -3
        LAB_FAILS=$((LAB_FAILS + 1))
    else
        echo "ok: $3"
    fi
}
# steps FILE ID PHASE...: the check's steps of those phases appear in that
# order, and the times of all its steps never go back.
steps() {
    f=$1 id=$2; shift 2
    if python3 - "$f" "$id" "$@" <<'PY'
import re, sys
f, cid, want = sys.argv[1], sys.argv[2], sys.argv[3:]
pat = re.compile(r"^\* \[(.*?)\] (\d+\.\d) ms (\S+) ")
seen, times = [], []
for line in open(f):
    m = pat.match(line)
    if m and m.group(1) == cid:
        seen.append(m.group(3))
        times.append(float(m.group(2)))
firsts = [seen.index(p) if p in seen else -1 for p in want]
ok = -1 not in firsts and firsts == sorted(firsts) and seen and seen[-1] == "end"
ok = ok and all(b >= a for a, b in zip(times, times[1:]))
if not ok:
    print("  steps of %s: %s at %s" % (cid, seen, times))
sys.exit(0 if ok else 1)
PY
    then
        echo "ok: $id: $* in order, times rising"
    else
        echo "FAIL: $id: $* not in order (or times going back)"
        LAB_FAILS=$((LAB_FAILS + 1))
    fi
}

# The router rejects 9999 with ICMP (admin-prohibited, sent by 10.10.0.1);
# a TLS server on 7106 has no cipher in common with anyone (an alert).
lab_fw ip daddr 10.20.0.10 tcp dport 9999 reject with icmp type admin-prohibited
lab_bg "$NS_K" openssl s_server -accept 10.20.0.10:7106 -cert "$C/corp-server.pem" \
    -key "$C/corp-server.key" -www -quiet -tls1_2 -cipher 'NULL-SHA256:@SECLEVEL=0'
lab_wait_listen "$NS_K" 7106

J=$LAB_TMP/v.json
E=$J.err
pp_run "$J" -v --timeout 3 -4 $SYS --mdm https://mdm.corp.test --smb files.corp.test \
    --afp files.corp.test --dp https://dp.corp.test/old/ tls://courier.push.apple.com:5223 \
    files.corp.test:9 files.corp.test:9999 nx.corp.test:80 tls://10.20.0.10:7106
jcheck "$J" 'len(checks) == 10' "-v: standard output is the JSON report (valid against the schema)"
hasnt "$E" '^[^*]|^\*[^ ]' "-v: every line on standard error is a step"
has "$E" '^\* \[mdm\.corp\.test:8443/ipv4\] [0-9]+\.[0-9] ms resolve mdm\.corp\.test A, resolver 203\.0\.113\.53:53: 1 answer \(10\.20\.0\.10\) in [0-9.]+ ms$' "resolve: name, record type, resolver, answer, time"
has "$E" '^\* \[mdm\.corp\.test:8443/ipv4\] [0-9.]+ ms connect 10\.20\.0\.10:8443 open \(local 10\.10\.0\.2:[0-9]+\) in [0-9.]+ ms$' "connect: address, local address and port, time"
has "$E" '^\* \[mdm\.corp\.test:8443/ipv4\] [0-9.]+ ms tls ClientHello: SNI mdm\.corp\.test, ALPN http/1\.1, versions TLSv1 to TLSv1\.3$' "tls: what is offered (SNI, ALPN, versions)"
has "$E" '^\* \[mdm\.corp\.test:8443/ipv4\] [0-9.]+ ms tls TLSv1\.[23], cipher [A-Z0-9_-]+, group [A-Za-z0-9]+, ALPN http/1\.1 in [0-9.]+ ms$' "tls: version, cipher, group, ALPN negotiated, time"
has "$E" '^\* \[mdm\.corp\.test:8443/ipv4\] [0-9.]+ ms tls certificate 0: subject CN=mdm\.corp\.test,O=Corp, issuer CN=Corp Internal Root CA,O=Corp, notAfter 20[0-9-]+T' "tls: the chain served, subject, issuer, notAfter"
has "$E" '^\* \[mdm\.corp\.test:8443/ipv4\] [0-9.]+ ms tls verify ok; TLS works' "tls: verification result"
has "$E" '^\* \[mdm\.corp\.test:8443/ipv4\] [0-9.]+ ms http > GET /healthCheck\.html HTTP/1\.1$' "http: the request line"
has "$E" '^\* \[mdm\.corp\.test:8443/ipv4\] [0-9.]+ ms http < HTTP/1\.1 200 OK$' "http: the status line"
has "$E" '^\* \[mdm\.corp\.test:8443/ipv4\] [0-9.]+ ms http < Server: nginx' "http: a selected header"
hasnt "$E" 'http < (Date|Connection):' "-v: not every header (that is -vv)"
has "$E" '^\* \[mdm\.corp\.test:8443/ipv4\] [0-9.]+ ms end ok \(service-ok\) in [0-9.]+ ms( \(\+[0-9.]+ ms waiting on the loop\))?: ' "end: state, reason, total time (the loop's waits apart)"
steps "$E" mdm.corp.test:8443/ipv4 resolve connect tls http end
has "$E" '^\* \[dp\.corp\.test:443/ipv4/old/\] [0-9.]+ ms http < Location: https://dp\.corp\.test/pkgs/Tool\.pkg$' "http: the redirect's Location"
has "$E" '^\* \[dp\.corp\.test:443/ipv4/old/\] [0-9.]+ ms http redirect to https://dp\.corp\.test:443/pkgs/Tool\.pkg \(hop 1\), checked next$' "http: the redirect target"
steps "$E" dp.corp.test:443/ipv4/pkgs/Tool.pkg resolve connect tls http end
steps "$E" files.corp.test:445/ipv4 resolve connect end
has "$E" '^\* \[courier\.push\.apple\.com:5223/ipv4\] [0-9.]+ ms tls certificate 1: subject CN=Lab Apple Server Authentication CA' "tls: every certificate of the chain"
has "$E" '^\* \[courier\.push\.apple\.com:5223/ipv4\] [0-9.]+ ms tls verify failed, unable to get local issuer certificate' "tls: a verification failure and why"
steps "$E" courier.push.apple.com:5223/ipv4 resolve connect tls end
has "$E" '^\* \[files\.corp\.test:9/ipv4\] [0-9.]+ ms connect 10\.20\.0\.10:9 conn-refused after [0-9.]+ ms$' "connect: a refused port and its time"
has "$E" '^\* \[files\.corp\.test:9999/ipv4\] [0-9.]+ ms connect 10\.20\.0\.10:9999 admin-prohibited after [0-9.]+ ms, ICMP from 10\.10\.0\.1$' "connect: an ICMP rejection and its sender"
has "$E" '^\* \[nx\.corp\.test:80\] [0-9.]+ ms resolve nx\.corp\.test A, resolver 203\.0\.113\.53:53: nxdomain in [0-9.]+ ms$' "resolve: a name that does not exist"
has "$E" '^\* \[nx\.corp\.test:80\] [0-9.]+ ms end dns-failed \(nxdomain\)' "end: the lookup's failure"
has "$E" '^\* \[10\.20\.0\.10:7106/ipv4\] [0-9.]+ ms tls ClientHello: SNI none \(an address\), ALPN none, ' "tls: no SNI for an address"
has "$E" '^\* \[10\.20\.0\.10:7106/ipv4\] [0-9.]+ ms tls failed after [0-9.]+ ms: .* \(alert handshake failure\)$' "tls: a failed handshake and the server's alert"
steps "$E" 10.20.0.10:7106/ipv4 resolve connect tls end
hasnt "$E" ' (smb|afp|bytes) ' "-v: no bytes summary (that is -vv)"

# The Apple profile (-vv): APNs over HTTP/2, the time server over UDP.
J=$LAB_TMP/apple.json
E=$J.err
pp_run "$J" -vv --timeout 3 -4 --hold 1
jcheck "$J" 'len(checks) > 20' "-v, the Apple profile: standard output is the JSON report"
has "$E" '^\* \[courier\.push\.apple\.com:5223/ipv4\] [0-9.]+ ms courier holding the connection idle for 1 s \(--hold\)$' "courier: the hold starts"
has "$E" '^\* \[courier\.push\.apple\.com:5223/ipv4\] [0-9.]+ ms courier held 1 s idle; (a TLS key update|TCP keepalive probes) must be' "courier: the hold ends, and how the path is proven"
steps "$E" courier.push.apple.com:5223/ipv4 resolve connect tls courier end
has "$E" '^\* \[time\.apple\.com:123/ipv4\] [0-9.]+ ms time NTP request 48 bytes -> 48 bytes, stratum [0-9]+, refid [^,]*, delay [0-9.]+ ms, offset [-+][0-9.]+ s$' "-vv: the NTP exchange summarised"
has "$E" '^\* \[api\.push\.apple\.com:443/ipv4\] [0-9.]+ ms http < [a-z-]+: .* \(HTTP/2\)$' "-vv: HTTP/2's other headers"
has "$E" '^\* \[api\.push\.apple\.com:443/ipv4\] [0-9.]+ ms http > POST /3/device/[0-9a-f]+ \(HTTP/2, :authority api\.push\.apple\.com, [0-9]+ bytes of JSON\)$' "http: the APNs request over HTTP/2"
has "$E" '^\* \[api\.push\.apple\.com:443/ipv4\] [0-9.]+ ms http < :status: 403 \(HTTP/2\)$' "http: the HTTP/2 status"
steps "$E" api.push.apple.com:443/ipv4 resolve connect tls http end
has "$E" '^\* \[time\.apple\.com:123/ipv4\] [0-9.]+ ms connect 17\.253\.1\.10:123 UDP, no handshake \(local 10\.10\.0\.2:[0-9]+\)$' "connect: UDP says it has no handshake"

# -vv: the bytes, the probes' exchanges summarised, every header.
J=$LAB_TMP/vv.json
E=$J.err
pp_run "$J" -vv --timeout 3 $SYS --smb files.corp.test --afp files.corp.test --sus sus.corp.test
jcheck "$J" 'len(checks) == 6' "-vv: standard output is the JSON report"
has "$E" '^\* \[files\.corp\.test:445/ipv4\] [0-9.]+ ms smb SMB2 NEGOTIATE [0-9]+ bytes -> [0-9]+ bytes, dialect 3\.[01]\.[0-9], signing ' "-vv: SMB2 NEGOTIATE summarised with its dialect"
has "$E" '^\* \[files\.corp\.test:445/ipv6\] [0-9.]+ ms smb SMB2 NEGOTIATE' "-vv: on IPv6 as well"
has "$E" '^\* \[files\.corp\.test:548/ipv4\] [0-9.]+ ms afp DSI GetStatus 16 bytes -> [0-9]+ bytes, server .files., AFP AFP3\.4$' "-vv: AFP GetStatus summarised"
has "$E" '^\* \[files\.corp\.test:445/ipv4\] [0-9.]+ ms bytes 1[0-9][0-9] sent, [0-9]+ received$' "-vv: bytes per direction"
has "$E" '^\* \[sus\.corp\.test:8088/ipv6\] [0-9.]+ ms http > Host: sus\.corp\.test:8088$' "-vv: the request's headers"
has "$E" '^\* \[sus\.corp\.test:8088/ipv6\] [0-9.]+ ms http < Date: ' "-vv: every response header"
steps "$E" files.corp.test:445/ipv6 resolve connect smb bytes end

# --redact masks the steps as it masks the report.
J=$LAB_TMP/redact.json
E=$J.err
pp_run "$J" -v --redact --timeout 3 $SYS --mdm https://mdm.corp.test --smb files.corp.test \
    --dp https://dp.corp.test/old/ nx.corp.test:80
jcheck "$J" 'len(checks) >= 6' "-v --redact: standard output is the JSON report"
has "$E" '^\* \[<corp-host-[0-9]>:8443/ipv4\] [0-9.]+ ms connect <corp-addr-[0-9]>:8443 open \(local <local-addr-[0-9]>:[0-9]+\)' "--redact: the lines keep their form, masked"
for s in corp.test mdm.corp files.corp 10.20.0.10 fd00:20::10 10.10.0.2 fd00:10::2 203.0.113.53; do
    hasnt "$E" "$(echo "$s" | sed 's/\./\\./g')" "--redact: '$s' is not in the step lines"
done
hasnt "$J" 'corp\.test|10\.20\.0\.10' "--redact: nor in the report"

# Without -v: no steps.  With --serve: refused.
J=$LAB_TMP/quiet.json
pp_run "$J" --timeout 3 -4 $SYS --smb files.corp.test
hasnt "$J.err" '^\* \[' "without -v there are no step lines"
J=$LAB_TMP/serve.json
pp_run "$J" -v --serve 127.0.0.1:8999 $SYS --smb files.corp.test
expect_rc 2
has "$J.err" '-v writes one run.s steps to standard error: not with --serve' "-v --serve: refused, and why"
rm -f "$J"
# -c 2: each round writes its steps.
J=$LAB_TMP/count.json
pp_run "$J" -v -c 2 --interval 0.2 --timeout 3 -4 $SYS --smb files.corp.test
jcheck "$J" 'len(checks) == 1' "-v -c 2: standard output is the JSON report"
if [ "$(grep -c '^\* \[files\.corp\.test:445/ipv4\] [0-9.]* ms end ok' "$J.err")" = 2 ]; then
    echo "ok: -v -c 2: two rounds of steps"
else
    echo "FAIL: -v -c 2: not two rounds of steps"
    LAB_FAILS=$((LAB_FAILS + 1))
fi

# On a terminal -v runs once and writes the text report: no dashboard
# (script(1) gives it a terminal; the dashboard would take the alternate
# screen, ESC [?1049h).
if command -v script >/dev/null 2>&1; then
    T=$LAB_TMP/tty.txt
    lab_c script -qec "TERM=xterm $PUSHPROBE -v --resolver 203.0.113.53 --timeout 3 -4 $SYS \
        --smb files.corp.test" /dev/null > "$T" 2>&1 < /dev/null
    has "$T" '^\* \[files\.corp\.test:445/ipv4\] [0-9.]+ ms end ok' "-v on a terminal: the steps"
    has "$T" 'Verdicts' "-v on a terminal: then the text report"
    hasnt "$T" "$(printf '\033')\\[\\?1049h" "-v on a terminal: no dashboard"
fi

# An Apple name sinkholed to a private address: the result made without a
# check (dns-outside-apple) has its resolve and its end.
LAB_DNS_EXTRA="--host-record=40-courier.push.apple.com,10.99.0.1"
lab_dns 40-courier.push.apple.com
J=$LAB_TMP/sinkhole.json
pp_run "$J" -v --timeout 3 -4
has "$J.err" '^\* \[40-courier\.push\.apple\.com:5223/ipv4\] [0-9.]+ ms resolve 40-courier\.push\.apple\.com A, resolver 203\.0\.113\.53:53: 1 answer \(10\.99\.0\.1\) in [0-9.]+ ms$' "resolve: a sinkholed answer"
has "$J.err" '^\* \[40-courier\.push\.apple\.com:5223/ipv4\] [0-9.]+ ms end unexpected \(dns-outside-apple\) in [0-9.]+ ms: 40-courier\.push\.apple\.com resolves to 10\.99\.0\.1, outside' "end: dns-outside-apple, without a connect"
hasnt "$J.err" '^\* \[40-courier\.push\.apple\.com:5223/ipv4\] [0-9.]+ ms connect' "no connect to a sinkhole"

# A configuration file's serve gives way to -v: one run, its steps.
printf '[pushprobe]\nserve = 127.0.0.1:8999\n' > "$LAB_TMP/serve.conf"
J=$LAB_TMP/conf.json
pp_run "$J" --config "$LAB_TMP/serve.conf" -v --timeout 3 -4 $SYS --smb files.corp.test
expect_rc 0
jcheck "$J" 'len(checks) == 1' "-v over a configuration file's serve: one run, its report"
has "$J.err" '^\* \[files\.corp\.test:445/ipv4\] [0-9.]+ ms end ok' "-v over a configuration file's serve: its steps"
lab_finish
