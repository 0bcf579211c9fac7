#!/bin/sh
# SPDX-License-Identifier: ISC
# Where is it blocked?  Path traces (--trace) across routed hops:
#
#   client 10.20.0.2 -- 1 home router 10.20.0.1 (home.lan)
#                    -- 2 carrier-grade NAT 100.64.0.1 (cgn.isp.test)
#                    -- 3 upstream 198.51.100.1 (up.isp.test)
#                    -- 4 the far side: the fake Apple hosts (17.57.144.10 ...)
#   (IPv6: fd00:20::1, fd00:64::1, 2001:db8:3::1, 2620:149:a44::10)
#
# Each scenario drops, rejects, resets or answers for the server at a
# different hop; pushprobe's ends, hops and findings are asserted, and its
# hops are compared with traceroute -T and mtr -T on the same path.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
. "$LAB_DIR_SRC/chain.sh"
lab_require
for t in traceroute mtr setpriv; do
    command -v "$t" >/dev/null 2>&1 || lab_skip "$t is not installed"
done
LAB_TMP=$(mktemp -d)
trap chain_down EXIT INT TERM
chain_net "10.20.0 fd00:20::" "100.64.0 fd00:64::" "198.51.100 2001:db8:3::" \
    "203.0.113 2001:db8:4::"
sh "$LAB_DIR_SRC/mkcerts.sh" "$LAB_TMP/certs" >/dev/null
C=$LAB_TMP/certs
# dnsmasq answers the reverse names of its host records.
LAB_DNS_EXTRA="--host-record=home.lan,10.20.0.1,fd00:20::1 --host-record=cgn.isp.test,100.64.0.1 --host-record=up.isp.test,198.51.100.1 --local=/lan/ --local=/isp.test/"
lab_dns
lab_servers

# ours FILE HOST PORT FAM: our hops as "TTL ADDRESS" lines ("TTL *" silent).
ours() {
    python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
k = [c for c in d["checks"] if c["host"] == sys.argv[2] and c["port"] == int(sys.argv[3])
     and c["family"] == sys.argv[4] and not c.get("retry_of")][0]
for h in k["path"]["hops"]:
    print(h["ttl"], h["address"] or "*")
PY
}

# theirs TOOL OUT: the same from traceroute's or mtr's report, for our TTLs.
theirs() {
    python3 - "$@" <<'PY'
import ipaddress, re, sys
tool, text = sys.argv[1], open(sys.argv[2]).read().splitlines()

def addr(w):
    try:
        ipaddress.ip_address(w)
        return True
    except ValueError:
        return False

for line in text:
    if tool == "traceroute":
        m = re.match(r"\s*(\d+)\s+(.*)", line)
        if not m:
            continue
        a = [w for w in m.group(2).split() if addr(w)]
        print(m.group(1), a[0] if a else "*")
    else:
        m = re.match(r"\s*(\d+)\.\|--\s+(\S+)", line)
        if m:
            print(m.group(1), "*" if m.group(2) == "???" else m.group(2))
PY
}

# compare FILE HOST PORT FAM DEST: hop by hop against traceroute -T and mtr -T.
compare() {
    file=$1 host=$2 port=$3 fam=$4 dest=$5
    f6=""
    [ "$fam" = ipv6 ] && f6=-6
    ours "$file" "$host" "$port" "$fam" > "$LAB_TMP/ours"
    n=$(wc -l < "$LAB_TMP/ours")
    lab_c traceroute $f6 -n -T -p "$port" -q 3 -w 1 -m "$n" "$dest" > "$LAB_TMP/tr.out" 2>&1
    lab_c mtr $f6 -n -T -P "$port" --report -c 3 -i 0.2 --gracetime 1 -m "$n" "$dest" > "$LAB_TMP/mtr.out" 2>&1
    for tool in traceroute mtr; do
        out=$LAB_TMP/tr.out
        [ $tool = mtr ] && out=$LAB_TMP/mtr.out
        theirs $tool "$out" > "$LAB_TMP/theirs"
        # mtr stops at the last hop that answers; compare the TTLs it shows.
        if [ $tool = mtr ]; then
            head -n "$(wc -l < "$LAB_TMP/theirs")" "$LAB_TMP/ours" > "$LAB_TMP/ours.cut"
        else
            cp "$LAB_TMP/ours" "$LAB_TMP/ours.cut"
        fi
        if [ -s "$LAB_TMP/theirs" ] && cmp -s "$LAB_TMP/ours.cut" "$LAB_TMP/theirs"; then
            echo "ok: $host:$port $fam: the same addresses at the same TTLs as $tool -T"
        else
            echo "FAIL: $host:$port $fam: $tool -T disagrees"
            echo "  ours:"; sed 's/^/    /' "$LAB_TMP/ours"
            echo "  $tool:"; sed 's/^/    /' "$out"
            LAB_FAILS=$((LAB_FAILS + 1))
        fi
    done
}

CS='c("courier.push.apple.com", 5223)'
CS6='c("courier.push.apple.com", 5223, "ipv6")'
C443='c("courier.push.apple.com", 443)'

# --- a healthy path, every check traced
J=$LAB_TMP/healthy.json
pp_run "$J" --timeout 2 --trace-all
jcheck "$J" 'doc["schema_minor"] >= 5' "schema_minor names the path"
jcheck "$J" "$CS['path']['end'] == 'reached' and $CS['path']['end_hop'] == 4 and $CS['path']['end_address'] == '17.57.144.10' and $CS['path']['end_network'] == 'apple'" "healthy: 5223 reaches the server at hop 4"
jcheck "$J" "[h['address'] for h in $CS['path']['hops']] == ['10.20.0.1', '100.64.0.1', '198.51.100.1', '17.57.144.10']" "the hops, in order"
jcheck "$J" "[h['network'] for h in $CS['path']['hops']] == ['local', 'cgnat', 'public', 'apple']" "classified: local, cgnat, public, apple"
jcheck "$J" "[h['reply'] for h in $CS['path']['hops']] == ['time-exceeded'] * 3 + ['syn-ack']" "time-exceeded from the routers, the server's SYN-ACK"
jcheck "$J" "all(h['rtt_ms'] is not None and h['rtt_ms'] >= 0 for h in $CS['path']['hops'])" "each hop has a round-trip time"
jcheck "$J" "$CS['path']['hops'][0]['name'] == 'home.lan' and $CS['path']['hops'][1]['name'] == 'cgn.isp.test'" "reverse names through the resolver"
jcheck "$J" "$CS['path']['method'] == 'raw'" "as root: the raw ICMP socket"
jcheck "$J" "[h['address'] for h in $CS6['path']['hops']] == ['fd00:20::1', 'fd00:64::1', '2001:db8:3::1', '2620:149:a44::10'] and $CS6['path']['end'] == 'reached'" "IPv6: the same path"
jcheck "$J" "[h['network'] for h in $CS6['path']['hops']] == ['local', 'local', 'public', 'apple']" "IPv6: classified"
jcheck "$J" 'all(k.get("path") is not None for k in checks if k["address"])' "--trace-all traces every check"
compare "$J" courier.push.apple.com 5223 ipv4 17.57.144.10
compare "$J" courier.push.apple.com 5223 ipv6 2620:149:a44::10

# --- --trace alone: only the first courier check of each family on a healthy network
J=$LAB_TMP/healthy-trace.json
pp_run "$J" --timeout 2 --trace
jcheck "$J" '[(k["host"], k["port"], k["family"]) for k in cs(service="apns-device") if k.get("path")] == [("courier.push.apple.com", 5223, "ipv4"), ("courier.push.apple.com", 5223, "ipv6")]' "--trace on a healthy network: of the courier checks, the first of each family"
jcheck "$J" 'all(k.get("path") is not None for k in checks if k["state"] != "ok" and k["address"])' "and every check that failed"

# --- dropped by the carrier-grade NAT (hop 2) as it forwards
chain_nft 2 add rule inet hop forward tcp dport 5223 drop
J=$LAB_TMP/drop2.json
pp_run "$J" --timeout 2 --trace
jcheck "$J" "$CS['state'] == 'filtered' and $CS['path']['end'] == 'dropped' and $CS['path']['end_hop'] == 2 and $CS['path']['end_address'] == '100.64.0.1' and $CS['path']['end_network'] == 'cgnat'" "drop at hop 2: dropped after hop 2, the CGNAT"
jcheck "$J" "[h['reply'] for h in $CS['path']['hops']] == ['time-exceeded', 'time-exceeded', 'none'] and $CS['path']['hops'][2]['address'] is None" "then silence"
jcheck "$J" "$C443['path']['end'] == 'reached'" "the comparison: 443 on the same address reaches"
jcheck "$J" "$CS6['path']['end'] == 'dropped' and $CS6['path']['end_address'] == 'fd00:64::1'" "IPv6: dropped after hop 2 too"
jcheck "$J" '"dropped after your provider\u0027s carrier-grade NAT 100.64.0.1 (hop 2), inside your provider\u0027s network" in f("APNS_FALLBACK_443")["detail"]' "the finding says where: inside the provider's network"
jcheck "$J" '"Call your Internet provider" in f("APNS_FALLBACK_443")["advice"]["user"]' "advice: the provider"
compare "$J" courier.push.apple.com 5223 ipv4 17.57.144.10
compare "$J" courier.push.apple.com 5223 ipv6 2620:149:a44::10
lab_c "$PUSHPROBE" --no-tui --color never --resolver 203.0.113.53 --apple-ca "$C/apple-root.pem" \
    --timeout 2 --trace > "$LAB_TMP/drop2.txt" 2>&1
if grep -q "courier.push.apple.com 17.57.144.10 port 5223: dropped after hop 2 (100.64.0.1 cgn.isp.test, the provider's carrier-grade NAT)" "$LAB_TMP/drop2.txt" &&
   grep -Eq "^ +2  100\.64\.0\.1 .*time-exceeded +cgnat +cgn\.isp\.test" "$LAB_TMP/drop2.txt"; then
    echo "ok: the text report shows the path, hop by hop"
else
    echo "FAIL: the text report's Paths"; sed -n '/^Paths/,$p' "$LAB_TMP/drop2.txt"
    LAB_FAILS=$((LAB_FAILS + 1))
fi
# The agent: hop count and end of the failed push checks, as metrics.
A=127.0.0.1:9897
lab_bg "$NS_C" "$PUSHPROBE" --no-config --serve $A --interval 60 --timeout 2 --trace \
    --resolver 203.0.113.53 --apple-ca "$C/apple-root.pem"
AGENT=$!
i=0 got=""
while [ $i -lt 100 ]; do
    got=$(lab_c curl -s -m 2 http://$A/metrics)
    echo "$got" | grep -q '^pushprobe_runs_total 1' && break
    sleep 0.1
    i=$((i + 1))
done
if echo "$got" | grep -q '^pushprobe_path_hops{service="apns-device",host="courier.push.apple.com",address="17.57.144.10",family="ipv4",port="5223",via="direct"} 2$' &&
   echo "$got" | grep -q '^pushprobe_path_end{service="apns-device",host="courier.push.apple.com",address="17.57.144.10",family="ipv4",port="5223",via="direct",end="dropped",end_address="100.64.0.1",end_network="cgnat"} 1$' &&
   ! echo "$got" | grep -q '^pushprobe_path_hops{.*port="443"'; then
    echo "ok: --serve --trace: pushprobe_path_hops and pushprobe_path_end for the failed push checks"
else
    echo "FAIL: the agent's path metrics"; echo "$got" | grep -i path
    LAB_FAILS=$((LAB_FAILS + 1))
fi
lab_c curl -s -m 2 http://$A/report.json > "$LAB_TMP/agent.json"
jcheck "$LAB_TMP/agent.json" "$CS['path']['end'] == 'dropped' and 'dropped after' in f('APNS_FALLBACK_443')['detail']" "the agent's report.json has the path and the finding"
kill "$AGENT" 2>/dev/null
chain_flush

# --- dropped by the home router as it forwards: after your router, then
# the provider's network begins
chain_nft 1 add rule inet hop forward tcp dport 5223 drop
J=$LAB_TMP/drop1.json
pp_run "$J" --timeout 2 --trace -4
jcheck "$J" "$CS['path']['end'] == 'dropped' and $CS['path']['end_hop'] == 1 and $CS['path']['end_address'] == '10.20.0.1' and $CS['path']['end_network'] == 'local'" "drop at hop 1: dropped after the home router"
jcheck "$J" '"dropped after your router 10.20.0.1: by that box as it forwards, or inside your provider\u0027s network" in f("APNS_FALLBACK_443")["detail"]' "the finding: after your router, inside the provider's network"
jcheck "$J" 'f("APNS_FALLBACK_443")["advice"]["user"].startswith("Check your router\u0027s firewall settings for outgoing TCP 5223") and "Call your Internet provider" in f("APNS_FALLBACK_443")["advice"]["user"]' "advice: the router first, then the provider"
chain_flush

# --- rejected by the upstream router (hop 3): admin-prohibited
chain_nft 3 add rule inet hop forward tcp dport 5223 reject with icmpx type admin-prohibited
J=$LAB_TMP/reject3.json
pp_run "$J" --timeout 2 --trace
jcheck "$J" "$CS['state'] == 'blocked' and $CS['path']['end'] == 'rejected' and $CS['path']['end_hop'] == 3 and $CS['path']['end_address'] == '198.51.100.1' and $CS['path']['end_network'] == 'public'" "reject at hop 3: rejected by hop 3, the upstream router"
jcheck "$J" "$CS['path']['hops'][-1]['reply'] == 'admin-prohibited' and $CS['path']['hops'][-1]['ttl'] == 4" "the ICMP comes for TTL 4, from the box at hop 3"
jcheck "$J" "$CS6['path']['end'] == 'rejected' and $CS6['path']['end_address'] == '2001:db8:3::1'" "IPv6: rejected by hop 3"
jcheck "$J" '"rejected by 198.51.100.1 (hop 3), outside this network" in f("APNS_FALLBACK_443")["detail"] and "Call your Internet provider" in f("APNS_FALLBACK_443")["advice"]["user"]' "the finding names the box and the provider"
compare "$J" courier.push.apple.com 5223 ipv4 17.57.144.10
compare "$J" courier.push.apple.com 5223 ipv6 2620:149:a44::10
chain_flush

# --- reset by the carrier-grade NAT (hop 2), in the server's name
chain_nft 2 add rule ip hopnat pre tcp dport 5223 redirect to :15223
chain_nft 2 add rule ip6 hopnat pre tcp dport 5223 redirect to :15223
J=$LAB_TMP/reset2.json
pp_run "$J" --timeout 2 --trace
jcheck "$J" "$CS['state'] == 'closed' and $CS['path']['end'] == 'reset' and $CS['path']['end_hop'] == 2 and $CS['path']['distance'] == 4" "reset at hop 2: a RST for TTL 2, the server is 4 hops away"
jcheck "$J" "$CS['path']['end_address'] == '100.64.0.1' and $CS['path']['end_network'] == 'cgnat' and $CS['path']['end_name'] == 'cgn.isp.test'" "the box is the reference trace's hop 2, named"
jcheck "$J" "$CS['path']['hops'][-1]['reply'] == 'rst' and $CS['path']['hops'][-1]['address'] == '17.57.144.10'" "the forged RST carries the server's address"
jcheck "$J" "$CS6['path']['end'] == 'reset' and $CS6['path']['end_hop'] == 2 and $CS6['path']['end_address'] == 'fd00:64::1'" "IPv6: reset by hop 2"
jcheck "$J" '"reset by your provider\u0027s carrier-grade NAT 100.64.0.1 (hop 2), not by Apple (4 hops away)" in f("APNS_FALLBACK_443")["detail"]' "the finding: reset by hop 2, not by Apple"
compare "$J" courier.push.apple.com 5223 ipv4 17.57.144.10
# Unprivileged: the same from the error queue.
chmod a+rx "$LAB_TMP" "$C"
chmod a+r "$C/apple-root.pem"
J=$LAB_TMP/reset2-user.json
lab_c setpriv --reuid=65534 --regid=65534 --clear-groups "$PUSHPROBE" --json --no-config \
    --resolver 203.0.113.53 --apple-ca "$C/apple-root.pem" --timeout 2 --trace >"$J" 2>"$J.err"
jcheck "$J" "$CS['path']['method'] == 'errqueue' and $CS['path']['end'] == 'reset' and $CS['path']['end_hop'] == 2 and $CS['path']['end_address'] == '100.64.0.1'" "unprivileged (error queue): reset by hop 2"
jcheck "$J" "[h['address'] for h in $C443['path']['hops']] == ['10.20.0.1', '100.64.0.1', '198.51.100.1', '17.57.144.10']" "unprivileged: the reference's hops"

# The dashboard: t on a row traces its path (and a working row to the same
# address, for the comparison); the row keeps it across runs.
if command -v tmux >/dev/null 2>&1; then
    T="tmux -L pptr$LAB_ID"
    screen() { $T capture-pane -p -t dash; }
    wait_for() {
        i=0
        while [ $i -lt $(($2 * 10)) ]; do
            screen | grep -Eq "$1" && return 0
            sleep 0.1
            i=$((i + 1))
        done
        return 1
    }
    tui() {
        if wait_for "$1" "${3:-10}"; then echo "ok: dashboard: $2"; else
            echo "FAIL: dashboard: $2"; screen | sed 's/^/  | /'; LAB_FAILS=$((LAB_FAILS + 1)); fi
    }
    lab_c $T new-session -d -s dash -x 160 -y 40 "env TERM=xterm-256color $PUSHPROBE \
        --no-config --profile none -4 --resolver 203.0.113.53 --timeout 2 --interval 30 \
        courier.push.apple.com:5223 courier.push.apple.com:443; sleep 600"
    tui "closed .* 5223 +conn-refused" "the 5223 row is closed"
    $T send-keys -t dash t
    tui "path \(t traces again\): reset by hop 2 \(100\.64\.0\.1 cgn\.isp\.test" "t: reset by hop 2, the CGNAT, named"
    tui " 2  17\.57\.144\.10 .* rst " "the details pane shows the hops"
    $T send-keys -t dash r
    sleep 0.5
    tui "path \(t traces again\): reset by hop 2" "the row keeps its path across runs" 10
    $T send-keys -t dash q
    $T kill-server 2>/dev/null
fi

# --- answered by a transparent TLS proxy at hop 2 (it intercepts)
chain_flush
chain_nft 2 add rule ip hopnat pre tcp dport 5223 redirect to :15223
chain_nft 2 add rule ip6 hopnat pre tcp dport 5223 redirect to :15223
G=$(chain_node 2)
lab_bg "$G" socat "OPENSSL-LISTEN:15223,pf=ip4,reuseaddr,fork,cert=$C/mitm-courier.pem,key=$C/mitm-courier.key,verify=0" SYSTEM:'sleep 2'
lab_bg "$G" socat "OPENSSL-LISTEN:15223,pf=ip6,ipv6only=1,reuseaddr,fork,cert=$C/mitm-courier.pem,key=$C/mitm-courier.key,verify=0" SYSTEM:'sleep 2'
lab_wait_listen "$G" 15223 2
J=$LAB_TMP/proxy2.json
pp_run "$J" --timeout 2 --trace
jcheck "$J" "$CS['state'] == 'intercepted' and $CS['path']['end'] == 'answered' and $CS['path']['end_hop'] == 2 and $CS['path']['end_address'] == '100.64.0.1'" "a transparent proxy at hop 2: answered by hop 2"
jcheck "$J" "$CS['path']['hops'][-1]['reply'] == 'syn-ack' and $CS['path']['distance'] == 4" "its SYN-ACK for TTL 2; the server is 4 hops away"
jcheck "$J" "$CS6['path']['end'] == 'answered' and $CS6['path']['end_hop'] == 2" "IPv6: answered by hop 2"
jcheck "$J" '"your provider\u0027s carrier-grade NAT 100.64.0.1 (hop 2) answering in Apple\u0027s place, 4 hops before it: a transparent proxy" in f("TLS_INTERCEPTED")["detail"]' "the interception finding names the box"
jcheck "$J" '"Call your Internet provider" in f("TLS_INTERCEPTED")["advice"]["user"]' "advice follows the owner"
compare "$J" courier.push.apple.com 5223 ipv4 17.57.144.10
lab_finish
