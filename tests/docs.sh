#!/bin/sh
# The man page documents every flag, configuration key, finding code, JSON
# field and Prometheus metric: each name the sources define is looked up in
# doc/pushprobe.1.in (the man page before configure fills in its version and
# date).  A new flag or field without its documentation fails here.
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed"; exit 77; }
exec python3 - "$top" <<'PY'
import glob, os, re, sys

top = sys.argv[1]

def read(path):
    with open(os.path.join(top, path), encoding="utf-8") as f:
        return f.read()

def sources(*patterns):
    for p in patterns:
        for f in sorted(glob.glob(os.path.join(top, p))):
            with open(f, encoding="utf-8") as h:
                yield h.read()

man = read("doc/pushprobe.1.in")
for roff, text in (("\\-", "-"), ("\\&", ""), ("\\fB", ""), ("\\fI", ""), ("\\fR", ""),
                   ("\\fP", "")):
    man = man.replace(roff, text)

names = {}   # kind -> set of names

# Flags and configuration keys: the settings table, one row a setting.
table = read("src/app/settings.c")
table = table[table.index("pp_settings[] = {"):]
table = table[:table.index("\n};")]
names["flag"] = {"--" + m for m in re.findall(r'\.name = "([a-z0-9-]+)"', table)}
names["flag"].update("-" + m for m in re.findall(r"\.flag = '([A-Za-z0-9])'", table))
names["configuration key"] = set(re.findall(r'\.key = "([a-z0-9-]+)"', table))
names["finding code"] = set()
for text in sources("src/diagnose/diagnose.c", "src/diagnose/rules*.c"):
    names["finding code"].update(re.findall(r'"([A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+)"', text))
fields = set()
for text in sources("ui/*.c", "src/*/*.c", "probes/*.c"):
    fields.update(re.findall(r'pp_jw_k(?:ey|str|int|bool)\(\s*\w+,\s*"([a-z0-9_]+)"', text))
    # the reports' own key+value helpers (string or null, milliseconds, address, seconds)
    fields.update(re.findall(r'\b(?:opt_str|ms|jaddr|jsecs)\(\s*&?\w+,\s*"([a-z0-9_]+)"', text))
    fields.update(re.findall(r'pp_detail_(?:str|int|bool|num)\(\s*[\w>-]+,\s*"([a-z0-9_]+)"',
                             text))
for text in sources("probes/details.h"):
    # the detail keys other rooms read, named constants
    fields.update(re.findall(r'#define PP_DETAIL_\w+ "([a-z0-9_]+)"', text))
names["JSON field"] = fields
metrics = set()
for text in sources("ui/report_prom.c", "src/app/agent.c"):
    metrics.update(re.findall(r'"((?:pushprobe|probe)_[a-z0-9_]+)', text))
names["metric"] = metrics

fails = 0
# The SECURITY section names every fuzz harness, "(name)" for
# tests/fuzz/fuzz_NAME.c (the test-only fuzz_ubcheck excepted), and names
# none that is not there.
sec = man[man.index(".SH SECURITY"):]
sec = sec[:sec.index("\n.SH ", 1)]
sec = re.sub(r"\s+", " ", sec.replace("\n.PP\n", "\n").replace("\n.BR ", " ")
             .replace("\n.B ", " ").replace("\n.I ", " "))
harnesses = {os.path.basename(f)[5:-2]
             for f in glob.glob(os.path.join(top, "tests/fuzz/fuzz_*.c"))} - {"ubcheck"}
listed = sec[sec.index("The harnesses"):sec.index("Builds with")] if "The harnesses" in sec else ""
named = set(re.findall(r"\(([a-z0-9]+)\)", listed))
for h in sorted(harnesses - named):
    print(f"FAIL: the man page's SECURITY section does not list the fuzz harness ({h})")
    fails += 1
for h in sorted(named - harnesses):
    print(f"FAIL: the man page's SECURITY section lists ({h}), which is no fuzz harness")
    fails += 1
if harnesses and harnesses <= named:
    print(f"ok: the man page lists all {len(harnesses)} fuzz harnesses")
for kind in sorted(names):
    found = names[kind]
    if not found:
        print(f"FAIL: no {kind} found in the sources (has the code moved?)")
        fails += 1
        continue
    missing = [n for n in sorted(found)
               if not re.search(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])", man)]
    for name in missing:
        print(f"FAIL: the man page does not mention the {kind} {name}")
    fails += len(missing)
    if not missing:
        print(f"ok: the man page mentions all {len(found)} {kind}s")
sys.exit(1 if fails else 0)
PY
