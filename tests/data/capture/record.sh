#!/bin/sh
# Record the lab's capture scenarios as test data (tests/data/capture/).
# Run as root from the source tree with a built pushprobe:
#
#   PUSHPROBE=/path/to/pushprobe sh tests/data/capture/record.sh
#
# Each scenario sets the lab's router or DNS up one way, captures the
# client namespace's interface with tcpdump while pushprobe probes the
# push hosts (IPv4 only, to keep the files small), and keeps the pcap.
# Traffic stays inside the namespaces the lab makes.  Then regenerate the
# golden results: UPDATE_GOLDEN=1 make check TESTS=tests/lab/t_capture.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top_srcdir/tests/lab/lab.sh"
command -v tcpdump >/dev/null 2>&1 || lab_skip "tcpdump is not installed"
OUT=$top_srcdir/tests/data/capture
lab_up

# record NAME PUSHPROBE-ARGS...: capture c0 while pushprobe runs.
record() {
    name=$1; shift
    # ip netns exec execs tcpdump: $! is tcpdump itself.
    ip netns exec "$NS_C" tcpdump -i c0 -s 512 -U --immediate-mode -w "$OUT/$name.pcap" >"$LAB_TMP/$name.tcpdump" 2>&1 &
    tpid=$!
    sleep 1
    lab_c "$PUSHPROBE" --no-tui --no-config -4 --resolver 203.0.113.53 \
        --apple-ca "$LAB_TMP/certs/apple-root.pem" "$@" >"$LAB_TMP/$name.txt" 2>&1
    echo "pushprobe exit $? ($(grep -c . "$LAB_TMP/$name.txt") lines)"
    sleep 1.5
    kill "$tpid"
    wait "$tpid" 2>/dev/null
    cat "$LAB_TMP/$name.tcpdump"
    echo "recorded $name.pcap: $(tcpdump -nr "$OUT/$name.pcap" 2>/dev/null | wc -l) packets"
}
COURIER="--profile none courier.push.apple.com:5223 1-courier.push.apple.com:5223 tls://courier.push.apple.com:443"

# A healthy courier connection held open (TLS with SNI and ALPN).
record healthy --timeout 3 --profile apple --hold 2
# 5223 silently dropped: SYNs retransmitted, never answered.
lab_fw tcp dport 5223 drop
record dropped5223 --timeout 4 $COURIER
lab_r nft flush chain inet lab forward
# 5223 and 443 to the courier rejected with ICMP admin-prohibited.
lab_fw ip daddr 17.57.144.10 tcp dport '{ 443, 5223 }' reject with icmp type admin-prohibited
record rejected --timeout 3 $COURIER
lab_r nft flush chain inet lab forward
# The router injects resets on 5223 (a closer TTL than the server's).
lab_fw tcp dport 5223 reject with tcp reset
record reset5223 --timeout 3 $COURIER
lab_r nft flush chain inet lab forward
# A DNS sinkhole answering 0.0.0.0 for the courier.
LAB_DNS_EXTRA="--host-record=courier.push.apple.com,0.0.0.0,::"
lab_dns courier.push.apple.com
record sinkhole --timeout 2 $COURIER
# One in pcapng too (editcap comes with Wireshark/tshark).
editcap -F pcapng "$OUT/reset5223.pcap" "$OUT/reset5223.pcapng"
lab_finish
