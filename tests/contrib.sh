#!/bin/sh
# The files in contrib/ are what they claim: the alerting rules load in
# promtool, the Grafana dashboard is JSON, the launchd plist is a property
# list, the example configuration file is accepted by pushprobe.
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
fail=0
if command -v promtool >/dev/null 2>&1; then
    if promtool check rules "$top/contrib/prometheus/alerts.yml" >/dev/null 2>&1; then
        echo "ok: promtool check rules contrib/prometheus/alerts.yml"
    else
        echo "FAIL: contrib/prometheus/alerts.yml"; fail=1
    fi
else
    echo "SKIP: promtool is not installed"
fi
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["panels"] and d["uid"]' \
    "$top/contrib/grafana/pushprobe-dashboard.json"; then
    echo "ok: the Grafana dashboard is JSON with panels"
else
    echo "FAIL: contrib/grafana/pushprobe-dashboard.json"; fail=1
fi
if python3 -c 'import plistlib,sys; d=plistlib.load(open(sys.argv[1],"rb")); assert d["ProgramArguments"][1] == "--serve"' \
    "$top/contrib/launchd/com.example.pushprobe.plist"; then
    echo "ok: the launchd plist parses and runs --serve"
else
    echo "FAIL: contrib/launchd/com.example.pushprobe.plist"; fail=1
fi
if grep -q '^DynamicUser=yes' "$top/contrib/systemd/pushprobe.service" &&
   grep -q '^NoNewPrivileges=yes' "$top/contrib/systemd/pushprobe.service"; then
    echo "ok: the systemd unit is hardened (DynamicUser, NoNewPrivileges)"
else
    echo "FAIL: contrib/systemd/pushprobe.service"; fail=1
fi
u=$top/contrib/systemd/pushprobe-sniff.service
if grep -q '^DynamicUser=yes' "$u" && grep -q '^NoNewPrivileges=yes' "$u" &&
   grep -q '^CapabilityBoundingSet=CAP_NET_RAW$' "$u" && grep -q '^AmbientCapabilities=CAP_NET_RAW$' "$u" &&
   grep -q 'AF_PACKET' "$u" && grep -q -- '--sniff ' "$u" &&
   ! grep -q '^CapabilityBoundingSet=$' "$u"; then
    echo "ok: the sniffing unit holds CAP_NET_RAW and nothing else"
else
    echo "FAIL: contrib/systemd/pushprobe-sniff.service"; fail=1
fi
if command -v systemd-analyze >/dev/null 2>&1; then
    for f in pushprobe.service pushprobe-sniff.service; do
        if systemd-analyze verify "$top/contrib/systemd/$f" 2>&1 | grep -v 'pushprobe: No such file\|Command .* is not executable\|not found' | grep -qi 'unknown\|invalid\|failed to parse'; then
            echo "FAIL: systemd-analyze verify $f"; fail=1
        else
            echo "ok: systemd-analyze verify $f"
        fi
    done
fi
if [ -n "${PUSHPROBE:-}" ] && "$PUSHPROBE" --no-config --config "$top/contrib/pushprobe.conf.example" --list >/dev/null 2>&1; then
    echo "ok: pushprobe accepts contrib/pushprobe.conf.example"
else
    echo "FAIL: pushprobe refuses contrib/pushprobe.conf.example"; fail=1
fi
exit $fail
