#!/bin/sh
# SPDX-License-Identifier: ISC
# --redact hides everything of the company's and of this machine: a run
# full of distinctive company strings (host names, URL paths and queries,
# a redirect, the company CA's name, targets given by address, a proxy
# user and no_proxy domains, the user's name), saved (--save) and printed
# (text and --json), must not show one of them anywhere; placeholders
# stay the same for a value in every output, Apple's names stay, and the
# text report's columns still line up.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_corp
C=$LAB_TMP/certs
export https_proxy="http://bobproxyuser:hunter2pw@proxy.acme-intra.test:3128"
export no_proxy=".acme-intra.test,*.widgets-internal.test,10.99.0.0/16,localhost"
export SUDO_USER=jdoeacme
ARGS="--timeout 2 --ca-file $C/corp-root.pem --mdm https://mdm.corp.test
      --dp https://dp.corp.test/acme-packages/Tool.pkg?acmetoken=s3cr3tq
      --dp https://dp.corp.test/old/ --smb files.corp.test
      tls://10.20.0.10:8443 tls://[fd00:20::10]:8443"
R=$LAB_TMP/red
pp_run "$R.out" $ARGS --save "$R" --redact
lab_c "$PUSHPROBE" --resolver 203.0.113.53 --apple-ca "$C/apple-root.pem" --no-tui \
    $ARGS --redact >"$R.text" 2>"$R.text.err"
# The unmasked run shows every string (else the test proves nothing).
U=$LAB_TMP/plain
pp_run "$U.out" $ARGS --save "$U"
SECRETS="corp.test mdm.corp dp.corp files.corp Corp.Internal acme-packages Tool.pkg acmetoken
         s3cr3tq /old/ /pkgs 10.20.0.10 fd00:20::10 10.10.0.2 10.10.0.1 fd00:10::2
         203.0.113.53 bobproxyuser proxy.acme-intra acme-intra widgets-internal
         10.99.0.0 $(hostname)"
# Never shown at all, masked or not: the proxy's password (context masks
# it) and the user's name (only a rule's input).
HIDDEN="hunter2pw jdoeacme"
missing=""
for s in $SECRETS; do
    cat "$U.txt" "$U.json" | grep -q -i -E -- "$s" || missing="$missing $s"
done
if [ -z "$missing" ]; then
    echo "ok: the unmasked report shows every company string"
else
    echo "FAIL: the unmasked report lacks:$missing (the test would prove nothing)"
    LAB_FAILS=$((LAB_FAILS + 1))
fi
leaks=""
for f in "$R.txt" "$R.json" "$R.out" "$R.text" "$R.out.err" "$R.text.err"; do
    for s in $SECRETS $HIDDEN; do
        grep -q -i -E -- "$s" "$f" && leaks="$leaks $(basename "$f"):$s"
    done
done
if [ -z "$leaks" ]; then
    echo "ok: --redact: no company or machine string in the saved text and JSON, stdout or stderr"
else
    echo "FAIL: --redact leaks:$leaks"; LAB_FAILS=$((LAB_FAILS + 1))
    grep -n -i -E "corp.test|acme|Tool.pkg|pkgs|10.20.0.10|Corp Internal" "$R.txt" | head -20
fi
# Apple's names stay, the placeholders are the same in every output, and a
# check id hides its path.
jcheck "$R.json" 'c("courier.push.apple.com", 5223)["address"] == "17.57.144.10" and any(k["host"].startswith("<corp-host-") for k in checks)' "Apple's names and addresses stay; the company's are placeholders"
jcheck "$R.json" 'all("acme" not in k["id"] and ("path" not in k or k["path"] in ("/", None) or k["path"].startswith("<path-")) for k in checks) and any("<path-" in k["id"] for k in checks)' "check ids and paths hide the URL's path"
jcheck "$R.json" 'doc["context"]["proxies"]["https_proxy"].startswith("http://<proxy-user-1>:***@<corp-host-") and "<corp-domain-1>" in doc["context"]["proxies"]["no_proxy"]' "the proxy's user and host, and no_proxy's domains, are placeholders"
jcheck "$R.json" 'any("<corp-name-" in (k.get("tls") or {}).get("issuer", "") for k in checks)' "the company CA's name is a placeholder"
mdm_json=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([k["host"] for k in d["checks"] if k["service"]=="mdm"][0])' "$R.json")
if grep -q -F "$mdm_json" "$R.txt" && grep -q -F "$mdm_json" "$R.text"; then
    echo "ok: one placeholder for the MDM host ($mdm_json) in JSON, saved text and printed text"
else
    echo "FAIL: the MDM host's placeholder $mdm_json differs between outputs"; LAB_FAILS=$((LAB_FAILS + 1))
fi
# Columns: in every table the state and the port sit under their headers.
for f in "$R.txt" "$R.text"; do
    bad=$(awk '
        /^  HOST +ADDRESS +PORT +STATE/ { st = index($0, "STATE"); rows = 1; next }
        /^$/ { rows = 0 }
        rows && /^  [^ ]/ {
            if (substr($0, st - 1, 1) != " " || substr($0, st, 1) !~ /[a-z]/ ||
                substr($0, st - 7, 5) !~ /^ *[0-9]+$/) print FNR ": " $0
        }' "$f")
    if [ -z "$bad" ] && grep -q '^  HOST' "$f"; then
        echo "ok: $(basename "$f"): the masked table's columns line up"
    else
        echo "FAIL: $(basename "$f"): rows out of line:"; echo "$bad" | head -5
        LAB_FAILS=$((LAB_FAILS + 1))
    fi
done
# The agent masks what it serves when asked.  (Its context is read at its
# start: the same environment.)
if "$PUSHPROBE" --version | grep -q microhttpd; then
    lab_bg "$NS_C" "$PUSHPROBE" --no-config --serve 127.0.0.1:9897 --interval 60 --redact \
        --resolver 203.0.113.53 --apple-ca "$C/apple-root.pem" $ARGS
    lab_wait_listen "$NS_C" 9897
    i=0
    until lab_c curl -s -f -m 5 -o "$R.agent.json" http://127.0.0.1:9897/report.json ||
          [ $i -ge 40 ]; do sleep 0.5; i=$((i + 1)); done
    lab_c curl -s -m 5 -o "$R.agent.html" http://127.0.0.1:9897/
    lab_c curl -s -m 5 -o "$R.agent.prom" http://127.0.0.1:9897/metrics
    leaks=""
    for f in "$R.agent.json" "$R.agent.html" "$R.agent.prom"; do
        for s in $SECRETS $HIDDEN; do
            grep -q -i -E -- "$s" "$f" && leaks="$leaks $(basename "$f"):$s"
        done
    done
    if [ -z "$leaks" ] && grep -q '"<corp-host-' "$R.agent.json" &&
       grep -q '&lt;corp-host-' "$R.agent.html" && grep -q 'courier.push.apple.com' "$R.agent.prom"; then
        echo "ok: --serve --redact: /report.json, / and /metrics are masked (the page's placeholders escaped)"
    else
        echo "FAIL: --serve --redact leaks:$leaks"; LAB_FAILS=$((LAB_FAILS + 1))
    fi
fi
lab_finish
