#!/bin/sh
# SPDX-License-Identifier: ISC
# The man page documents every flag, configuration key, finding code, JSON
# field and Prometheus metric: each name the sources define is looked up in
# doc/pushprobe.1.in (the man page before configure fills in its version and
# date).  A new flag or field without its documentation fails here, and so
# does an option of the settings table missing from the SYNOPSIS or --help.
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
    fields.update(re.findall(r'pp_jw_k(?:ey|str|int|bool)\(\s*&?[\w>.-]+,\s*"([a-z0-9_]+)"', text))
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

# Every option of the settings table is in the man page's SYNOPSIS and in
# --help (the binary's, when PUSHPROBE or the build tree has it): a row
# missing from either fails.  A short flag in the SYNOPSIS counts (-46j).
rows = []
for row in re.split(r"\n    \{", table)[1:]:
    m = re.search(r'\.name = "([a-z0-9-]+)"', row)
    if m and "PP_SET_HELP" not in row:
        f = re.search(r"\.flag = '([A-Za-z0-9])'", row)
        rows.append((m.group(1), f.group(1) if f else None))
syn = man[man.index(".SH SYNOPSIS"):man.index(".SH DESCRIPTION")]
syn_long = set(re.findall(r"(?<![\w-])--([a-z0-9][a-z0-9-]*)", syn))
syn_short = set("".join(re.findall(r"(?<![\w-])-([A-Za-z0-9]+)\b", syn)))
missing = [n for n, f in rows if n not in syn_long and (f is None or f not in syn_short)]
for n in missing:
    print(f"FAIL: the man page's SYNOPSIS does not show --{n}")
fails += len(missing)
if not missing:
    print(f"ok: the SYNOPSIS shows all {len(rows)} options of the settings table")
binary = os.environ.get("PUSHPROBE") or os.path.join(os.environ.get("top_builddir", top),
                                                     "pushprobe")
if os.access(binary, os.X_OK):
    import subprocess
    p = subprocess.run([binary, "--no-config", "--help"], capture_output=True, text=True,
                       timeout=30)
    helps = set(re.findall(r"(?<![\w-])--([a-z0-9][a-z0-9-]*)", p.stdout))
    missing = [n for n, f in rows if n not in helps]
    for n in missing:
        print(f"FAIL: --help does not show --{n}")
    fails += len(missing) + (p.returncode != 0)
    if p.returncode != 0:
        print(f"FAIL: --help exits {p.returncode}")
    elif not missing:
        print(f"ok: --help shows all {len(rows)} options of the settings table")
elif os.environ.get("PUSHPROBE"):
    print(f"FAIL: PUSHPROBE={binary} is not executable")
    fails += 1
else:
    print("SKIP (part): no pushprobe binary, --help not checked")

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
