#!/bin/sh
# SPDX-License-Identifier: ISC
# The JSON Schema of the report (doc/pushprobe.schema.json):
# - it is a valid draft 2020-12 schema (python3-jsonschema's meta-schema);
# - it describes the schema_minor the program writes (PP_JSON_SCHEMA_MINOR),
#   and a change to it comes with a new schema_minor: tests/data/schema.sha256
#   records the schema's hash for each schema_minor, and the current one must
#   match (change the schema, bump the minor, add a line);
# - its lists of states, reasons, services, probes, verdicts, areas and flow
#   names are the sources' own tables;
# - what pushprobe writes here without a network (a saved capture, checks of
#   closed ports on loopback, an audit of loopback) matches it, and a report
#   with an undocumented field does not.
# The lab's reports are validated by tests/lab/jcheck.py.
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed"; exit 77; }
python3 -c 'import jsonschema' 2>/dev/null || { echo "SKIP: python3-jsonschema is not installed"; exit 77; }
PUSHPROBE=${PUSHPROBE:-$top/pushprobe}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# Reports made here: nothing leaves loopback (ports 1 and 2 are closed; a
# port of this test's own listener is open).
"$PUSHPROBE" --no-config --profile none --json --timeout 2 127.0.0.1:1 '[::1]:2' \
    'https://127.0.0.1:1/x' > "$tmp/closed.json" 2> "$tmp/closed.err"
# -c 2: the rounds' fields.
"$PUSHPROBE" --no-config --profile none --json -c 2 --interval 0.1 --timeout 2 127.0.0.1:1 \
    > "$tmp/rounds.json" 2> "$tmp/rounds.err"
printf 'open tcp 127.0.0.1 1\nclosed tcp 127.0.0.1 2\n' > "$tmp/expect"
"$PUSHPROBE" --no-config --audit --json --timeout 2 -p 1,2,3 --expect "$tmp/expect" 127.0.0.1 \
    > "$tmp/audit.json" 2> "$tmp/audit.err"
# The audit's JSON Lines (a line per check, then the summary), the same
# with an adaptive timeout and no rules, and --list --json (not *.json:
# they are checked against their own definitions below).
"$PUSHPROBE" --no-config --audit --jsonl --timeout 2 -p 1,2,3 --expect "$tmp/expect" 127.0.0.1 \
    > "$tmp/audit.jsonl" 2> "$tmp/audit-jsonl.err"
"$PUSHPROBE" --no-config --audit --jsonl="$tmp/blocks.jsonl" -p 1,2 127.0.0.0/30 \
    > /dev/null 2> "$tmp/blocks-jsonl.err"
"$PUSHPROBE" --no-config --list --json --dp https://dp.corp.test/pkgs/ 127.0.0.1:1 \
    > "$tmp/list.plan" 2> "$tmp/list.err"
"$PUSHPROBE" --no-config --audit -p 1,2 127.0.0.0/30 --list --json > "$tmp/audit-list.plan" \
    2> "$tmp/audit-list.err"
if "$PUSHPROBE" --no-config --read /dev/null 2>&1 | grep -q 'without libpcap'; then
    echo "SKIP: no capture report (built without libpcap)"
else
    for s in healthy rejected; do
        (cd "$top/tests/data/capture" && "$PUSHPROBE" --no-config --read "$s.pcap" --json) \
            > "$tmp/capture-$s.json" 2> "$tmp/capture-$s.err"
    done
fi
python3 - "$top" "$tmp" <<'PY' || fail=1
import glob, hashlib, json, os, re, sys
import jsonschema

top, tmp = sys.argv[1], sys.argv[2]
fails = 0
def want(ok, what):
    global fails
    print(("ok: " if ok else "FAIL: ") + what)
    fails += not ok

def read(path):
    with open(os.path.join(top, path), encoding="utf-8") as f:
        return f.read()

path = os.path.join(top, "doc", "pushprobe.schema.json")
raw = open(path, "rb").read()
schema = json.loads(raw)
try:
    jsonschema.Draft202012Validator.check_schema(schema)
    want(True, "doc/pushprobe.schema.json is a valid draft 2020-12 schema")
except jsonschema.SchemaError as e:
    want(False, f"doc/pushprobe.schema.json is not a valid schema: {e.message}")
    sys.exit(1)
defs = schema["$defs"]

minor = int(re.search(r"#define PP_JSON_SCHEMA_MINOR (\d+)", read("src/core/pushprobe.h")).group(1))
major = int(re.search(r"#define PP_JSON_SCHEMA (\d+)", read("src/core/pushprobe.h")).group(1))
props = defs["report"]["properties"]
want(props["schema"].get("const") == major, f"the schema is for schema {major}")
want(props["schema_minor"].get("maximum") == minor,
     f"the schema describes schema_minor {minor} (PP_JSON_SCHEMA_MINOR), "
     f"its maximum is {props['schema_minor'].get('maximum')}")

# The hash of the schema for each schema_minor.
table = {}
for n, line in enumerate(read("tests/data/schema.sha256").splitlines(), 1):
    if not line.strip() or line.startswith("#"):
        continue
    m = re.fullmatch(r"(\d+)\s+([0-9a-f]{64})", line.strip())
    if not m or int(m.group(1)) in table:
        want(False, f"tests/data/schema.sha256:{n}: want 'MINOR SHA256', one line per minor")
        continue
    table[int(m.group(1))] = m.group(2)
digest = hashlib.sha256(raw).hexdigest()
want(sorted(table) and max(table) == minor,
     f"tests/data/schema.sha256 ends at schema_minor {minor}")
want(len(set(table.values())) == len(table), "each schema_minor has its own schema")
if table.get(minor) == digest:
    want(True, f"the schema is the one recorded for schema_minor {minor}")
else:
    want(False, f"doc/pushprobe.schema.json (sha256 {digest}) is not the schema recorded for "
         f"schema_minor {minor}: a changed schema needs a new minor (PP_JSON_SCHEMA_MINOR in "
         f"src/core/pushprobe.h, the man page's schema_minor, the schema's schema_minor "
         f"maximum) and its line 'MINOR SHA256' in tests/data/schema.sha256")

# The schema's names are the sources' tables.
def table_of(src, start):
    text = read(src)
    text = text[text.index(start):]
    return re.findall(r'"([a-z0-9-]+)"', text[:text.index("};")])
def services():
    text = read("src/core/result.c")
    text = text[text.index("services[PP_SV__COUNT]"):]
    return re.findall(r'\{"([a-z0-9-]+)", "', text[:text.index("};")])
for name, found in (
        ("state", table_of("src/core/result.c", "state_names[")),
        ("reason", table_of("src/core/result.c", "reason_names[")),
        ("service", services()),
        ("flow_service", table_of("src/capture/flows.c", "svc_names[")),
        ("flow_outcome", table_of("src/capture/flows.c", "outcome_names["))):
    want(set(defs[name]["enum"]) == set(found),
         f"the schema's {name} names are the sources' ({len(found)}): "
         f"{sorted(set(found) ^ set(defs[name]['enum'])) or 'same'}")
probes = set()
for f in glob.glob(os.path.join(top, "probes", "*.c")):
    probes.update(re.findall(r'^\s*\.name = "([a-z0-9-]+)"', open(f).read(), re.M))
want(set(defs["probe"]["enum"]) == probes,
     f"the schema's probe names are the probes' ({sorted(probes ^ set(defs['probe']['enum'])) or 'same'})")
# Each detail a probe sets, with the type it sets it as.
kinds = {"str": "string", "int": "integer", "bool": "boolean", "num": "number"}
# (A key is a string or one of probes/details.h's named constants.)
named = dict(re.findall(r'#define (PP_DETAIL_\w+) "([a-z0-9_]+)"',
                        read("probes/details.h") if os.path.exists(os.path.join(top, "probes", "details.h")) else ""))
details = {}
for f in glob.glob(os.path.join(top, "probes", "*.c")) + glob.glob(os.path.join(top, "src", "*", "*.c")):
    for kind, arg in re.findall(r'pp_detail_(str|int|bool|num)\(\s*(?:[^,()]|\([^()]*\))+,\s*("[a-z0-9_]+"|PP_DETAIL_\w+)',
                                open(f).read()):
        key = arg.strip('"') if arg.startswith('"') else named.get(arg, arg)
        details.setdefault(key, set()).add(kinds[kind])
schema_details = {k: {v["type"]} for k, v in defs["details"]["properties"].items()}
differ = sorted(set(details) ^ set(schema_details)) + \
    [k for k in details if k in schema_details and details[k] != schema_details[k]]
want(not differ, f"the schema's {len(schema_details)} detail keys and their types are the "
     f"probes' ({len(details)}): {differ or 'same'}")
areas = re.findall(r'\[PP_AREA_\w+\] = \{"([a-z_]+)"', read("src/diagnose/diagnose.c"))
want(set(defs["verdicts"]["required"]) == set(areas), f"the schema's verdict areas are {areas}")
trust = table_of("src/core/result.c", "trust_names[")
want(set(defs["tls"]["oneOf"][1]["properties"]["trust"]["enum"]) == set(trust),
     "the schema's trust names are the sources'")

# What pushprobe wrote.
validator = jsonschema.Draft202012Validator(schema)
def valid(doc):
    return sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
docs = {}
for f in sorted(glob.glob(os.path.join(tmp, "*.json"))):
    name = os.path.basename(f)
    try:
        doc = json.load(open(f))
    except ValueError as e:
        want(False, f"{name} is JSON ({e}); stderr: {open(f[:-5] + '.err').read()[:300]}")
        continue
    errs = valid(doc)
    want(not errs, f"{name} matches the schema" +
         "".join(f"\n    /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errs[:5]))
    docs[name] = doc
want("audit" in docs.get("audit.json", {}) and docs["audit.json"]["audit"]["results"],
     "the audit report has audit results")
want(len(docs.get("closed.json", {}).get("checks", [])) == 3, "the loopback report has 3 checks")
want(docs.get("rounds.json", {}).get("rounds") == 2 and
     all(c.get("rounds", {}).get("sent") == 2 for c in docs["rounds.json"]["checks"]),
     "the -c 2 report has its rounds")

# JSON Lines, line by line, against $defs/jsonl; --list --json against
# $defs/plan.
def sub_validator(name):
    sub = dict(schema)
    sub["$ref"] = "#/$defs/" + name
    return jsonschema.Draft202012Validator(sub)
jsonl_v, plan_v = sub_validator("jsonl"), sub_validator("plan")
lines = {}
for f in sorted(glob.glob(os.path.join(tmp, "*.jsonl"))):
    name = os.path.basename(f)
    recs = []
    for n, line in enumerate(open(f), 1):
        try:
            rec = json.loads(line)
        except ValueError as e:
            want(False, f"{name}:{n} is JSON ({e})")
            continue
        errs = sorted(jsonl_v.iter_errors(rec), key=lambda e: list(e.absolute_path))
        if errs:
            want(False, f"{name}:{n} ({rec.get('type')}) matches $defs/jsonl" +
                 "".join(f"\n    /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
                         for e in errs[:5]))
        recs.append(rec)
    types = [r.get("type") for r in recs]
    want(len(recs) > 1 and types[-1] == "summary" and set(types[:-1]) == {"check"},
         f"{name}: {types.count('check')} check lines then one summary, each matching "
         f"$defs/jsonl")
    lines[name] = recs
want(len(lines.get("audit.jsonl", [])) == 4 and len(lines.get("blocks.jsonl", [])) == 9,
     "the JSON Lines hold 3 and 8 checks")
for f in sorted(glob.glob(os.path.join(tmp, "*.plan"))):
    name = os.path.basename(f)
    try:
        doc = json.load(open(f))
    except ValueError as e:
        want(False, f"{name} is JSON ({e})")
        continue
    errs = list(plan_v.iter_errors(doc))
    want(not errs and (doc["plan"] or doc["address_checks"]),
         f"{name} (--list --json) matches $defs/plan" +
         "".join(f"\n    {e.message[:200]}" for e in errs[:5]))
    docs[name] = doc
if lines.get("audit.jsonl"):
    import copy
    check, summ = lines["audit.jsonl"][0], lines["audit.jsonl"][-1]
    bad = []
    d = copy.deepcopy(check); d["undocumented"] = 1; bad.append(("a JSON Lines check with an undocumented field", d))
    d = copy.deepcopy(check); del d["type"]; bad.append(("a JSON Lines check without type", d))
    d = copy.deepcopy(check); del d["verdict"]; bad.append(("a JSON Lines check without verdict", d))
    d = copy.deepcopy(summ); d["results"] = []; bad.append(("a JSON Lines summary with results", d))
    d = copy.deepcopy(summ); del d["rules"]; bad.append(("a JSON Lines summary without rules", d))
    d = copy.deepcopy(summ); d["type"] = "total"; bad.append(("an unknown JSON Lines type", d))
    for what, d in bad:
        want(bool(list(jsonl_v.iter_errors(d))), f"the schema refuses {what}")
if "list.plan" in docs:
    import copy
    d = copy.deepcopy(docs["list.plan"]); d["plan"][0]["undocumented"] = 1
    want(bool(list(plan_v.iter_errors(d))), "the schema refuses a plan entry with an undocumented field")

# Strictness: an undocumented field, a wrong type, an unknown state, a
# schema_minor from the future are all refused.
if "closed.json" in docs:
    import copy
    base = docs["closed.json"]
    bad = []
    d = copy.deepcopy(base); d["checks"][0]["undocumented"] = 1; bad.append(("a check with an undocumented field", d))
    d = copy.deepcopy(base); d["undocumented"] = 1; bad.append(("a report with an undocumented field", d))
    d = copy.deepcopy(base); d["checks"][0]["port"] = "1"; bad.append(("a port as a string", d))
    d = copy.deepcopy(base); d["checks"][0]["state"] = "fine"; bad.append(("an unknown state", d))
    d = copy.deepcopy(base); d["schema_minor"] = minor + 1; bad.append(("a newer schema_minor", d))
    d = copy.deepcopy(base); d["summary"]["status"] = "good"; bad.append(("an unknown status", d))
    d = copy.deepcopy(base); d["checks"][0]["details"]["undocumented"] = 1; bad.append(("an undocumented detail", d))
    d = copy.deepcopy(base); del d["summary"]["expected"]; bad.append(("a report without summary.expected (schema_minor 4)", d))
    d = copy.deepcopy(base); del d["checks"][0]["expected"]; bad.append(("a check without expected (schema_minor 4)", d))
    d = copy.deepcopy(base); d["checks"][0]["details"]["http_status"] = "200"; bad.append(("a detail of the wrong type", d))
    d = copy.deepcopy(base); del d["checks"][0]["timings_ms"]["dns"]; bad.append(("a missing timing", d))
    if base.get("findings"):
        d = copy.deepcopy(base); d["findings"][0]["advice"]["other"] = "x"; bad.append(("advice with an undocumented field", d))
    for what, d in bad:
        want(bool(valid(d)), f"the schema refuses {what}")
sys.exit(1 if fails else 0)
PY
exit $fail
