#!/bin/sh
# SPDX-License-Identifier: ISC
# Live capture in the lab's client namespace: --sniff beside the checks
# with 5223 dropped (the capture is evidence for each check), --sniff-only
# with --duration (root dropped to nobody before the first packet), a
# missing privilege named as such, the dashboard's capture pane, and a
# real capture of two interfaces of different link types merged into one
# pcapng (mergecap) and read whole, as a Mac's Wireshark writes them.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
"$PUSHPROBE" --no-config --read /dev/null 2>&1 | grep -q 'without libpcap' &&
    lab_skip "this pushprobe has no capture support"
lab_up
lab_fw tcp dport 5223 drop

ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; LAB_FAILS=$((LAB_FAILS + 1)); }

# 1. --sniff beside a run: each 5223 check carries the capture's evidence.
J=$LAB_TMP/sniff.json
pp_run "$J" --sniff c0 --timeout 4 -4
expect_rc 4   # degraded: 5223 dropped, the 443 fallback works
jcheck "$J" 'doc["capture"]["live"] is True and doc["capture"]["source"] == "c0" and doc["capture"]["packets"] > 50' "a live capture on c0"
jcheck "$J" 'all(k["capture_evidence"] is not None and k["capture_evidence"].startswith("SYN sent") and "no answer" in k["capture_evidence"] for k in cs(port=5223))' "every 5223 check: SYN sent N times, no answer"
jcheck "$J" 'all("handshake completed" in (k["capture_evidence"] or "") for k in cs(port=443, service="apns-device"))' "443 courier checks: the handshake seen"
jcheck "$J" 'any(x["service"] == "courier" and x["outcome"] == "unanswered" for x in doc["flows"]) and f("PUSH_RETRIES_UNANSWERED") is not None' "the flows and PUSH_RETRIES_UNANSWERED in the report"
jcheck "$J" 'f("APNS_FALLBACK_443") is not None' "the active diagnosis still there"

# 2. --sniff-only: no checks, root dropped to nobody while capturing.
lab_c "$PUSHPROBE" --no-config --sniff c0 --sniff-only --duration 4 --json \
    > "$LAB_TMP/only.json" 2> "$LAB_TMP/only.err" &
ppid=$!
sleep 1.5
pid=$(pgrep -P "$ppid" pushprobe || echo "$ppid")
uid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status" 2>/dev/null)
nobody=$(id -u nobody)
[ "$uid" = "$nobody $nobody $nobody $nobody" ] && ok "capturing as nobody (uids $uid)" || bad "capturing as uids '$uid', want nobody"
# Traffic for it to see: a device retrying 5223 into the void.
lab_c python3 -c '
import socket
for i in range(2):
    s = socket.socket(); s.settimeout(1.5)
    try: s.connect(("17.57.144.10", 5223))
    except Exception: pass
    s.close()'
wait $ppid
rc=$?
[ $rc = 1 ] && ok "--sniff-only ends at --duration with exit 1 (a problem seen)" || bad "--sniff-only exit $rc"
jcheck "$LAB_TMP/only.json" 'doc["checks"] == [] and doc["capture"]["live"] is True' "no checks, only the capture"
jcheck "$LAB_TMP/only.json" 'f("PUSH_RETRIES_UNANSWERED")["severity"] == "critical" and "10.10.0.2" in f("PUSH_RETRIES_UNANSWERED")["detail"] and v("push") == "blocked"' "the device retrying 5223: PUSH_RETRIES_UNANSWERED, push blocked"

# The interface disappears mid-capture: the capture stops and says so,
# the process does not spin, the report still comes.
# (a veth pair inside the client namespace, its two ends linked only to each other)
ip -n "$NS_C" link add vgone0 type veth peer name vgone1
ip -n "$NS_C" link set vgone0 up
ip -n "$NS_C" link set vgone1 up
lab_c "$PUSHPROBE" --no-config --sniff vgone0 --sniff-only --duration 4 --json \
    > "$LAB_TMP/gone.json" 2> "$LAB_TMP/gone.err" &
gpid=$!
sleep 1
ip -n "$NS_C" link del vgone0
sleep 1.5
pid=$(pgrep -P "$gpid" pushprobe || echo "$gpid")
ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null)
wait "$gpid"
if [ -n "$ticks" ] && [ "$ticks" -lt 60 ]; then
    ok "interface gone: no spinning ($ticks ticks of CPU)"
else
    bad "interface gone: $ticks ticks of CPU"
fi
jcheck "$LAB_TMP/gone.json" 'doc["capture"]["error"] is not None and "stopped" in doc["capture"]["error"]' "interface gone: the report says the capture stopped"

# 3. Without the privilege: the message says what is missing.
lab_c setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
    "$PUSHPROBE" --no-config --sniff c0 --sniff-only --duration 1 > /dev/null 2> "$LAB_TMP/perm.err"
rc=$?
if [ $rc = 2 ] && grep -q 'needs root or the CAP_NET_RAW capability' "$LAB_TMP/perm.err" &&
    grep -q 'setcap cap_net_raw,cap_net_admin=eip' "$LAB_TMP/perm.err"; then
    ok "no privilege: exit 2, CAP_NET_RAW and setcap named"
else
    bad "no privilege: rc $rc"; cat "$LAB_TMP/perm.err"
fi
lab_c "$PUSHPROBE" --no-config --sniff nosuch0 --sniff-only --duration 1 > /dev/null 2> "$LAB_TMP/dev.err"
rc=$?
[ $rc = 2 ] && grep -q "no interface named 'nosuch0'" "$LAB_TMP/dev.err" && ok "an unknown interface: named" || { bad "unknown interface rc $rc"; cat "$LAB_TMP/dev.err"; }
lab_c "$PUSHPROBE" --no-config --sniff c0 --sniff-only --duration 1 -Z nosuchuser > /dev/null 2> "$LAB_TMP/z.err"
rc=$?
[ $rc = 3 ] && grep -q "no user 'nosuchuser'" "$LAB_TMP/z.err" && ok "-Z with an unknown user: refused before capturing" || { bad "-Z unknown user rc $rc"; cat "$LAB_TMP/z.err"; }

# 4. setcap instead of sudo: an ordinary user captures, then holds no
#    capability while it reads packets.
if command -v setcap >/dev/null 2>&1; then
    chmod 755 "$LAB_TMP"
    cp "$PUSHPROBE" "$LAB_TMP/pp-caps"
    setcap cap_net_raw,cap_net_admin=eip "$LAB_TMP/pp-caps"
    lab_c setpriv --reuid=nobody --regid=nogroup --clear-groups "$LAB_TMP/pp-caps" --no-config \
        --sniff c0 --sniff-only --duration 3 --json > "$LAB_TMP/caps.json" 2> "$LAB_TMP/caps.err" &
    cpid=$!
    sleep 1.5
    pid=$(pgrep -f "pp-caps --no-config" | head -n 1)
    capeff=$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    capprm=$(awk '/^CapPrm:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    wait "$cpid"
    if [ "$capeff" = 0000000000000000 ] && [ "$capprm" = 0000000000000000 ]; then
        ok "setcap: capturing with no capability left (CapEff $capeff)"
    else
        bad "setcap: CapEff '$capeff' CapPrm '$capprm' while capturing"; cat "$LAB_TMP/caps.err"
    fi
    jcheck "$LAB_TMP/caps.json" 'doc["capture"]["live"] is True and doc["capture"]["source"] == "c0"' "setcap: the capture worked as nobody"
fi

# 5. The agent with --sniff: the capture's metrics on /metrics.
PORT=9$((LAB_ID % 900 + 100))
lab_c "$PUSHPROBE" --no-config -4 --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" \
    --timeout 3 --serve "127.0.0.1:$PORT" --interval 2 --sniff c0 2> "$LAB_TMP/agent.err" &
apid=$!
i=0
while [ $i -lt 150 ] && ! lab_c curl -s -m 2 "http://127.0.0.1:$PORT/metrics" 2>/dev/null |
        grep -q 'pushprobe_capture_flows_total{service="courier",outcome="unanswered"}'; do
    sleep 0.1
    i=$((i + 1))
done
lab_c curl -s -m 2 "http://127.0.0.1:$PORT/metrics" > "$LAB_TMP/agent.prom"
kill "$apid" 2>/dev/null
wait "$apid" 2>/dev/null
if grep -q 'pushprobe_capture_flows_total{service="courier",outcome="unanswered"} [1-9]' "$LAB_TMP/agent.prom" &&
    grep -q 'pushprobe_capture_push_devices{state="retrying"} 1' "$LAB_TMP/agent.prom" &&
    grep -q 'pushprobe_finding{code="PUSH_RETRIES_UNANSWERED"' "$LAB_TMP/agent.prom"; then
    ok "agent with --sniff: capture metrics and findings on /metrics"
else
    bad "agent with --sniff"; head -c 3000 "$LAB_TMP/agent.prom"; cat "$LAB_TMP/agent.err"
fi
if command -v promtool >/dev/null 2>&1; then
    promtool check metrics < "$LAB_TMP/agent.prom" > "$LAB_TMP/promtool.out" 2>&1 &&
        ok "promtool check metrics passes with the capture metrics" ||
        { bad "promtool check metrics"; cat "$LAB_TMP/promtool.out"; }
fi

# 6. The dashboard with --sniff: the capture pane.
if command -v tmux >/dev/null 2>&1; then
    T="tmux -L ppcap$LAB_ID"
    lab_c $T new-session -d -s cap -x 110 -y 32 "env TERM=xterm-256color $PUSHPROBE --no-config -4 --resolver 203.0.113.53 --apple-ca $LAB_TMP/certs/apple-root.pem --timeout 3 --interval 60 --sniff c0; sleep 30"
    i=0
    while [ $i -lt 100 ] && ! $T capture-pane -p -t cap | grep -q 'runs 1 '; do sleep 0.1; i=$((i + 1)); done
    $T send-keys -t cap c
    # Pending SYNs turn unanswered after 3 s without an answer.
    i=0
    while [ $i -lt 60 ] && ! $T capture-pane -p -t cap | grep -q 'unanswered'; do
        sleep 0.1
        i=$((i + 1))
    done
    if $T capture-pane -p -t cap | grep -q 'CAPTURE c0: [0-9]* packets' &&
        $T capture-pane -p -t cap | grep -Eq 'unanswered +courier +10\.10\.0\.2 -> 17\.57\.144\.10:5223'; then
        ok "dashboard: the capture pane lists the unanswered courier flows"
    else
        bad "dashboard: capture pane"; $T capture-pane -p -t cap | sed 's/^/  | /'
    fi
    $T send-keys -t cap Enter
    sleep 0.5
    if $T capture-pane -p -t cap | grep -Eq 'SYN sent [0-9]+ times?, no answer'; then
        ok "dashboard: the details show the capture's evidence"
    else
        bad "dashboard: evidence in details"; $T capture-pane -p -t cap | sed 's/^/  | /'
    fi
    if $T capture-pane -p -t cap | grep -Eq '^expected +gateway\.push\.apple\.com' &&
        $T capture-pane -p -t cap | grep -q 'pushprobe DEGRADED'; then
        ok "dashboard: the retired port's row shows expected; the header says DEGRADED"
    else
        bad "dashboard: expected row or header"; $T capture-pane -p -t cap | sed 's/^/  | /'
    fi
    $T send-keys -t cap q
    sleep 0.5
    $T kill-session -t cap 2>/dev/null
    # --sniff-only: the capture where the checks would be, findings below.
    lab_c $T new-session -d -s only -x 110 -y 32 "env TERM=xterm-256color $PUSHPROBE --no-config --interval 1 --sniff c0 --sniff-only; sleep 30"
    sleep 1
    lab_c python3 -c '
import socket
s = socket.socket(); s.settimeout(3.5)
try: s.connect(("17.57.144.10", 5223))
except Exception: pass'
    i=0
    while [ $i -lt 60 ] && ! $T capture-pane -p -t only | grep -q 'PUSH_RETRIES_UNANSWERED'; do
        sleep 0.1
        i=$((i + 1))
    done
    if $T capture-pane -p -t only | grep -q 'WATCHING' &&
        $T capture-pane -p -t only | grep -Eq 'unanswered +courier +10\.10\.0\.2 -> 17\.57\.144\.10:5223' &&
        $T capture-pane -p -t only | grep -Eq 'Push:(BLOCKED|DEGRADED)' &&
        $T capture-pane -p -t only | grep -q 'PUSH_RETRIES_UNANSWERED'; then
        ok "dashboard --sniff-only: the flows, the push badge and the finding"
    else
        bad "dashboard --sniff-only"; $T capture-pane -p -t only | sed 's/^/  | /'
    fi
    $T kill-server 2>/dev/null
fi
# 7. Two interfaces, two link types (c0: Ethernet; any: Linux cooked,
#    v1 or v2 as libpcap picks) recorded while pushprobe probes, merged
#    into one pcapng as Wireshark on a Mac writes them: read whole
#    (libpcap stops at the second interface), the counts as capinfos and
#    tshark say; then compressed.
if command -v tcpdump >/dev/null 2>&1 && command -v mergecap >/dev/null 2>&1 &&
    command -v capinfos >/dev/null 2>&1; then
    lab_c tcpdump -i c0 -s 512 -U -w "$LAB_TMP/eth.pcap" > "$LAB_TMP/td1.log" 2>&1 &
    t1=$!
    lab_c tcpdump -i any -s 512 -U -w "$LAB_TMP/any.pcap" 'tcp port 443 or tcp port 5223' \
        > "$LAB_TMP/td2.log" 2>&1 &
    t2=$!
    sleep 1
    pp_run "$LAB_TMP/probe.json" --timeout 3 -4
    sleep 1
    kill "$t1" "$t2" 2>/dev/null
    wait "$t1" "$t2" 2>/dev/null
    mergecap -F pcapng -w "$LAB_TMP/merged.pcapng" "$LAB_TMP/eth.pcap" "$LAB_TMP/any.pcap"
    pk=$(capinfos -c -M "$LAB_TMP/merged.pcapng" | awk '/Number of packets/ {print $NF}')
    "$PUSHPROBE" --no-config --read "$LAB_TMP/merged.pcapng" --filter '' --json \
        > "$LAB_TMP/merged.json" 2> "$LAB_TMP/merged.err"
    jcheck "$LAB_TMP/merged.json" "doc['capture']['packets'] == $pk and doc['capture']['complete'] and [i['link'][:9] for i in doc['capture']['interfaces']] == ['EN10MB', 'LINUX_SLL'] and all(i['packets'] > 0 for i in doc['capture']['interfaces'])" "a merged two-link-type pcapng: all $pk packets (as capinfos), both interfaces"
    jcheck "$LAB_TMP/merged.json" 'any(x["service"] == "courier" and x["outcome"] == "unanswered" for x in doc["flows"]) and any(x["service"] == "courier" and x["server_port"] == 443 and x["outcome"] in ("closed", "established") for x in doc["flows"])' "the merged capture: 5223 unanswered, 443 through"
    if command -v tshark >/dev/null 2>&1; then
        conv=$(tshark -n -r "$LAB_TMP/merged.pcapng" -q -z conv,tcp 2>/dev/null | grep -c '<->')
        jcheck "$LAB_TMP/merged.json" "sum(v for o in doc['capture']['outcomes'].values() for k, v in o.items() if not k.startswith('udp')) == $conv" "the merged capture: $conv TCP flows, as tshark's conversations"
    else
        echo "SKIP: tshark is not installed (contrib/debian-deps.sh installs it): no conversation count"
    fi
    gzip -c "$LAB_TMP/merged.pcapng" > "$LAB_TMP/merged.trace"
    "$PUSHPROBE" --no-config --read "$LAB_TMP/merged.trace" --filter '' --json > "$LAB_TMP/mgz.json" 2>&1
    jcheck "$LAB_TMP/mgz.json" "doc['capture']['packets'] == $pk" "the same, gzip-compressed: all $pk packets"
else
    echo "SKIP: tcpdump, mergecap or capinfos is not installed: no merged capture"
fi
lab_finish
