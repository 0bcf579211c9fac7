#!/bin/sh
# SPDX-License-Identifier: ISC
# Saved captures (--read): the lab's recorded scenarios in
# tests/data/capture/ (see record.sh there) give the findings each scenario
# stands for, and the same text and JSON as the golden files beside them.
# Needs no root and no network: --read touches neither.
#
# UPDATE_GOLDEN=1 rewrites the golden files from this build.
: "${top_srcdir:=.}"
if [ -z "$PUSHPROBE" ] || [ ! -x "$PUSHPROBE" ]; then
    echo "FAIL: PUSHPROBE is not set to the pushprobe binary"
    exit 1
fi
if ! "$PUSHPROBE" --no-config --read /dev/null 2>&1 | grep -qv 'without libpcap'; then
    echo "SKIP: this pushprobe has no capture support"
    exit 77
fi
D=$top_srcdir/tests/data/capture
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pp-cap.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }
J() { python3 "$top_srcdir/tests/lab/jcheck.py" "$tmp/$1.json" "$2" && ok "$1: $3" || bad "$1: $3"; }

# The files of issue 17 are made by mkcases.py: the same bytes again.
python3 "$D/mkcases.py" "$tmp" || bad "mkcases.py failed"
for f in multi.pcapng pktap.pcap pktap-rvi.pcap vlan.pcap tunnels.pcap tso.pcap latefin.pcap; do
    cmp -s "$tmp/$f" "$D/$f" && ok "$f: as mkcases.py makes it" || bad "$f differs from what mkcases.py makes"
done

for s in healthy dropped5223 rejected reset5223 sinkhole multi pktap pktap-rvi vlan tunnels tso latefin; do
    file=$s.pcap
    [ -f "$D/$file" ] || file=$s.pcapng
    # From the data directory: the file's name in the report, not a path.
    (cd "$D" && "$PUSHPROBE" --no-config --read "$file") > "$tmp/$s.txt" 2> "$tmp/$s.err"
    echo $? > "$tmp/$s.rc"
    (cd "$D" && "$PUSHPROBE" --no-config --read "$file" --json) > "$tmp/$s.json" \
        2>> "$tmp/$s.err"
    if [ -n "$UPDATE_GOLDEN" ]; then
        cp "$tmp/$s.txt" "$D/$s.golden.txt"
        cp "$tmp/$s.json" "$D/$s.golden.json"
    fi
    if cmp -s "$tmp/$s.txt" "$D/$s.golden.txt" && cmp -s "$tmp/$s.json" "$D/$s.golden.json"; then
        ok "$s: text and JSON as the golden files"
    else
        bad "$s: output differs from the golden files (UPDATE_GOLDEN=1 to accept)"
        diff "$D/$s.golden.txt" "$tmp/$s.txt" | head -20
    fi
    [ -s "$tmp/$s.err" ] && { bad "$s: wrote to stderr"; cat "$tmp/$s.err"; }
done

J healthy 'f("PUSH_CONNECTED") and v("push") == "ok" and not [x for x in doc["findings"] if x["severity"] != "info"]' "devices hold a push connection, no problem found"
J healthy 'any(x["service"] == "courier" and x["sni"] == "courier.push.apple.com" and x["alpn"] == "apns-security-v3" and x["outcome"] in ("closed", "established") for x in doc["flows"])' "courier flows with their SNI"
J healthy 'any(x["service"] == "provider" and x["sni"] == "api.push.apple.com" for x in doc["flows"])' "the provider named by SNI"
J healthy 'doc["capture"]["packets"] == sum(doc["capture"]["decode"][k] for k in ("ok", "not-ip", "unsupported", "malformed"))' "every packet counted once by its decode result"
J healthy 'sum(sum(o.values()) for o in doc["capture"]["outcomes"].values()) == doc["capture"]["flows_total"]' "every flow counted once by its outcome"
J healthy 'doc["checks"] == [] and doc["started_at"].startswith("20") and "context" not in doc' "no checks, the capture's own time, no context of this machine"
J dropped5223 'f("PUSH_RETRIES_UNANSWERED")["severity"] == "warning" and "10.10.0.2" in f("PUSH_RETRIES_UNANSWERED")["detail"] and v("push") == "degraded"' "5223 dropped: PUSH_RETRIES_UNANSWERED (443 works: warning)"
J dropped5223 'len([x for x in doc["flows"] if x["server_port"] == 5223 and x["outcome"] == "unanswered" and x["syns"] >= 3]) == 2' "two unanswered courier flows, SYN retransmitted"
J dropped5223 'doc["capture"]["push_devices"][0]["unanswered"] == 2 and doc["capture"]["push_devices"][0]["syns_unanswered"] >= 6' "the device's retries counted"
J rejected 'f("CAPTURE_ICMP_REJECTED")["severity"] == "critical" and "code 13 from 10.10.0.1" in f("CAPTURE_ICMP_REJECTED")["detail"] and v("push") == "blocked"' "ICMP admin-prohibited: the router named, push blocked"
J rejected 'all(x["icmp"]["from"] == "10.10.0.1" and x["icmp"]["type"] == 3 and x["icmp"]["code"] == 13 for x in doc["flows"] if x["proto"] == "tcp")' "every TCP flow tied to its ICMP error"
J reset5223 'f("RESET_BY_MIDDLEBOX")["severity"] == "critical" and "TTL 64" in f("RESET_BY_MIDDLEBOX")["detail"] and "TTL 63" in f("RESET_BY_MIDDLEBOX")["detail"]' "reset injected by the router: RESET_BY_MIDDLEBOX with both TTLs"
J reset5223 'all(x["outcome"] == "reset-by-middlebox" and x["rst_ttl"] == 64 for x in doc["flows"] if x["server_port"] == 5223)' "the 5223 flows reset by a middlebox"
J sinkhole 'f("CAPTURE_DNS_OUTSIDE_APPLE")["severity"] == "critical" and "courier.push.apple.com -> 0.0.0.0" in f("CAPTURE_DNS_OUTSIDE_APPLE")["detail"]' "DNS sinkhole: the name and the answer"
J sinkhole 'any(d["name"] == "courier.push.apple.com" and d["outside_apple"] >= 1 for d in doc["capture"]["dns"])' "the DNS observation kept"

for s in rejected reset5223 sinkhole; do
    [ "$(cat "$tmp/$s.rc")" = 1 ] && ok "$s: exit status 1" || bad "$s: exit status $(cat "$tmp/$s.rc"), want 1"
done
[ "$(cat "$tmp/healthy.rc")" = 0 ] && ok "healthy: exit status 0" || bad "healthy: exit status $(cat "$tmp/healthy.rc")"

# Issue 17: Macs' and iPhones' captures.
J multi 'doc["capture"]["link"] == "EN10MB, RAW, NULL, IEEE802_11" and [(i["name"], i["link"], i["decoded"]) for i in doc["capture"]["interfaces"]] == [("en0", "EN10MB", True), ("utun0", "RAW", True), ("lo0", "NULL", True), ("awdl0", "IEEE802_11", False)]' "multi-interface pcapng: every interface with its link type and name"
J multi 'doc["capture"]["complete"] and doc["capture"]["error"] is None and [i["packets"] for i in doc["capture"]["interfaces"]][:3] == [8, 9, 9]' "multi-interface pcapng: read to its end, each interface's packets"
J multi 'any(x["service"] == "courier" and x["interface"] == "en0" and x["process"]["name"] == "apsd" and x["process"]["pid"] == 101 for x in doc["flows"]) and any(x["interface"] == "utun0" and x["process"] == {"name": "nsurlsessiond", "pid": 303, "effective_name": "Safari", "effective_pid": 202} for x in doc["flows"])' "Darwin process blocks: each flow's process and interface"
J multi 'abs(min(x["first_seen"] for x in doc["flows"] if x["interface"] == "utun0") - 1764590400.3) < 1e-6' "utun0's nanosecond timestamps (if_tsresol 9) read right"
J multi 'doc["capture"]["push_devices"][0]["process"]["name"] == "apsd" and "held by apsd (pid 101)" in f("PUSH_CONNECTED")["detail"]' "push health names the process: apsd"
J pktap 'doc["capture"]["link"] == "PKTAP" and doc["capture"]["decode"]["ok"] == 15 and doc["capture"]["push_devices"][0]["process"] == {"name": "apsd", "pid": 412, "effective_name": None, "effective_pid": None}' "PKTAP (258): the packets inside decoded, the courier held by apsd"
J pktap 'all(x["interface"] == "en0" for x in doc["flows"]) and any(x["process"]["name"] == "Safari" and x["server_port"] == 443 for x in doc["flows"])' "PKTAP: the interface and process of each flow"
J pktap-rvi 'doc["capture"]["link"] == "PKTAP" and doc["capture"]["push_devices"][0]["process"]["name"] == "MyPushApp" and "not by apsd" in f("PUSH_CONNECTED")["detail"] and "other than apsd" in f("PUSH_CONNECTED")["advice"]["admin"]' "PKTAP as DLT_USER2 (149, rvi0): a courier connection held by an app, not apsd, said"
J pktap-rvi 'any(x["process"] == {"name": "nsurlsessiond", "pid": 98, "effective_name": "Mail", "effective_pid": 1311} and x["interface"] == "pdp_ip0" for x in doc["flows"])' "PKTAP: the effective process kept"
J vlan 'len(doc["capture"]["push_devices"]) == 3 and doc["capture"]["outcomes"]["courier"] == {"established": 3}' "802.1Q and QinQ frames pass the default filter and decode"
J tunnels 'doc["capture"]["tunnels"] == {"pppoe": 6, "gre": 6, "vxlan": 6, "ip-in-ip": 6} and doc["capture"]["outcomes"]["courier"] == {"established": 4} and doc["capture"]["decode"]["tunneled"] == 24' "PPPoE, GRE, VXLAN and 6in4: the flows inside"
J tso 'doc["capture"]["decode"]["malformed"] == 0 and doc["capture"]["decode"]["ip_length_from_frame"] == 3 and doc["flows"][0]["bytes"][0] >= 3 * 9040' "TSO: IPv4 length 0 taken from the frame, not malformed"
J latefin 'doc["capture"]["late_packets"] == 2 and doc["capture"]["flows_total"] == 44 and "reset" not in str(doc["capture"]["outcomes"])' "a FIN and a RST after the flows left the table: matched to them, no phantom flow or reset"

# Counts against capinfos and tshark (reading every packet: --filter '').
if command -v tshark >/dev/null 2>&1 && command -v capinfos >/dev/null 2>&1; then
    for s in multi pktap pktap-rvi vlan tunnels tso latefin healthy; do
        file=$D/$s.pcap
        [ -f "$file" ] || file=$D/$s.pcapng
        "$PUSHPROBE" --no-config --read "$file" --filter '' --json > "$tmp/all-$s.json"
        pk=$(capinfos -c -M "$file" | awk '/Number of packets/ {print $NF}')
        conv=$(tshark -n -r "$file" -q -z conv,tcp 2>/dev/null | grep -c '<->')
        J all-$s "doc['capture']['packets'] == $pk and sum(v for o in doc['capture']['outcomes'].values() for k, v in o.items() if not k.startswith('udp')) == $conv" "$s: $pk packets as capinfos, $conv TCP flows as tshark's conversations"
    done
else
    echo "SKIP: tshark or capinfos not installed (contrib/debian-deps.sh installs them): no cross-check"
fi

# gzip: told by its magic number, not its name.
gzip -9 -n -c "$D/healthy.pcap" > "$tmp/healthy.cap"
"$PUSHPROBE" --no-config --read "$tmp/healthy.cap" --json > "$tmp/gz.json" 2> "$tmp/gz.err"
if sed "s|$tmp/healthy.cap|healthy.pcap|" "$tmp/gz.json" | cmp -s - "$tmp/healthy.json"; then
    ok "a gzip-compressed pcap (named .cap): the same report"
else
    bad "gzip pcap: the report differs"; diff "$tmp/healthy.json" "$tmp/gz.json" | head; cat "$tmp/gz.err"
fi
gzip -n -c "$D/multi.pcapng" > "$tmp/multi.pcapng.gz"
(cd "$tmp" && "$PUSHPROBE" --no-config --read multi.pcapng.gz --json) > "$tmp/gzng.json"
if sed 's/multi\.pcapng\.gz/multi.pcapng/' "$tmp/gzng.json" | cmp -s - "$tmp/multi.json"; then
    ok "a gzip-compressed pcapng: the same report"
else
    bad "gzip pcapng: the report differs"; diff "$tmp/multi.json" "$tmp/gzng.json" | head
fi
printf 'not a capture at all\n' > "$tmp/junk.pcap"
"$PUSHPROBE" --no-config --read "$tmp/junk.pcap" > /dev/null 2> "$tmp/junk.err"
rc=$?
[ $rc = 2 ] && grep -q "not a capture pushprobe reads" "$tmp/junk.err" && ok "not a capture: exit 2, said" || bad "not a capture: rc $rc"

# Cut and damaged files: analysed up to the damage, said in the JSON, the
# text and a finding, exit 4 (degraded), and no "no traffic" advice.
cut_check() {
    name=$1 file=$2 what=$3
    "$PUSHPROBE" --no-config --read "$file" --json > "$tmp/$name.json" 2> "$tmp/$name.err"
    rc=$?
    "$PUSHPROBE" --no-config --read "$file" > "$tmp/$name.txt" 2>/dev/null
    [ $rc = 4 ] && ok "$name: exit status 4 (degraded)" || bad "$name: exit status $rc, want 4"
    grep -q "READ STOPPED EARLY" "$tmp/$name.txt" && ok "$name: the text report says the read stopped" \
        || bad "$name: the text report does not say the read stopped"
    J "$name" "not doc['capture']['complete'] and '$what' in doc['capture']['error'] and f('CAPTURE_INCOMPLETE') and str(doc['capture']['packets']) in f('CAPTURE_INCOMPLETE')['title'] and not f('CAPTURE_NO_TRAFFIC')" "the error in the JSON, CAPTURE_INCOMPLETE with what was read, no CAPTURE_NO_TRAFFIC"
}
size=$(wc -c < "$D/multi.pcapng")
head -c $((size - 50)) "$D/multi.pcapng" > "$tmp/cut.pcapng"
cut_check cutng "$tmp/cut.pcapng" "cut short at byte"
J cutng 'doc["capture"]["packets"] == 25 and any(x["process"] and x["process"]["name"] == "apsd" for x in doc["flows"])' "cut pcapng: the packets before the cut analysed"
head -c 700 "$D/multi.pcapng" > "$tmp/early.pcapng"
cut_check early "$tmp/early.pcapng" "cut short"
python3 -c '
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
off = 0
n = 0
while off < len(b):
    t, l = struct.unpack_from("<II", b, off)
    if t == 6:
        n += 1
        if n == 10:
            struct.pack_into("<I", b, off + 4, 0x7ffffff0)   # a lying block length
            break
    off += l
open(sys.argv[2], "wb").write(b)' "$D/multi.pcapng" "$tmp/bad.pcapng"
cut_check damaged "$tmp/bad.pcapng" "damaged at byte"
J damaged 'doc["capture"]["packets"] == 9' "damaged pcapng: the 9 packets before the damage analysed"
size=$(wc -c < "$tmp/healthy.cap")
head -c $((size / 2)) "$tmp/healthy.cap" > "$tmp/cut.pcap.gz"
cut_check cutgz "$tmp/cut.pcap.gz" "cut"

# pcapng (the same capture rewritten by editcap -F pcapng): the same JSON
# but for the file's name.
(cd "$D" && "$PUSHPROBE" --no-config --read reset5223.pcapng --json) > "$tmp/ng.json"
if sed 's/reset5223\.pcapng/reset5223.pcap/' "$tmp/ng.json" | cmp -s - "$tmp/reset5223.json"; then
    ok "pcapng: the same report as the pcap"
else
    bad "pcapng: the report differs"; diff "$tmp/reset5223.json" "$tmp/ng.json" | head
fi

# A capture cut in the middle of a packet: what was read is analysed and
# the cut is said.
size=$(wc -c < "$D/healthy.pcap")
head -c $((size - 100)) "$D/healthy.pcap" > "$tmp/cut.pcap"
cut_check cut "$tmp/cut.pcap" "truncated"
if grep -q "truncated\|cut\|packets before it" "$tmp/cut.err" && J cut 'doc["capture"]["packets"] > 300' "cut file: the packets before the cut analysed" >/dev/null; then
    ok "a cut file: an error line, and the packets before the cut are analysed"
else
    bad "a cut file"; cat "$tmp/cut.err"
fi
# Snaplen-cut and filtered reads.
"$PUSHPROBE" --no-config --read "$D/healthy.pcap" --filter 'tcp port 5223' --json > "$tmp/f.json"
J f 'all(x["server_port"] == 5223 for x in doc["flows"]) and doc["capture"]["filter"] == "tcp port 5223"' "--filter narrows the flows"
"$PUSHPROBE" --no-config --read "$D/healthy.pcap" --filter 'tcp port' > /dev/null 2> "$tmp/bad.err"
rc=$?
[ $rc = 2 ] && grep -q "filter" "$tmp/bad.err" && ok "a bad filter: exit 2 with the filter named" || bad "a bad filter: rc $rc"
# A link type libpcap cannot build the default filter for (14: raw IP on
# OpenBSD): the message names the default filter, not a --filter never given.
python3 -c '
import struct, sys
ip = bytes([0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2])
sys.stdout.buffer.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 14) +
                        struct.pack("<IIII", 1, 0, len(ip), len(ip)) + ip)' > "$tmp/link14.pcap"
"$PUSHPROBE" --no-config --read "$tmp/link14.pcap" > /dev/null 2> "$tmp/l14.err"
rc=$?
[ $rc = 2 ] && grep -q "the default capture filter" "$tmp/l14.err" && ! grep -q -- "--filter '[^']" "$tmp/l14.err" \
    && ok "an odd link type: the default filter is named, with the way out" || bad "odd link type: rc $rc"
"$PUSHPROBE" --no-config --read "$tmp/link14.pcap" --filter '' > /dev/null 2>&1
rc=$?
[ $rc -le 1 ] && ok "an odd link type with --filter '': read" || bad "odd link type with --filter '': rc $rc"
"$PUSHPROBE" --no-config --read "$D/healthy.pcap" --flows-max 16 --json > "$tmp/ev.json"
J ev 'doc["capture"]["flows_evicted"] > 0 and len(doc["flows"]) <= 16 and f("CAPTURE_EVICTED") and sum(sum(o.values()) for o in doc["capture"]["outcomes"].values()) == doc["capture"]["flows_total"]' "--flows-max: eviction said, totals still exact"

# --redact: the devices' addresses masked before the flow table is laid out;
# Apple's servers and names stay.
"$PUSHPROBE" --no-config --read "$D/dropped5223.pcap" --redact > "$tmp/red.txt" 2>&1
"$PUSHPROBE" --no-config --read "$D/dropped5223.pcap" --redact --json > "$tmp/red.json" 2>&1
if ! grep -q '10\.10\.0\.2' "$tmp/red.txt" "$tmp/red.json" && grep -q '<device-addr-1> -> 17.57.144.10:5223' "$tmp/red.txt" \
    && grep -q 'SNI courier.push.apple.com' "$tmp/red.txt"; then
    ok "--read --redact: the devices masked, Apple's servers kept"
else
    bad "--read --redact"
fi
bad_rows=$(awk '/^  SERVICE +PROTO +CLIENT/ { o = index($0, "OUTCOME"); t = 1; next }
    t && /^  [a-z]/ && substr($0, o - 1, 1) != " " { print } /^$/ { t = 0 }' "$tmp/red.txt")
[ -z "$bad_rows" ] && ok "--read --redact: the flow table's columns line up" || bad "flow table out of line: $bad_rows"

[ $fails = 0 ] || exit 1
exit 0
