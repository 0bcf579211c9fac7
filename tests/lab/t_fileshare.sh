#!/bin/sh
# SPDX-License-Identifier: ISC
# File shares on the corp host: real Samba (smbd) answering the SMB2
# NEGOTIATE on both families, with signing required and with the defaults,
# an SMB1-only smbd, and a netatalk-shaped AFP server (Debian has no
# netatalk: a socat server replays tests/data/afp/getstatus-netatalk.bin
# after reading the 16-byte DSIGetStatus).  Then hostile servers: garbage,
# an SMB1 answer, an echo, a refusal, a server that hangs up at once, a
# silent one and a slow drip; each ends classified by its deadline.
#
# lab_corp runs smbd on 445 and the AFP fixture on 548; these servers use
# ports of their own (lab_smbd in lab.sh).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
command -v smbd >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
command -v smbd >/dev/null 2>&1 || lab_skip "smbd (samba) is not installed"
lab_up
lab_corp
D=$LAB_DIR_SRC/../data
K4=10.20.0.10
K6=fd00:20::10

# lab_k4 PORT SCRIPT...: a TCP server on the corp host's IPv4 address
# running SCRIPT per connection (socat parses commas and colons in EXEC:,
# so the servers are scripts).
lab_k4() {
    lab_bg "$NS_K" socat "TCP4-LISTEN:$1,bind=$K4,reuseaddr,fork,backlog=64" EXEC:"$2"
}

# server NAME BODY: a script in $LAB_TMP.
server() {
    printf '#!/bin/sh\n%s\n' "$2" > "$LAB_TMP/$1.sh"
    chmod +x "$LAB_TMP/$1.sh"
}

cp "$D/afp/getstatus-netatalk.bin" "$D/afp/getstatus-busy.bin" "$D/smb/negotiate-smb1-nt1.bin" \
    "$D/smb/negotiate-samba.bin" "$D/smb/negotiate-not-supported.bin" "$LAB_TMP/"
server afp "head -c 16 >/dev/null; cat $LAB_TMP/getstatus-netatalk.bin"
server afpbusy "head -c 16 >/dev/null; cat $LAB_TMP/getstatus-busy.bin"
server afpcut "head -c 16 >/dev/null; head -c 100 $LAB_TMP/getstatus-netatalk.bin"
server smb1 "head -c 112 >/dev/null; cat $LAB_TMP/negotiate-smb1-nt1.bin; sleep 1"
server refuse "head -c 112 >/dev/null; cat $LAB_TMP/negotiate-not-supported.bin; sleep 1"
server garbage 'printf "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"; sleep 1'
server drip "exec python3 -c 'import sys, time
d = open(\"$LAB_TMP/negotiate-samba.bin\", \"rb\").read()
for i in range(len(d)):
    sys.stdout.buffer.write(d[i:i + 1]); sys.stdout.flush(); time.sleep(0.3)'"

# The file server: signing required on 1445 (both families), the defaults
# on 1446, SMB1 only on 1447; AFP on 1548 (both families).
lab_smbd signed 1445 SMB2_02 SMB3 mandatory
lab_smbd plain 1446 SMB2_02 SMB3 default
lab_smbd nt1 1447 NT1 NT1 default
lab_k4 1548 "$LAB_TMP/afp.sh"
lab_bg "$NS_K" socat "TCP6-LISTEN:1548,bind=[$K6],reuseaddr,fork,backlog=64" EXEC:"$LAB_TMP/afp.sh"
# Hostile SMB servers, then hostile AFP servers.
lab_k4 1448 "$LAB_TMP/smb1.sh"
lab_k4 1449 "$LAB_TMP/garbage.sh"
lab_k4 1450 true
lab_k4 1451 'sleep 10'
lab_k4 1452 "$LAB_TMP/drip.sh"
lab_k4 1453 cat
lab_k4 1454 "$LAB_TMP/refuse.sh"
lab_k4 1549 "$LAB_TMP/garbage.sh"
lab_k4 1550 true
lab_k4 1551 'sleep 10'
lab_k4 1552 cat
lab_k4 1553 "$LAB_TMP/afpbusy.sh"
lab_k4 1554 "$LAB_TMP/afpcut.sh"
for p in 1445 1446 1447 1448 1449 1450 1451 1452 1453 1454 1548 1549 1550 1551 1552 1553 1554; do
    lab_wait_listen "$NS_K" $p
done
# smbd listens on both addresses; wait for the second one too.
i=0
while [ $i -lt 100 ] && [ "$(ip netns exec "$NS_K" ss -lntH 'sport = :1445' | wc -l)" -lt 2 ]; do
    sleep 0.05
    i=$((i + 1))
done

J=$LAB_TMP/fileshare.json
pp_run "$J" --timeout 3 --profile none --smb files.corp.test:1445 --smb smb://files.corp.test:1446 \
    --afp files.corp.test:1548
expect_rc 0
jcheck "$J" 'len(checks) == 6 and all(k["state"] == "ok" for k in checks)' "SMB on 1445 and 1446, AFP on 1548, both families: ok"
jcheck "$J" 'all(k["probe"] == "smb" for k in cs(service="smb")) and all(k["probe"] == "afp" for k in cs(service="afp"))' "the smb and afp probes ran"
jcheck "$J" 'all(k["details"]["dialect"] == "3.0.2" and k["details"]["signing_required"] is True and k["details"]["signing_enabled"] is True for k in cs(port=1445))' "smbd with signing mandatory: SMB 3.0.2, signing required, both families"
jcheck "$J" 'c("files.corp.test", 1445, "ipv6")["summary"] == "SMB 3.0.2, signing required"' "summary: SMB 3.0.2, signing required"
jcheck "$J" 'all(k["details"]["signing_required"] is False and k["summary"] == "SMB 3.0.2, signing enabled" for k in cs(port=1446))' "smbd defaults: signing enabled, not required"
jcheck "$J" 'c("files.corp.test", 1445)["details"]["server_guid"] == "656c6966-0073-0000-0000-000000000000" and c("files.corp.test", 1445)["details"]["capabilities"] == "DFS,LEASING,LARGE_MTU" and c("files.corp.test", 1445)["details"]["max_read"] == 8388608' "server GUID (Samba: its NetBIOS name), capabilities, sizes"
jcheck "$J" 'all(k["details"]["server_name"] == "files" and k["details"]["machine_type"] == "Netatalk3.1.12" and k["details"]["afp_versions"] == "AFP3.2,AFP3.3,AFP3.4" and k["details"]["uams"] == "DHX2,DHCAST128" for k in cs(service="afp"))' "AFP: server name, machine type, versions, login methods, both families"
jcheck "$J" 'c("files.corp.test", 1548, "ipv6")["summary"] == "AFP: Netatalk3.1.12 '"'files'"', AFP3.4" and "UTF8ServerName" in c("files.corp.test", 1548)["details"]["flags"]' "AFP summary and flags"
jcheck "$J" 'all("deprecated" in k["message"] and k["required"] is False for k in cs(service="afp"))' "AFP: never required, the message says it is deprecated"

J=$LAB_TMP/fileshare-hostile.json
pp_run "$J" --timeout 2 --profile none --smb $K4:1447 --smb $K4:1448 --smb $K4:1449 \
    --smb $K4:1450 --smb $K4:1451 --smb $K4:1452 --smb $K4:1453 --smb $K4:1454 \
    --afp $K4:1549 --afp $K4:1550 --afp $K4:1551 --afp $K4:1552 --afp $K4:1553 --afp $K4:1554
expect_rc 1
P="c('$K4', "
jcheck "$J" 'len(checks) == 14 and all(k["state"] == "unexpected" for k in checks)' "fourteen hostile servers, all unexpected"
jcheck "$J" "${P}1447)['details']['problem'] == 'closed' and 'SMB1-only' in ${P}1447)['message']" "SMB1-only smbd hangs up on SMB2: closed, the message suggests SMB1"
jcheck "$J" "${P}1448)['details']['problem'] == 'smb1-only' and ${P}1448)['summary'] == 'SMB1 only'" "an SMB1 answer: smb1-only"
jcheck "$J" "${P}1449)['details']['problem'] == 'not-smb' and 'HTTP/1.1' in ${P}1449)['message']" "HTTP where SMB belongs: not-smb, the text quoted"
jcheck "$J" "${P}1450)['details']['problem'] == 'closed' and ${P}1550)['details']['problem'] == 'closed'" "a server that hangs up at once: closed"
jcheck "$J" "${P}1451)['reason'] == 'no-response' and ${P}1551)['reason'] == 'no-response'" "a silent server: no-response at the deadline"
jcheck "$J" "${P}1452)['details']['problem'] == 'truncated'" "a slow drip of a real reply: truncated at the deadline"
jcheck "$J" "${P}1453)['details']['problem'] == 'malformed' and ${P}1552)['details']['problem'] == 'not-dsi' and 'echo' in ${P}1552)['message']" "an echo: not a response"
jcheck "$J" "${P}1454)['details']['problem'] == 'status' and ${P}1454)['details']['ntstatus'] == '0xC00000BB' and 'STATUS_NOT_SUPPORTED' in ${P}1454)['message']" "no common dialect: STATUS_NOT_SUPPORTED"
jcheck "$J" "${P}1549)['details']['problem'] == 'not-dsi'" "HTTP where AFP belongs: not-dsi"
jcheck "$J" "${P}1553)['details']['problem'] == 'dsi-error' and ${P}1553)['details']['dsi_error'] == -1071 and 'SERVBUSY' in ${P}1553)['message']" "a busy AFP server: dsi-error -1071"
jcheck "$J" "${P}1554)['details']['problem'] == 'truncated'" "an AFP status cut short: truncated"
jcheck "$J" 'all("deprecated" in k["message"] for k in cs(service="afp"))' "every AFP message says AFP is deprecated"
jcheck "$J" 'all(k["timings_ms"]["total"] < 2600 for k in checks)' "every check ends by its deadline"
lab_finish
