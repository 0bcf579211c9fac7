#!/bin/sh
# SPDX-License-Identifier: ISC
# The agent end to end: pushprobe --serve in the client namespace, scraped
# by a real Prometheus server (Debian's), queried through its HTTP API in a
# healthy lab and with 5223 blocked; plus bad requests (wrong method, huge
# headers, slow headers, many connections) that get their 4xx or are
# dropped without stopping the runs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
for t in prometheus promtool curl; do
    command -v $t >/dev/null 2>&1 || lab_skip "$t is not installed"
done
lab_up
A=127.0.0.1:9898
lab_bg "$NS_C" "$PUSHPROBE" --no-config --serve $A --interval 2 --timeout 1.5 \
    --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem"
cat > "$LAB_TMP/prom.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: pushprobe
    static_configs:
      - targets: ['$A']
YML
lab_bg "$NS_C" prometheus --config.file="$LAB_TMP/prom.yml" --storage.tsdb.path="$LAB_TMP/tsdb" \
    --web.listen-address=127.0.0.1:9090
get() { lab_c curl -s -m 5 "$@"; }
query() { # PROMQL -> the value of the first series, or "none"
    get -G --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query |
        python3 -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "none")' 2>/dev/null || echo none
}
wait_for() { # PROMQL VALUE SECONDS
    i=0
    while [ $i -lt $(($3 * 2)) ]; do
        [ "$(query "$1")" = "$2" ] && return 0
        sleep 0.5
        i=$((i + 1))
    done
    return 1
}
expect() { # PROMQL VALUE WHAT
    if wait_for "$1" "$2" 30; then echo "ok: $3"; else
        echo "FAIL: $3 ($1 is $(query "$1"), want $2)"; LAB_FAILS=$((LAB_FAILS + 1)); fi
}

expect 'probe_success{host="courier.push.apple.com",port="5223",family="ipv4"}' 1 "Prometheus scraped probe_success 1 for the courier"
expect 'pushprobe_verdict{area="push",verdict="ok"}' 1 "pushprobe_verdict push ok"
expect 'count(up{job="pushprobe"} == 1)' 1 "the scrape target is up"
get http://$A/metrics > "$LAB_TMP/metrics.txt"
if promtool check metrics < "$LAB_TMP/metrics.txt" >/dev/null 2>&1; then echo "ok: promtool check metrics on /metrics"; else
    echo "FAIL: promtool"; LAB_FAILS=$((LAB_FAILS + 1)); fi
get http://$A/report.json > "$LAB_TMP/agent-report.json"
jcheck "$LAB_TMP/agent-report.json" 'doc["tool"] == "pushprobe" and v("push") == "ok"' "/report.json is the last report"
jcheck "$LAB_TMP/agent-report.json" 'doc["context"]["dns_servers"] == ["203.0.113.53"] and "10.10.0.2" in doc["context"]["local_addresses"] and "10.10.0.77" not in doc["context"]["local_addresses"]' "/report.json says what this machine is (the --resolver as its DNS server)"
# The machine changes while the agent runs (a new address): the next
# run's context has it.
ip -n "$NS_C" addr add 10.10.0.77/24 dev c0
i=0
while [ $i -lt 20 ]; do
    get http://$A/report.json > "$LAB_TMP/agent-report2.json"
    grep -q '"10.10.0.77"' "$LAB_TMP/agent-report2.json" && break
    sleep 0.5
    i=$((i + 1))
done
jcheck "$LAB_TMP/agent-report2.json" '"10.10.0.77" in doc["context"]["local_addresses"]' "each run reads this machine again: a new address shows in the next report"
ip -n "$NS_C" addr del 10.10.0.77/24 dev c0

lab_fw tcp dport 5223 reject with icmpx type admin-prohibited
expect 'probe_success{host="courier.push.apple.com",port="5223",family="ipv4"}' 0 "after 5223 is blocked: probe_success 0"
expect 'pushprobe_verdict{area="push",verdict="degraded"}' 1 "pushprobe_verdict push degraded (443 still works)"
expect 'pushprobe_check_state{host="courier.push.apple.com",port="5223",family="ipv4",state="blocked"}' 1 "pushprobe_check_state says blocked"
expect 'pushprobe_finding{code="APNS_FALLBACK_443"}' 1 "pushprobe_finding APNS_FALLBACK_443"

# Bad requests.
code() { get -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code -X POST http://$A/metrics)" = 405 ] && echo "ok: POST gets 405" || { echo "FAIL: POST"; LAB_FAILS=$((LAB_FAILS + 1)); }
[ "$(code -X GET --data-binary x http://$A/metrics)" = 400 ] && echo "ok: GET with a body gets 400" || { echo "FAIL: GET with a body"; LAB_FAILS=$((LAB_FAILS + 1)); }
# Keep-alive: the second scrape reuses the first one's connection (a new
# connection per scrape halved the requests per second).
[ "$(get -o /dev/null -o /dev/null -w '%{num_connects}' http://$A/metrics http://$A/healthz)" = 10 ] \
    && echo "ok: connections are kept alive" || { echo "FAIL: keep-alive"; LAB_FAILS=$((LAB_FAILS + 1)); }
[ "$(code "http://$A/probe?target=example.com")" = 404 ] && echo "ok: no /probe endpoint (404)" || { echo "FAIL: /probe"; LAB_FAILS=$((LAB_FAILS + 1)); }
[ "$(code -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" http://$A/metrics)" = 431 ] && echo "ok: huge headers get 431" || { echo "FAIL: huge headers"; LAB_FAILS=$((LAB_FAILS + 1)); }
t0=$(date +%s)
# (A plain command, not a shell function, in the background: a function
# would run in a subshell that may inherit the EXIT trap and end the lab.)
ip netns exec "$NS_C" python3 - <<'PY' &
import socket, time
conns = []
for i in range(100):                      # many idle connections
    try:
        conns.append(socket.create_connection(("127.0.0.1", 9898), timeout=2))
    except OSError:
        pass
slow = socket.create_connection(("127.0.0.1", 9898), timeout=2)
slow.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")   # and never finish
time.sleep(7)
PY
abuser=$!
wait $abuser
# Right after the abuse: the last run must have ended while it went on
# (runs every 2 s), so probing never stopped.
last=$(get http://$A/metrics | sed -n 's/^pushprobe_last_run_timestamp_seconds //p')
if [ -n "$last" ] && [ "$last" -gt $((t0 + 2)) ]; then
    echo "ok: runs went on while 100 idle and slow connections held the server"
else
    echo "FAIL: no run during the abuse (started $t0, last run $last)"; LAB_FAILS=$((LAB_FAILS + 1))
fi
[ "$(code http://$A/healthz)" = 200 ] && echo "ok: the server answers again once they are gone" || { echo "FAIL: /healthz after the abuse"; LAB_FAILS=$((LAB_FAILS + 1)); }

# Out of descriptors: a low limit, runs holding silent connections, and
# more idle clients than the limit allows; once they are gone the agent must
# accept again (with libmicrohttpd's epoll mode it never did).
C=127.0.0.1:9895
lab_bg "$NS_C" python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9894))
s.listen(512)
held = []
while True:                               # accept, and never answer
    held.append(s.accept()[0])'
lab_wait_listen "$NS_C" 9894
silent=""
for i in $(seq 1 20); do silent="$silent 127.0.0.1:9894 http://127.0.0.1:9894/p$i"; done
lab_bg "$NS_C" sh -c "ulimit -n 16; exec \"$PUSHPROBE\" --no-config --profile none --serve $C \
    --interval 1 --timeout 2 $silent"
lab_wait_listen "$NS_C" 9895
ok=yes
for round in 1 2 3; do   # it did not fail every time
    ip netns exec "$NS_C" python3 - <<'PY'
import socket, time
conns = []
for i in range(14):
    try:
        conns.append(socket.create_connection(("127.0.0.1", 9895), timeout=2))
    except OSError:
        pass
time.sleep(6)
PY
    sleep 2
    [ "$(code http://$C/healthz)" = 200 ] || ok=no
done
[ $ok = yes ] && echo "ok: out of descriptors and flooded, the agent accepts again afterwards" || { echo "FAIL: the agent stopped accepting after a flood at its descriptor limit"; LAB_FAILS=$((LAB_FAILS + 1)); }

# --serve-token: a bearer token, compared whole; a short token is refused.
B=127.0.0.1:9897
printf 'a-long-enough-token-1234\n' > "$LAB_TMP/token"
lab_bg "$NS_C" "$PUSHPROBE" --no-config --profile none 127.0.0.1:9898 --serve $B --interval 60 \
    --serve-token "$LAB_TMP/token"
lab_wait_listen "$NS_C" 9897
[ "$(code http://$B/healthz)" = 401 ] && echo "ok: --serve-token: no token, 401" || { echo "FAIL: --serve-token without a token"; LAB_FAILS=$((LAB_FAILS + 1)); }
get -D - -o /dev/null http://$B/metrics | grep -qi '^WWW-Authenticate: Bearer' && echo "ok: --serve-token: WWW-Authenticate: Bearer" || { echo "FAIL: WWW-Authenticate"; LAB_FAILS=$((LAB_FAILS + 1)); }
[ "$(code -H 'Authorization: Bearer a-long-enough-token-123' http://$B/healthz)" = 401 ] && echo "ok: --serve-token: a prefix of the token, 401" || { echo "FAIL: --serve-token prefix"; LAB_FAILS=$((LAB_FAILS + 1)); }
[ "$(code -H 'Authorization: Bearer a-long-enough-token-12345' http://$B/healthz)" = 401 ] && echo "ok: --serve-token: a longer token, 401" || { echo "FAIL: --serve-token longer"; LAB_FAILS=$((LAB_FAILS + 1)); }
[ "$(code -H 'Authorization: Bearer a-long-enough-token-1234' http://$B/healthz)" = 200 ] && echo "ok: --serve-token: the token, 200" || { echo "FAIL: --serve-token with the token"; LAB_FAILS=$((LAB_FAILS + 1)); }
printf 'short\n' > "$LAB_TMP/short"
lab_c "$PUSHPROBE" --no-config --profile none 127.0.0.1:9898 --serve 127.0.0.1:9896 \
    --serve-token "$LAB_TMP/short" > /dev/null 2> "$LAB_TMP/short.err"
rc=$?
[ $rc = 2 ] && grep -q 'at least 16 characters' "$LAB_TMP/short.err" && echo "ok: --serve-token: a short token refused (exit 2)" || { echo "FAIL: short token rc $rc"; LAB_FAILS=$((LAB_FAILS + 1)); }
lab_finish
