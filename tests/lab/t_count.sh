#!/bin/sh
# SPDX-License-Identifier: ISC
# -c N (issue 21): N rounds without the dashboard, then the report with
# each check's rounds.  The router drops TCP 5223 (every round lost) and
# resets every other SYN to port 80 of the Apple CDN address (three checks
# a round: each is lost in some rounds and not in others); everything else
# works.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_fw tcp dport 5223 drop
lab_fw ip daddr 17.253.1.10 tcp dport 80 'tcp flags & (syn | ack) == syn' numgen inc mod 2 == 0 \
    reject with tcp reset

J=$LAB_TMP/count.json
pp_run "$J" --timeout 2 -c 3 --interval 0.5
expect_rc 4   # degraded, as one run of the same network: 443 carries the pushes
jcheck "$J" 'doc["rounds"] == 3 and doc["schema_minor"] >= 7' "the report says 3 rounds"
jcheck "$J" 'all(k["rounds"]["sent"] == 3 for k in checks)' "every check ran in each of the 3 rounds"
jcheck "$J" 'all(k["rounds"]["lost"] == 3 and k["rounds"]["loss_pct"] == 100 and k["rounds"]["min_ms"] is None and k["rounds"]["last_ms"] is None for k in cs(port=5223))' "the dropped port: 3 of 3 lost, 100 %, no times"
jcheck "$J" 'all(k["rounds"]["lost"] == 0 and 0 < k["rounds"]["min_ms"] <= k["rounds"]["avg_ms"] <= k["rounds"]["max_ms"] and k["rounds"]["last_ms"] == k["timings_ms"]["total"] for k in cs(port=443, service="apns-device"))' "the 443 fallback: no loss, min <= avg <= max, last = the last round's time"
jcheck "$J" 'all(abs(k["rounds"]["loss_pct"] - 100.0 * k["rounds"]["lost"] / 3) < 0.06 for k in checks)' "loss_pct is lost / sent"
# Every other SYN reset: half the rounds' connections to the CDN's port 80
# lost (an odd count: one more or less), each check in some rounds only.
P80='[k for k in checks if k["address"] == "17.253.1.10" and k["port"] == 80]'
jcheck "$J" "abs(2 * sum(k['rounds']['lost'] for k in $P80) - sum(k['rounds']['sent'] for k in $P80)) <= 1 and len($P80) >= 2" "port 80: half the rounds lost"
jcheck "$J" "all(0 < k['rounds']['lost'] < 3 and k['rounds']['state_changes'] >= 1 for k in $P80)" "port 80: each check lost in some rounds only, its state changes counted"
jcheck "$J" "all(k['rounds']['lost'] in (0, 3) and k['rounds']['state_changes'] == 0 for k in checks if k not in $P80)" "the other checks: all rounds alike, no state change"
jcheck "$J" 'doc["duration_ms"] >= 2 * 500 + 3 * 2000' "the rounds ran one after another, --interval apart"
# The exit status and the state are the last round's.
jcheck "$J" 'all((k["state"] == "ok") == (k["rounds"]["last_ms"] is not None) for k in checks if k["probe"] == "tcp")' "state and last_ms are the last round's"

# The text report: LAST, LOSS and MIN/AVG/MAX columns.
T=$LAB_TMP/count.txt
rc=0
lab_c "$PUSHPROBE" --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" \
    --timeout 2 --count 3 --interval 0.2 > "$T" 2> "$T.err" || rc=$?
if [ "$rc" = 4 ]; then echo "ok: text: exit status 4"; else echo "FAIL: text: exit status $rc"; LAB_FAILS=$((LAB_FAILS + 1)); fi
tcheck() {
    if grep -Eq "$1" "$T"; then echo "ok: text: $2"; else echo "FAIL: text: $2"; LAB_FAILS=$((LAB_FAILS + 1)); fi
}
tcheck '^pushprobe .* 3 rounds' "the headline says 3 rounds"
tcheck '^  HOST +ADDRESS +PORT +STATE +REASON +LAST +LOSS +MIN/AVG/MAX +DETAILS' "the table's header has LAST, LOSS, MIN/AVG/MAX"
tcheck '^  courier\.push\.apple\.com +17\.57\.144\.10 +5223 +filtered .* 100% +- ' "the dropped port: 100 % lost, no times"
tcheck '^  courier\.push\.apple\.com +17\.57\.144\.10 +443 +ok .* 0% +[0-9.]+/[0-9.]+/[0-9.]+ ms ' "443: 0 % and min/avg/max"
tcheck '^  (ocsp|crl|captive)\.apple\.com +17\.253\.1\.10 +80 .* (33|67)% ' "port 80: a check lost in 1 or 2 of the 3 rounds"
tcheck ' [0-9]\.[0-9]/' "times under 100 ms with one decimal"
# Columns line up: LOSS ends at the same column on every row.
awk '/^  HOST/ { h = index($0, "LOSS") + 3 } h && /%  / { p = index($0, "%  "); if (p != h) bad = 1 } END { exit bad }' "$T" &&
    echo "ok: text: LOSS lines up" || { echo "FAIL: text: LOSS does not line up"; LAB_FAILS=$((LAB_FAILS + 1)); }

# Ctrl-C ends the rounds: the round under way ends, the report of the
# rounds run follows, exit status 130 (on loopback: nothing listens on 1).
I=$LAB_TMP/intr.json
"$PUSHPROBE" --no-config --profile none --json -c 1000 --interval 0.3 --timeout 1 127.0.0.1:1 \
    > "$I" 2> "$I.err" &
p=$!
sleep 1.5
kill -INT $p
rc=0
wait $p || rc=$?
if [ "$rc" = 130 ] && grep -q 'interrupted after [0-9]* of 1000 rounds' "$I.err"; then
    echo "ok: Ctrl-C: exit status 130, says how many rounds ran"
else
    echo "FAIL: Ctrl-C: rc $rc $(cat "$I.err")"; LAB_FAILS=$((LAB_FAILS + 1))
fi
jcheck "$I" '2 <= doc["rounds"] < 1000 and all(k["rounds"]["sent"] == doc["rounds"] for k in checks)' "Ctrl-C: the report of the rounds run"

# Refused where rounds make no sense; a bad count is a usage error.
for a in "--serve 9999" "--audit 127.0.0.1 -p 1" "--read /dev/null"; do
    rc=0
    "$PUSHPROBE" --no-config -c 2 $a > /dev/null 2> "$LAB_TMP/refuse.err" || rc=$?
    if [ "$rc" = 2 ] && grep -q -- '-c runs the checks' "$LAB_TMP/refuse.err"; then
        echo "ok: -c with $a refused"
    else
        echo "FAIL: -c with $a: rc $rc $(cat "$LAB_TMP/refuse.err")"; LAB_FAILS=$((LAB_FAILS + 1))
    fi
done
for n in 0 -1 x 100001; do
    rc=0
    "$PUSHPROBE" --no-config --profile none -c "$n" 127.0.0.1:1 > /dev/null 2>&1 || rc=$?
    [ "$rc" = 2 ] && echo "ok: -c $n refused" || { echo "FAIL: -c $n: rc $rc"; LAB_FAILS=$((LAB_FAILS + 1)); }
done
lab_finish
