#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Assert on a pushprobe JSON report: jcheck.py FILE EXPRESSION.

The expression is Python and sees:
  doc     the whole report
  checks  doc["checks"] but the small-segment retries (see retry_of)
  retries those retries
  c(host, port, fam="ipv4")        the one matching check (fails if not one)
  cs(host=None, port=None, fam=None, service=None, via=None)  matching checks
          (via: "direct" or "proxy"; c() takes via= as well)
  codes   the finding codes, in order
  f(code) the finding with that code, or None
  v(area) the verdict of an area ("push", "mdm", ...)
Exit 0 when the expression is true; otherwise print why and exit 1.

Every report is first validated against the JSON Schema the package
installs (doc/pushprobe.schema.json, draft 2020-12) with python3-jsonschema:
a report that does not match it fails whatever the expression says.  A
report once found valid is not validated again (FILE.schema-ok holds the
hash of what was validated).
"""
import hashlib
import json
import os
import sys

SCHEMA = os.path.join(os.environ.get("top_srcdir") or
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."),
                      "doc", "pushprobe.schema.json")


def schema_errors(path, raw, doc):
    """The schema's complaints about doc (at most five), or []."""
    digest = hashlib.sha256(raw + open(SCHEMA, "rb").read()).hexdigest()
    stamp = path + ".schema-ok"
    try:
        with open(stamp) as f:
            if f.read().strip() == digest:
                return []
    except OSError:
        pass
    import jsonschema
    with open(SCHEMA) as f:
        validator = jsonschema.Draft202012Validator(json.load(f))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errors:
        try:
            with open(stamp, "w") as f:
                f.write(digest + "\n")
        except OSError:
            pass
        return []
    out = []
    for e in errors[:5]:
        where = "/".join(str(p) for p in e.absolute_path)
        out.append(f"/{where}: {e.message[:300]}")
    if len(errors) > 5:
        out.append(f"... and {len(errors) - 5} more")
    return out


def main():
    path, expr = sys.argv[1], sys.argv[2]
    try:
        with open(path, "rb") as f:
            raw = f.read()
        doc = json.loads(raw)
    except Exception as e:  # a broken report is a failure, not a crash
        print(f"  cannot read JSON from {path}: {e}")
        return 1
    errors = schema_errors(path, raw, doc)
    if errors:
        print(f"  {path} does not match doc/pushprobe.schema.json:")
        for e in errors:
            print("    " + e)
        return 1
    checks = [k for k in doc.get("checks", []) if not k.get("retry_of")]
    retries = [k for k in doc.get("checks", []) if k.get("retry_of")]

    def via_of(k):
        return "direct" if k.get("via", "direct") == "direct" else "proxy"

    def cs(host=None, port=None, fam=None, service=None, via=None):
        return [k for k in checks
                if (host is None or k["host"] == host)
                and (port is None or k["port"] == port)
                and (fam is None or k["family"] == fam)
                and (service is None or k["service"] == service)
                and (via is None or via_of(k) == via)]

    def c(host, port, fam="ipv4", via=None):
        m = cs(host, port, fam, via=via)
        if len(m) != 1:
            raise AssertionError(f"{len(m)} checks match {host}:{port}/{fam}")
        return m[0]

    findings = doc.get("findings", [])
    codes = [x["code"] for x in findings]

    def f(code):
        m = [x for x in findings if x["code"] == code]
        return m[0] if m else None

    def v(area):
        return doc.get("verdicts", {}).get(area)

    try:
        ok = eval(expr, {"doc": doc, "checks": checks, "retries": retries, "c": c, "cs": cs,
                         "codes": codes, "f": f, "v": v})
    except Exception as e:
        print(f"  {expr}: {type(e).__name__}: {e}")
        return 1
    if not ok:
        print(f"  false: {expr}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
