#!/bin/sh
# SPDX-License-Identifier: ISC
# The agent's page at / in a real browser, and the agent on IPv6: pushprobe
# --serve on [::]:9898 (dual-stack) and [::1]:9897 (IPv6 only) in the
# client namespace; headless Chromium, in the same namespace, loads the
# page; the test reads the verdicts, findings and checks from the DOM
# Chromium built (--dump-dom) and compares them with /report.json of the
# same run.  A screenshot of each page is kept beside the test's log
# (tests/lab/t_agent_page.artifacts/).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
CHROMIUM=""
for b in chromium chromium-browser google-chrome; do
    command -v $b >/dev/null 2>&1 && { CHROMIUM=$(command -v $b); break; }
done
[ -n "$CHROMIUM" ] || lab_skip "chromium is not installed"
command -v curl >/dev/null 2>&1 || lab_skip "curl is not installed"
ART=${top_builddir:-.}/tests/lab/t_agent_page.artifacts
rm -rf "$ART"
mkdir -p "$ART"
lab_up
get() { lab_c curl -s -g -m 5 "$@"; }
code() { get -o /dev/null -w '%{http_code}' "$@"; }
fail() { echo "FAIL: $*"; LAB_FAILS=$((LAB_FAILS + 1)); }
# A hostile path: whatever a run reports must reach the page as text.
HOSTILE='http://127.0.0.1:1/<img/src=x/onerror=alert(1)>&amp;"'"'"
lab_bg "$NS_C" "$PUSHPROBE" --no-config --serve '[::]:9898' --interval 30 --timeout 1.5 \
    --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" "$HOSTILE"
lab_wait_listen "$NS_C" 9898
# the first run ends (503 until then)
ready() { # URL
    i=0
    while [ $i -lt 60 ]; do
        [ "$(code "$1")" = 200 ] && return 0
        sleep 0.5
        i=$((i + 1))
    done
    return 1
}
ready 'http://[::1]:9898/report.json' || fail "no report on [::1]:9898 after 30 s"
[ "$(code 'http://[::1]:9898/healthz')" = 200 ] && echo "ok: [::]:9898 answers on ::1" || fail "[::]:9898 on ::1"
[ "$(code 'http://127.0.0.1:9898/healthz')" = 200 ] && echo "ok: [::]:9898 is dual-stack: answers on 127.0.0.1" || fail "[::]:9898 on 127.0.0.1"
[ "$(lab_r curl -s -g -m 5 -o /dev/null -w '%{http_code}' 'http://[fd00:10::2]:9898/healthz')" = 200 ] &&
    [ "$(lab_r curl -s -m 5 -o /dev/null -w '%{http_code}' 'http://10.10.0.2:9898/healthz')" = 200 ] &&
    echo "ok: [::]:9898 answers from the next namespace on both families" || fail "[::]:9898 from the router"
# The features are what configure compiled in (config.h).
features=$(for f in MICROHTTPD:microhttpd NCURSES:ncursesw NGHTTP2:nghttp2 PCAP:pcap; do
    grep -q "^#define HAVE_${f%%:*} 1" "${top_builddir:-.}/config.h" && printf '%s\n' "${f#*:}"
done | paste -sd, -)
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "${top_builddir:-.}/config.h")
get 'http://[::1]:9898/metrics' | grep -qxF "pushprobe_build_info{version=\"$version\",features=\"$features\"} 1" &&
    echo "ok: /metrics has pushprobe_build_info{version=\"$version\",features=\"$features\"}" ||
    fail "pushprobe_build_info is not {version=\"$version\",features=\"$features\"}"
[ "$(code 'http://[::1]:9898/nothing')" = 404 ] && echo "ok: other paths are 404" || fail "404"
get -D - -o /dev/null 'http://[::1]:9898/' | grep -qi '^content-type: text/html; charset=utf-8' &&
    echo "ok: / is text/html" || fail "content type of /"

# Before the first run has finished: 503 and a page that reloads itself.
# (The only check is a TLS handshake with a listener that never answers,
# so that run takes its whole --timeout.)
lab_bg "$NS_C" python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9893))
s.listen(8)
held = []
while True:
    held.append(s.accept()[0])'
lab_wait_listen "$NS_C" 9893
lab_bg "$NS_C" "$PUSHPROBE" --no-config --profile none --serve 127.0.0.1:9896 --interval 600 \
    --timeout 20 tls://127.0.0.1:9893
lab_wait_listen "$NS_C" 9896
get -D "$LAB_TMP/wait.h" -o "$LAB_TMP/wait.html" http://127.0.0.1:9896/
if head -n 1 "$LAB_TMP/wait.h" | grep -q ' 503' && grep -qi '^Retry-After: 5' "$LAB_TMP/wait.h" &&
   grep -qi '^content-type: text/html' "$LAB_TMP/wait.h" &&
   grep -q '<meta http-equiv="refresh" content="5">' "$LAB_TMP/wait.html" &&
   grep -q 'The first run has not finished yet' "$LAB_TMP/wait.html"; then
    echo "ok: before the first run ends, / is a 503 page that reloads itself"
else
    fail "/ before the first run: $(head -n 1 "$LAB_TMP/wait.h")"
fi

# browse URL NAME: the DOM Chromium built and a screenshot, in a new
# empty profile, with everything that would reach outside turned off.
browse() {
    prof=$(mktemp -d "$LAB_TMP/chrome.XXXXXX")
    for what in "--dump-dom" "--screenshot=$ART/$2.png --window-size=1280,1600"; do
        # (A file chromium cannot write or a page it cannot load is a
        # failure below; its own chatter goes to the log.)
        (cd "$prof" && timeout 60 ip netns exec "$NS_C" "$CHROMIUM" --headless --no-sandbox \
            --disable-gpu --disable-quic --no-first-run --disable-background-networking \
            --disable-component-update --disable-sync --disable-extensions \
            --user-data-dir="$prof/profile" $what "$1") > "$LAB_TMP/$2.out" 2>> "$ART/chromium.log"
        [ "$what" = "--dump-dom" ] && cp "$LAB_TMP/$2.out" "$ART/$2.dom.html"
    done
    rm -rf "$prof"
}

# page.py DOM REPORT: the page Chromium shows says what the report says.
page_check() {
    python3 - "$1" "$2" <<'PY'
import html.parser, json, sys
dom, rep = open(sys.argv[1], encoding="utf-8").read(), json.load(open(sys.argv[2]))

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.ids, self.links, self.tags = {}, {}, [], set()
        self.table = self.row = self.cell = None
        self.stack = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "table":
            self.table = self.tables.setdefault(a.get("id"), [])
        elif tag == "tr" and self.table is not None:
            self.row = []
            self.table.append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag == "a":
            self.links.append(a.get("href"))
        if "id" in a:
            self.stack.append((tag, a["id"], []))
    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.table = None
        if self.stack and self.stack[-1][0] == tag:
            t, i, text = self.stack.pop()
            self.ids[i] = "".join(text).strip()
    def handle_data(self, d):
        if self.cell is not None:
            self.cell.append(d)
        for _, _, text in self.stack:
            text.append(d)

p = Page()
p.feed(dom)
fails = []
def want(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        fails.append(what)

want(p.ids.get("status") == rep["summary"]["status"],
     f"the page's status ({p.ids.get('status')}) is the report's ({rep['summary']['status']})")
want(rep["started_at"] in p.ids.get("run", ""), "the page names the run's start " + rep["started_at"])
nxt = p.ids.get("next", "")
want(nxt > rep["started_at"], f"the page says when the next run starts ({nxt})")
want("/metrics" in p.links and "/report.json" in p.links, "the page links to /metrics and /report.json")
titles = {"push": "Push", "mdm": "MDM", "enrollment": "Enrollment",
          "software_update": "Software update", "content": "Content", "file_sharing": "File sharing"}
shown = {r[0]: r[1] for r in p.tables.get("verdicts", [])[1:]}
want(shown == {titles[k]: v for k, v in rep["verdicts"].items()},
     f"the verdicts table is the report's verdicts {shown}")
codes = [r[1] for r in p.tables.get("findings", [])[1:]]
want(codes == [f["code"] for f in rep["findings"]], f"the findings table lists {codes}")
rows = p.tables.get("checks", [])[1:]
counted = [c for c in rep["checks"] if not c.get("retry_of")]
want(len(rows) == len(counted), f"the checks table has {len(rows)} rows for {len(counted)} checks")
for r, c in zip(rows, counted):
    if r[2] != str(c["port"]) or r[5] != c["state"] or r[6] != c["reason"] or \
       (c["address"] or "-") != r[3] or not r[1].startswith(c["host"]) or \
       r[8].startswith("Expected:") != bool(c.get("expected")):
        want(False, f"check row {r} against {c['id']}")
        break
else:
    want(True, "each row has its check's host, port, address, state and reason, and says "
         f"whether it was expected ({sum(1 for c in counted if c.get('expected'))} were)")
want("img" not in p.tags and "script" not in p.tags,
     "the hostile path stays text (no img or script element)")
want(any("<img/src=x/onerror=alert(1)>&amp;\"'" in r[1] for r in rows),
     "the hostile path is shown as it was given")
for check in sys.argv[3:]:
    want(eval(check, {"rows": rows, "codes": codes, "shown": shown}), check)
sys.exit(1 if fails else 0)
PY
}

# run NAME URL CHECK...: the report, the page in the browser, the same
# report again (the page is of that run only if the run did not change).
run_page() {
    name=$1 url=$2; shift 2
    get "$url/report.json" > "$LAB_TMP/$name.json"
    browse "$url/" "$name"
    get "$url/report.json" > "$LAB_TMP/$name.after.json"
    if ! cmp -s "$LAB_TMP/$name.json" "$LAB_TMP/$name.after.json"; then
        echo "(a run ended meanwhile: again)"
        cp "$LAB_TMP/$name.after.json" "$LAB_TMP/$name.json"
        browse "$url/" "$name"
    fi
    jcheck "$LAB_TMP/$name.json" 'checks' "$url/report.json is a report (and matches the schema)"
    [ -s "$ART/$name.dom.html" ] || { fail "chromium gave no DOM for $url/ (see $ART/chromium.log)"; return; }
    page_check "$ART/$name.dom.html" "$LAB_TMP/$name.json" "$@" || LAB_FAILS=$((LAB_FAILS + 1))
    if [ -s "$ART/$name.png" ] && [ "$(head -c 8 "$ART/$name.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
        echo "ok: a screenshot of the page: $ART/$name.png"
    else
        fail "no PNG screenshot from chromium"
    fi
}

run_page healthy 'http://[::1]:9898' \
    'shown["Push"] == "ok"' \
    '[r for r in rows if r[1] == "courier.push.apple.com" and r[2] == "5223" and r[5] == "ok"]'

# 5223 blocked: a new agent, IPv6 only, on [::1]:9897.
lab_fw tcp dport 5223 reject with icmpx type admin-prohibited
lab_bg "$NS_C" "$PUSHPROBE" --no-config --serve '[::1]:9897' --interval 600 --timeout 1.5 \
    --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" "$HOSTILE"
lab_wait_listen "$NS_C" 9897
ready 'http://[::1]:9897/report.json' || fail "no report on [::1]:9897 after 30 s"
[ "$(code 'http://127.0.0.1:9897/healthz')" = 000 ] && echo "ok: [::1]:9897 is IPv6 only" || fail "[::1]:9897 answers on 127.0.0.1"
run_page blocked 'http://[::1]:9897' \
    'shown["Push"] == "degraded"' \
    '"APNS_FALLBACK_443" in codes' \
    '[r for r in rows if r[1] == "courier.push.apple.com" and r[2] == "5223" and r[5] == "blocked"]'
lab_finish
