#!/bin/sh
# SPDX-License-Identifier: ISC
# CI: the Debian package.  From a copy of the committed tree (git archive:
# the checkout and its build stay as they are), dpkg-buildpackage -us -uc -b
# builds the .deb; lintian must report no error or warning (overrides, each
# with its reason, are in debian/); dpkg -i installs it, and the installed
# binary, man page, schema, example configuration and units are checked.
# The package is removed again unless it was installed before.  Run as
# root; exit 0 when all is well, 1 otherwise, 77 when a tool is missing.
set -u
cd "$(dirname "$0")/.." || exit 1
for t in git dpkg-buildpackage dh lintian; do
    command -v $t >/dev/null 2>&1 || { echo "SKIP: $t is not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "SKIP: dpkg -i needs root"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pp-deb.XXXXXX") || exit 1
had=$(dpkg-query -W -f '${Status}' pushprobe 2>/dev/null | grep -c 'install ok installed')
cleanup() {
    [ "$had" = 0 ] && dpkg -r pushprobe >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

mkdir "$tmp/src"
git archive --format=tar HEAD | tar -x -C "$tmp/src" || { echo "FAIL: git archive"; exit 1; }
# The tests ran in make check: the package build only builds.
if ! (cd "$tmp/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) \
    > "$tmp/build.log" 2>&1; then
    tail -30 "$tmp/build.log"
    echo "FAIL: dpkg-buildpackage -us -uc -b"
    exit 1
fi
deb=$(ls "$tmp"/pushprobe_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { echo "FAIL: no .deb built"; exit 1; }
echo "ok: dpkg-buildpackage built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

# Warnings count as failures; informational tags do not.
if lintian --fail-on error,warning --display-info --tag-display-limit 0 \
    "$tmp"/pushprobe_*.changes > "$tmp/lintian.log" 2>&1; then
    echo "ok: lintian: no error or warning"
    grep -v "root privileges" "$tmp/lintian.log" | sed "s/^/  lintian: /"
else
    cat "$tmp/lintian.log"
    bad "lintian"
fi

if dpkg -i "$deb" > "$tmp/dpkg.log" 2>&1; then
    echo "ok: dpkg -i $(basename "$deb")"
else
    cat "$tmp/dpkg.log"
    echo "FAIL: dpkg -i"
    exit 1
fi
v=$(/usr/bin/pushprobe --version 2>&1)
want=$(dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)
case "$v" in
*"$want"*) echo "ok: /usr/bin/pushprobe --version: $(echo "$v" | head -n 1)" ;;
*) bad "/usr/bin/pushprobe --version says '$v', the package is $want" ;;
esac
# --list probes nothing: the plan of the built-in profile and a loopback target.
if /usr/bin/pushprobe --no-config --list 127.0.0.1:9 > "$tmp/list" 2>&1 &&
   grep -q 'courier.push.apple.com' "$tmp/list" && grep -q '127.0.0.1' "$tmp/list"; then
    echo "ok: /usr/bin/pushprobe --list prints the plan ($(wc -l < "$tmp/list") lines)"
else
    cat "$tmp/list"
    bad "/usr/bin/pushprobe --list"
fi
for f in /usr/share/man/man1/pushprobe.1.gz /usr/share/pushprobe/pushprobe.schema.json \
         /usr/share/doc/pushprobe/pushprobe.conf.example /usr/share/doc/pushprobe/copyright \
         /usr/share/bash-completion/completions/pushprobe \
         /usr/share/zsh/vendor-completions/_pushprobe \
         /usr/share/fish/vendor_completions.d/pushprobe.fish; do
    [ -s "$f" ] || bad "the package has no $f"
done
python3 -c 'import json,sys; json.load(open(sys.argv[1]))["$defs"]["report"]' \
    /usr/share/pushprobe/pushprobe.schema.json 2>/dev/null ||
    bad "the installed schema is not the report's JSON Schema"
man -l /usr/share/man/man1/pushprobe.1.gz > /dev/null 2>&1 ||
    zcat /usr/share/man/man1/pushprobe.1.gz | grep -q '^\.SH JSON REPORT' ||
    bad "the installed man page"
/usr/bin/pushprobe --no-config --config /usr/share/doc/pushprobe/pushprobe.conf.example --list \
    > /dev/null 2>&1 || bad "the installed example configuration is refused"
grep -qx /etc/default/pushprobe /var/lib/dpkg/info/pushprobe.conffiles 2>/dev/null &&
    grep -q '^#PUSHPROBE_LISTEN=\[::\]:9898$' /etc/default/pushprobe ||
    bad "/etc/default/pushprobe is not a conffile naming PUSHPROBE_LISTEN"
units=$(dpkg -L pushprobe | grep 'systemd/system/pushprobe.*\.service$')
[ "$(echo "$units" | grep -c .)" = 2 ] || bad "the package should hold 2 systemd units: $units"
for u in $units; do
    grep -q '^ExecStart=/usr/bin/pushprobe ' "$u" || bad "$u does not run /usr/bin/pushprobe"
    if command -v systemd-analyze >/dev/null 2>&1 &&
       systemd-analyze verify "$u" 2>&1 | grep -qi 'unknown\|invalid\|failed to parse'; then
        bad "systemd-analyze verify $u"
    fi
done
[ $fail = 0 ] && echo "ok: the installed package: binary, man page, schema, example, $(echo "$units" | grep -c .) units"
exit $fail
