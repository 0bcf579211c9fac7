#!/bin/sh
# SPDX-License-Identifier: ISC
# The files in contrib/ are what they claim: the alerting rules load in
# promtool, the Grafana dashboard is JSON, the launchd plist is a property
# list, the example configuration file is accepted by pushprobe.  The
# service files (made from their .in files by make) name the installed
# binary, and the agents they start listen where the Prometheus scrape job
# looks for them: the units' PUSHPROBE_LISTEN and the plist's --serve have
# the scrape job's port on every address, which the job's comment says, and
# the unit's own command line serves /metrics there on both families.
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
build=${top_builddir:-$top}
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
    "$build/contrib/launchd/com.example.pushprobe.plist"; then
    echo "ok: the launchd plist parses and runs --serve"
else
    echo "FAIL: contrib/launchd/com.example.pushprobe.plist"; fail=1
fi
if grep -q '^DynamicUser=yes' "$build/contrib/systemd/pushprobe.service" &&
   grep -q '^NoNewPrivileges=yes' "$build/contrib/systemd/pushprobe.service"; then
    echo "ok: the systemd unit is hardened (DynamicUser, NoNewPrivileges)"
else
    echo "FAIL: contrib/systemd/pushprobe.service"; fail=1
fi
u=$build/contrib/systemd/pushprobe-sniff.service
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
        if systemd-analyze verify "$build/contrib/systemd/$f" 2>&1 | grep -v 'pushprobe: No such file\|Command .* is not executable\|not found' | grep -qi 'unknown\|invalid\|failed to parse'; then
            echo "FAIL: systemd-analyze verify $f"; fail=1
        else
            echo "ok: systemd-analyze verify $f"
        fi
    done
fi
# The service files name the installed binary (configure's bindir), the
# same in all three, and nothing hard-codes a prefix.
if python3 - "$top" "$build" <<'PY'
import plistlib, re, sys
top, build = sys.argv[1], sys.argv[2]
bindir = re.search(r"(?m)^bindir = (.*)$", open(f"{build}/Makefile").read()).group(1).strip()
prefix = re.search(r"(?m)^prefix = (.*)$", open(f"{build}/Makefile").read()).group(1).strip()
exec_prefix = re.search(r"(?m)^exec_prefix = (.*)$", open(f"{build}/Makefile").read()).group(1).strip()
bindir = bindir.replace("${exec_prefix}", exec_prefix).replace("${prefix}", prefix)
want = bindir + "/pushprobe"
ok = True
for f in ("pushprobe.service", "pushprobe-sniff.service"):
    text = open(f"{build}/contrib/systemd/{f}").read()
    m = re.search(r"(?m)^ExecStart=(\S+)", text)
    if "@bindir@" in text or not m or m.group(1) != want:
        print(f"  {f}: ExecStart {m.group(1) if m else None}, want {want}")
        ok = False
args = plistlib.load(open(f"{build}/contrib/launchd/com.example.pushprobe.plist", "rb"))["ProgramArguments"]
if args[0] != want:
    print(f"  the plist runs {args[0]}, want {want}")
    ok = False
for f in ("systemd/pushprobe.service.in", "systemd/pushprobe-sniff.service.in",
          "launchd/com.example.pushprobe.plist.in"):
    if "/usr/local" in open(f"{top}/contrib/{f}").read():
        print(f"  contrib/{f} hard-codes /usr/local")
        ok = False
sys.exit(0 if ok else 1)
PY
then
    echo "ok: the units and the plist run $(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$build/contrib/systemd/pushprobe.service") as configured"
else
    echo "FAIL: the service files do not name the configured binary"; fail=1
fi

# The scrape job and the agents agree on where the agents listen.
listen=$(python3 - "$top" "$build" <<'PY'
import ipaddress, plistlib, re, sys
top, build = sys.argv[1], sys.argv[2]
def hostport(s):
    m = re.fullmatch(r"\[([0-9a-fA-F:.]+)\]:(\d+)|([0-9.]+):(\d+)", s)
    return (m.group(1) or m.group(3), int(m.group(2) or m.group(4))) if m else (None, None)
scrape = open(f"{top}/contrib/prometheus/scrape.yml").read()
ports = {int(p) for p in re.findall(r"'[^':]+:(\d+)'", scrape)}
bad = []
if len(ports) != 1:
    bad.append(f"the scrape job's targets use ports {ports}")
port = min(ports) if ports else None
found = {}
for f in ("pushprobe.service", "pushprobe-sniff.service"):
    text = open(f"{build}/contrib/systemd/{f}").read()
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(re.findall(r"(?m)^Environment=(.*)$", text))))
    ex = re.search(r"(?m)^ExecStart=.*--serve (\S+)", text)
    arg = ex.group(1) if ex else ""
    arg = re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), m.group(0)), arg)
    found[f] = arg
args = plistlib.load(open(f"{build}/contrib/launchd/com.example.pushprobe.plist", "rb"))["ProgramArguments"]
found["plist"] = args[args.index("--serve") + 1]
for where, arg in found.items():
    host, p = hostport(arg)
    if host is None:
        bad.append(f"{where} serves on '{arg}', not ADDRESS:PORT")
    elif p != port:
        bad.append(f"{where} serves on port {p}, the scrape job scrapes {port}")
    elif not ipaddress.ip_address(host).is_unspecified:
        bad.append(f"{where} serves on {host} only, the scrape job comes from another host")
if "PUSHPROBE_LISTEN" not in scrape or f"[::]:{port}" not in scrape:
    bad.append("the scrape job's comment does not name PUSHPROBE_LISTEN and [::]:PORT")
for b in bad:
    print("  " + b, file=sys.stderr)
print(found["pushprobe.service"] if not bad else "")
sys.exit(1 if bad else 0)
PY
)
if [ -n "$listen" ]; then
    echo "ok: the units, the plist and the scrape job agree: the agent serves on $listen"
else
    echo "FAIL: contrib's scrape job and service files disagree on where the agent listens"; fail=1
fi
# The unit's own command line, run in a network namespace of its own (only
# its loopback), is scraped on both families.
if [ -n "$listen" ] && [ -n "${PUSHPROBE:-}" ] && [ "$(id -u)" = 0 ] &&
   command -v unshare >/dev/null 2>&1 && command -v curl >/dev/null 2>&1 &&
   unshare -n true 2>/dev/null; then
    port=${listen##*:}
    if unshare -n sh -c '
        ip link set lo up 2>/dev/null || exit 3
        "$1" --no-config --profile none --serve "$2" --interval 60 127.0.0.1:1 2>/dev/null &
        pid=$!
        ok=1
        for u in "http://127.0.0.1:$3/metrics" "http://[::1]:$3/metrics"; do
            i=0
            until curl -s -g -m 2 "$u" | grep -q "^probe_success{"; do
                i=$((i + 1))
                [ $i -ge 50 ] && { echo "  nothing at $u" >&2; ok=0; break; }
                sleep 0.1
            done
        done
        kill $pid
        wait $pid
        [ $ok = 1 ]' sh "$PUSHPROBE" "$listen" "$port"; then
        echo "ok: pushprobe --serve $listen (the unit's) is scraped at 127.0.0.1:$port and [::1]:$port"
    else
        echo "FAIL: pushprobe --serve $listen could not be scraped on both families"; fail=1
    fi
else
    echo "SKIP: serving the unit's address needs root, unshare and curl"
fi
if [ -n "${PUSHPROBE:-}" ] && "$PUSHPROBE" --no-config --config "$top/contrib/pushprobe.conf.example" --list >/dev/null 2>&1; then
    echo "ok: pushprobe accepts contrib/pushprobe.conf.example"
else
    echo "FAIL: pushprobe refuses contrib/pushprobe.conf.example"; fail=1
fi
exit $fail
