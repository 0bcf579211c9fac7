#!/bin/sh
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

for s in healthy dropped5223 rejected reset5223 sinkhole; do
    # From the data directory: the file's name in the report, not a path.
    (cd "$D" && "$PUSHPROBE" --no-config --read "$s.pcap") > "$tmp/$s.txt" 2> "$tmp/$s.err"
    echo $? > "$tmp/$s.rc"
    (cd "$D" && "$PUSHPROBE" --no-config --read "$s.pcap" --json) > "$tmp/$s.json" \
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
"$PUSHPROBE" --no-config --read "$tmp/cut.pcap" --json > "$tmp/cut.json" 2> "$tmp/cut.err"
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

[ $fails = 0 ] || exit 1
exit 0
