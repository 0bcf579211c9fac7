#!/bin/sh
# SPDX-License-Identifier: ISC
# Servers that do not behave: plain text where TLS is expected, a silent
# server, one that hangs up at once, one that drips garbage, a TLS server
# that sends an alert.  Each ends in a classified state before the
# deadline, never a crash or a hang.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
C=$LAB_TMP/certs
A=17.253.1.10
# socat parses commas and colons in SYSTEM:, so the servers are scripts.
printf '#!/bin/sh\nprintf "HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0\\r\\n\\r\\n"\nsleep 1\n' > "$LAB_TMP/http.sh"
printf '#!/bin/sh\nwhile :; do printf "\\026\\003"; sleep 0.3; done\n' > "$LAB_TMP/drip.sh"
chmod +x "$LAB_TMP/http.sh" "$LAB_TMP/drip.sh"
lab_bg "$NS_I" socat TCP4-LISTEN:6001,bind=$A,reuseaddr,fork EXEC:"$LAB_TMP/http.sh"
lab_bg "$NS_I" socat TCP4-LISTEN:6002,bind=$A,reuseaddr,fork EXEC:'sleep 10'
lab_bg "$NS_I" socat TCP4-LISTEN:6003,bind=$A,reuseaddr,fork EXEC:true
lab_bg "$NS_I" socat TCP4-LISTEN:6004,bind=$A,reuseaddr,fork EXEC:"$LAB_TMP/drip.sh"
# A TLS server that insists on a client certificate.  With TLS 1.3 the
# client's handshake completes before the server judges the (empty)
# certificate, so the request is what pushprobe can report.
lab_bg "$NS_I" openssl s_server -accept $A:6005 -cert "$C/public.crt" -cert_chain "$C/apple-inter.pem" \
    -key "$C/public.key" -Verify 1 -www -quiet
for p in 6001 6002 6003 6004 6005; do lab_wait_listen "$NS_I" $p; done

J=$LAB_TMP/hostile.json
pp_run "$J" --timeout 2 --profile none tls://$A:6001 tls://$A:6002 tls://$A:6003 tls://$A:6004 tls://$A:6005
expect_rc 1
jcheck "$J" 'len(checks) == 5' "five checks reported"
jcheck "$J" 'c("17.253.1.10", 6001)["state"] == "unexpected" and c("17.253.1.10", 6001)["reason"] == "not-tls"' "plain HTTP where TLS is expected: unexpected, not-tls"
jcheck "$J" 'c("17.253.1.10", 6002)["state"] == "tls-failed" and c("17.253.1.10", 6002)["reason"] == "tls-timeout"' "a silent server: tls-timeout"
jcheck "$J" 'c("17.253.1.10", 6003)["state"] == "tls-failed" and c("17.253.1.10", 6003)["reason"] in ("tls-eof", "conn-reset")' "a server that hangs up: tls-eof"
jcheck "$J" 'c("17.253.1.10", 6004)["state"] == "tls-failed" and c("17.253.1.10", 6004)["reason"] == "tls-timeout"' "a slow drip of a record header: tls-timeout at the deadline"
jcheck "$J" 'c("17.253.1.10", 6005)["state"] == "tls-failed" and c("17.253.1.10", 6005)["tls"]["client_cert_requested"] is True' "client certificate required: the request is recorded"
jcheck "$J" 'all(k["timings_ms"]["total"] < 2600 for k in checks)' "every check ends by its deadline"
if [ "$(uname -s)" = Linux ]; then
    jcheck "$J" 'sorted(r["port"] for r in retries) == [6002, 6004] and all(r["reason"] == "tls-timeout" for r in retries) and "PATH_MTU_BLACKHOLE" not in codes' "the stalls are tried again with small segments, stall again: no MTU black hole"
fi
lab_finish
