#!/usr/bin/env python3
"""Assert on a pushprobe JSON report: jcheck.py FILE EXPRESSION.

The expression is Python and sees:
  doc     the whole report
  checks  doc["checks"] but the small-segment retries (see retry_of)
  retries those retries
  c(host, port, fam="ipv4")        the one matching check (fails if not one)
  cs(host=None, port=None, fam=None, service=None)  matching checks
  codes   the finding codes, in order
  f(code) the finding with that code, or None
  v(area) the verdict of an area ("push", "mdm", ...)
Exit 0 when the expression is true; otherwise print why and exit 1.
"""
import json
import sys


def main():
    path, expr = sys.argv[1], sys.argv[2]
    try:
        with open(path) as f:
            doc = json.load(f)
    except Exception as e:  # a broken report is a failure, not a crash
        print(f"  cannot read JSON from {path}: {e}")
        return 1
    checks = [k for k in doc.get("checks", []) if not k.get("retry_of")]
    retries = [k for k in doc.get("checks", []) if k.get("retry_of")]

    def cs(host=None, port=None, fam=None, service=None):
        return [k for k in checks
                if (host is None or k["host"] == host)
                and (port is None or k["port"] == port)
                and (fam is None or k["family"] == fam)
                and (service is None or k["service"] == service)]

    def c(host, port, fam="ipv4"):
        m = cs(host, port, fam)
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
