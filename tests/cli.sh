#!/bin/sh
# SPDX-License-Identifier: ISC
# The command line: help, version, --list, usage errors, and real runs
# against 127.0.0.1 only.  This test sends no traffic off the machine:
# every bad input must fail before probing, and where a wrongly accepted
# input could reach the network, --list (print the plan, probe nothing) or
# a loopback-only plan makes sure it does not.
#
# Environment: PUSHPROBE (the binary's absolute path), top_srcdir.

if [ -z "$PUSHPROBE" ] || [ ! -x "$PUSHPROBE" ]; then
    echo "FAIL: PUSHPROBE is not set to the pushprobe binary"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pp-cli.XXXXXX") || exit 1
listener_pid=
silent_pid=
cleanup() {
    for p in $listener_pid $silent_pid; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

esc=$(printf '\033')
# Never hang: a run that has not finished in 60 s is a failure.
if command -v timeout >/dev/null 2>&1; then
    tmo="timeout 60"
else
    tmo=
fi

# run ARGS...: the status in $rc, the output in $tmp/out and $tmp/err.
run() {
    $tmo "$PUSHPROBE" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
}

show() {
    echo "  command: pushprobe $*"
    echo "  exit status: $rc"
    sed 's/^/  stdout: /' "$tmp/out" | head -n 5
    sed 's/^/  stderr: /' "$tmp/err" | head -n 5
}

# usage_error WORD ARGS...: exit status exactly 2, nothing on stdout, and
# on stderr one error line, "pushprobe: ...", that contains WORD (any
# case).  The only other line allowed is the "Try 'pushprobe --help'."
# hint.
usage_error() {
    word=$1
    shift
    run "$@"
    what="pushprobe $*"
    if [ "$rc" -ne 2 ]; then
        fail "$what: exit status $rc, want 2"
        show "$@"
        return
    fi
    if [ -s "$tmp/out" ]; then
        fail "$what: wrote to stdout"
        show "$@"
        return
    fi
    grep -v "^Try 'pushprobe --help'\.\$" "$tmp/err" >"$tmp/errlines"
    nlines=$(wc -l <"$tmp/errlines" | tr -d ' ')
    first=$(head -n 1 "$tmp/errlines")
    case $first in
    "pushprobe: "*) ;;
    *)
        fail "$what: stderr does not start with 'pushprobe: '"
        show "$@"
        return
        ;;
    esac
    if [ "$nlines" -ne 1 ]; then
        fail "$what: $nlines error lines on stderr, want 1"
        show "$@"
        return
    fi
    if ! printf '%s\n' "$first" | grep -i -F -e "$word" >/dev/null; then
        fail "$what: the error does not mention '$word': $first"
        return
    fi
    ok "$what -> 2: $first"
}

# ------------------------------------------------------------ info

run --help
if [ "$rc" -eq 0 ] && grep -e '--mdm' "$tmp/out" >/dev/null; then
    ok "--help exits 0 and mentions --mdm"
else
    fail "--help: exit $rc, or no --mdm in the text"
    show --help
fi

run --version
if [ "$rc" -eq 0 ] && head -n 1 "$tmp/out" | grep '^pushprobe ' >/dev/null; then
    ok "--version prints '$(head -n 1 "$tmp/out")'"
else
    fail "--version: exit $rc or no 'pushprobe ' line"
    show --version
fi
# One version source: configure's (config.h) in --version, the man page
# made from doc/pushprobe.1.in and the JSON report; the features are those
# configure found, the libraries say their versions, the licence is named.
cfg=${top_builddir:-$(dirname "$PUSHPROBE")}/config.h
if [ -f "$cfg" ]; then
    want=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$cfg")
    feats=""
    grep -q '^#define HAVE_NGHTTP2 1' "$cfg" && feats="$feats nghttp2"
    grep -q '^#define HAVE_PCAP 1' "$cfg" && feats="$feats pcap"
    grep -q '^#define HAVE_NCURSES 1' "$cfg" && feats="$feats $(sed -n 's/^#define PP_CURSES_LIB "\(.*\)"$/\1/p' "$cfg")"
    grep -q '^#define HAVE_MICROHTTPD 1' "$cfg" && feats="$feats microhttpd"
    grep -q '^#define HAVE_LINUX_ERRQUEUE_H 1' "$cfg" && feats="$feats IP_RECVERR"
    if head -n 1 "$tmp/out" | grep -q "^pushprobe $want (" &&
       grep -qx "Features:$feats" "$tmp/out" && grep -qx 'License: ISC (see LICENSE)' "$tmp/out" &&
       grep -q '^Libraries: OpenSSL/[0-9].* c-ares/[0-9].* jansson/[0-9]' "$tmp/out"; then
        ok "--version: $want, features '$feats', the libraries' versions, the licence"
    else
        fail "--version: want $want and features '$feats'"; show --version
    fi
    case "$feats" in *pcap*) grep -q ' libpcap/[0-9]' "$tmp/out" || fail "--version: no libpcap/N";; esac
    case "$feats" in *nghttp2*) grep -q ' nghttp2/[0-9]' "$tmp/out" || fail "--version: no nghttp2/N";; esac
    case "$feats" in *microhttpd*) grep -q ' libmicrohttpd/[0-9]' "$tmp/out" || fail "--version: no libmicrohttpd/N";; esac
    man1=$(dirname "$cfg")/doc/pushprobe.1
    if [ -f "$man1" ] && head -n 1 "$man1" | grep -Eq "^\.TH PUSHPROBE 1 \"[0-9]{4}-[0-9]{2}-[0-9]{2}\" \"pushprobe $want\""; then
        ok "the man page says version $want and a date: $(head -n 1 "$man1")"
    else
        fail "the man page's .TH line: $(head -n 1 "$man1" 2>&1)"
    fi
    run --no-config --json --profile none --timeout 2 127.0.0.1:9
    grep -q "\"version\": *\"$want\"" "$tmp/out" && ok "the JSON report's version is $want" ||
        { fail "no version $want in the JSON"; show --json; }
fi

run --list
if [ "$rc" -eq 0 ] &&
   grep 'courier\.push\.apple\.com' "$tmp/out" | grep -w 5223 >/dev/null; then
    ok "--list shows courier.push.apple.com 5223 and exits 0"
else
    fail "--list: exit $rc, or courier.push.apple.com 5223 missing"
    show --list
fi
if [ -s "$tmp/err" ]; then
    fail "--list wrote to stderr"
fi

run --profile none --list 127.0.0.1:9 'tls://[::1]:443'
if [ "$rc" -eq 0 ] && grep '127\.0\.0\.1' "$tmp/out" >/dev/null &&
   ! grep 'apple\.com' "$tmp/out" >/dev/null; then
    ok "--profile none --list lists only the given targets"
else
    fail "--profile none --list: exit $rc or unexpected plan"
    show --profile none --list 127.0.0.1:9
fi

# ------------------------------------------------------------ a closed port

# A loopback port nothing listens on: bind to port 0, note it, close.
closed=
if command -v python3 >/dev/null 2>&1; then
    closed=$(python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()')
fi
[ -n "$closed" ] || closed=9

# ------------------------------------------------------------ usage errors

# Option errors: --list after them means a wrongly accepted option prints
# the plan (and fails the check) instead of probing anything.
usage_error '--bogus' --bogus --list
usage_error 'x' -x --list
usage_error 'timeout' --timeout abc --list
usage_error 'timeout' --timeout 0 --list
usage_error 'timeout' --timeout -1 --list
usage_error 'timeout' --timeout 1000 --list
usage_error 'timeout' --timeout --list
usage_error 'timeout' --list --timeout
usage_error 'sniff' --sniff-only --list
usage_error 'trace' --trace --audit 127.0.0.1 -p 9
usage_error 'trace' --trace-all --read /dev/null
printf '[pushprobe]\ntrace = maybe\n' > "$tmp/trace.conf"
usage_error 'yes, no or all' --config "$tmp/trace.conf" --profile none 127.0.0.1:9 --list
usage_error 'duration' --duration 5 --list
usage_error 'filter' --profile none --filter 'tcp port 5223' 127.0.0.1:9 --list
usage_error 'serve-token' --profile none --serve-token /nonexistent 127.0.0.1:9 --list
usage_error 'save' --profile none --save '' 127.0.0.1:9 --list
usage_error 'save' --profile none --save - 127.0.0.1:9 --list
usage_error '65535' --profile none --serve 65536 127.0.0.1:9 --list
usage_error '65535' --profile none --serve 0 127.0.0.1:9 --list
usage_error 'directory' --profile none --config "$tmp" 127.0.0.1:9 --list
usage_error 'directory' --profile none --serve 9999 --serve-token "$tmp" 127.0.0.1:9
# Control characters in an echoed argument are shown, not obeyed.
run --timeout "$(printf 'a\033[2J\nb')" --list
if [ "$rc" -eq 2 ] && ! grep -q "$esc" "$tmp/err" && [ "$(wc -l < "$tmp/err")" -eq 2 ]; then
    ok "control characters in an argument are not echoed raw"
else
    fail "control characters echoed raw (exit $rc)"
fi
# A FIFO nobody writes to as the configuration file: read as empty, no hang.
if mkfifo "$tmp/fifo.conf" 2>/dev/null; then
    run --config "$tmp/fifo.conf" --profile none 127.0.0.1:9 --list
    [ "$rc" -eq 0 ] && ok "a FIFO without a writer as --config: no hang" || { fail "FIFO --config: exit $rc"; show --config "$tmp/fifo.conf"; }
fi
usage_error 'serve' --profile none --audit --serve 9999 -p 9 127.0.0.1 --list
usage_error 'serve' --profile none --serve 9999 --once 127.0.0.1:9 --list
# With --nagios, what stops the check is the plugin's UNKNOWN (exit 3, one
# line on stdout, the monitoring-plugins guidelines).
# plugin_unknown WORD ARGS...: exit 3, one line "PUSHPROBE UNKNOWN - ...WORD...".
plugin_unknown() {
    word=$1
    shift
    run --nagios "$@"
    if [ "$rc" -eq 3 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] &&
       grep -q '^PUSHPROBE UNKNOWN - ' "$tmp/out" && grep -qF -- "$word" "$tmp/out"; then
        ok "--nagios $*: UNKNOWN, exit 3 ($(cat "$tmp/out"))"
    else
        fail "--nagios $*: want one UNKNOWN line and exit 3"
        show --nagios "$@"
    fi
}
plugin_unknown 'nagios' --profile none --json 127.0.0.1:9 --list
plugin_unknown 'nagios' --profile none --audit -p 9 127.0.0.1 --list
plugin_unknown "unknown option '--bogus'" --bogus
plugin_unknown "needs a value" --profile none 127.0.0.1:9 --timeout
plugin_unknown 'want seconds' --profile none --timeout abc 127.0.0.1:9
plugin_unknown 'no-such.conf' --config "$tmp/no-such.conf"
printf '[pushprobe]\ntimeout = soon\n' >"$tmp/bad.conf"
plugin_unknown 'bad.conf' --config "$tmp/bad.conf" --profile none 127.0.0.1:9
plugin_unknown 'want a range' --warning abc --profile none 127.0.0.1:9
plugin_unknown 'start is above its end' --critical 20:10 --profile none 127.0.0.1:9
plugin_unknown 'want a range' --critical @ --profile none 127.0.0.1:9
plugin_unknown 'above --critical' --warning 500 --critical 200 --profile none 127.0.0.1:9
plugin_unknown 'above --critical' --warning '~:500' --critical 200 --profile none 127.0.0.1:9
usage_error 'go with --nagios' --warning 100 --profile none 127.0.0.1:9 --list
usage_error 'go with --nagios' --critical 100 --profile none 127.0.0.1:9 --list
# Ranges in every form of the guidelines are taken; the perfdata of unset
# thresholds is empty, units given (a closed local port: CRITICAL, exit 2).
for r in 10 10: '~:10' 10:20 @10:20 0.5:2.5; do
    run --no-config --nagios --critical "$r" --profile none --timeout 2 127.0.0.1:9
    if [ "$rc" -eq 2 ] && grep -q "^PUSHPROBE CRITICAL - .* | checks=1;;;0 .*slowest=[0-9.]*ms;;$r;0 duration=[0-9.]*s;;;0\$" "$tmp/out"; then
        ok "--nagios --critical $r: taken, echoed in the perfdata"
    else
        fail "--nagios --critical $r"; show --nagios --critical "$r"
    fi
done
run --no-config --nagios --profile none --timeout 2 127.0.0.1:9
if grep -q 'slowest=[0-9.]*ms;;;0 ' "$tmp/out" && ! grep -q ';0;0' "$tmp/out" &&
   sed -n 2p "$tmp/out" | grep -q '^TARGET_FAILED: '; then
    ok "--nagios: unset thresholds empty in the perfdata; long output after the summary"
else
    fail "--nagios perfdata or long output"; show --nagios
fi
usage_error 'prometheus' --profile none --audit --format prometheus -p 9 127.0.0.1 --list
usage_error 'duration' --sniff lo --duration abc --list
usage_error 'exclude' --read x.pcap --sniff lo --list
usage_error '-Z' -Z nobody --list
usage_error 'user' --read x.pcap -Z '' --list
usage_error 'flows-max' --flows-max 3 --list
usage_error 'interface' --sniff '' --list
usage_error 'No such file' --read "$tmp/none.pcap"
printf 'not a capture at all\n' > "$tmp/garbage.pcap"
usage_error 'garbage.pcap' --read "$tmp/garbage.pcap"
usage_error 'parallel' --parallel 0 --list
usage_error 'parallel' --parallel x --list
usage_error 'resolver' --resolver not-an-ip --list
usage_error 'resolver' --resolver 192.0.2.4:99999 --list
usage_error 'color' --color sometimes --list
usage_error '-6' -4 -6 --list
usage_error '-6' --ipv4 --ipv6 --list

# Plan errors.
usage_error 'https' --profile none --mdm http://x --list
usage_error 'bad host' --profile none --mdm 'https://bad host' --list
usage_error 'ftp' --profile none --dp ftp://x --list
usage_error 'smb' --profile none --smb '' --list
usage_error 'port' --profile none --list 127.0.0.1
usage_error 'port' --profile none --list 127.0.0.1:70000
usage_error 'nope' --profile nope --list
usage_error 'nothing to check' --profile none

# Trust store errors come after the plan: the plan is one closed loopback
# port, so even a wrongly accepted file probes nothing beyond 127.0.0.1.
printf 'this is not a certificate\n' >"$tmp/not-pem.txt"
usage_error '/nonexistent' --profile none --ca-file /nonexistent "127.0.0.1:$closed"
usage_error '/nonexistent' --profile none --apple-ca /nonexistent "127.0.0.1:$closed"
usage_error 'not-pem.txt' --profile none --ca-file "$tmp/not-pem.txt" "127.0.0.1:$closed"
usage_error 'not-pem.txt' --profile none --apple-ca "$tmp/not-pem.txt" "127.0.0.1:$closed"

# ------------------------------------------------------------ real runs

if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 not found, no loopback runs"
    [ "$failures" -eq 0 ] || exit 1
    exit 0
fi

# A listener on a free loopback port; it prints the port, then accepts
# and closes connections for at most two minutes.
python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
sys.stdout.write("%d\n" % s.getsockname()[1])
sys.stdout.flush()
s.settimeout(0.5)
end = time.time() + 120
while time.time() < end:
    try:
        c, _ = s.accept()
        c.close()
    except socket.timeout:
        pass
' >"$tmp/port" &
listener_pid=$!
port=
i=0
while [ $i -lt 100 ]; do
    port=$(head -n 1 "$tmp/port" 2>/dev/null)
    [ -n "$port" ] && break
    sleep 0.1
    i=$((i + 1))
done
if [ -z "$port" ]; then
    fail "the loopback listener did not start"
    exit 1
fi

run --profile none --json -t 5 "127.0.0.1:$port"
if [ "$rc" -eq 0 ] && grep '"state": "ok"' "$tmp/out" >/dev/null; then
    ok "open port 127.0.0.1:$port -> 0, \"state\": \"ok\""
else
    fail "open port 127.0.0.1:$port: exit $rc, want 0 and \"state\": \"ok\""
    show --profile none --json "127.0.0.1:$port"
fi

# -4 with an IPv6 literal first: not applicable (family-excluded, no DNS
# failure), and the checks after it still run (they used to stay "pending").
run --profile none --json -t 5 -4 "[::1]:$closed" "127.0.0.1:$closed" "127.0.0.2:$closed"
if [ "$rc" -eq 1 ] && ! grep '"pending"' "$tmp/out" >/dev/null &&
   [ "$(grep -c '"state": "closed"' "$tmp/out")" = 2 ] && grep -q '"family-excluded"' "$tmp/out" &&
   grep -q '"NOT_APPLICABLE"' "$tmp/out" && ! grep -q '"dns-failed"\|"DNS_FAILED"' "$tmp/out"; then
    ok "-4 with an IPv6 literal first: not applicable, the others run"
else
    fail "-4 with an IPv6 literal first: exit $rc, or checks left pending"
    show --profile none --json -4 "[::1]:$closed" "127.0.0.1:$closed" "127.0.0.2:$closed"
fi

run --profile none --json -t 5 "127.0.0.1:$closed"
if [ "$rc" -eq 1 ] && grep '"closed"' "$tmp/out" >/dev/null; then
    ok "closed port 127.0.0.1:$closed -> 1, \"closed\""
else
    fail "closed port 127.0.0.1:$closed: exit $rc, want 1 and \"closed\""
    show --profile none --json "127.0.0.1:$closed"
fi

# Colour: forced on (NO_COLOR unset), and off under NO_COLOR.
$tmo env -u NO_COLOR "$PUSHPROBE" --profile none "127.0.0.1:$port" --color always \
    >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ "$rc" -eq 0 ] && grep "$esc" "$tmp/out" >/dev/null; then
    ok "--color always writes escape sequences"
else
    fail "--color always: exit $rc, or no escape sequence"
fi

$tmo env -u NO_COLOR "$PUSHPROBE" --profile none "127.0.0.1:$port" --color never \
    >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ "$rc" -eq 0 ] && ! grep "$esc" "$tmp/out" >/dev/null; then
    ok "--color never writes no escape sequence"
else
    fail "--color never: exit $rc, or escape sequences written"
fi

$tmo env NO_COLOR=1 "$PUSHPROBE" --profile none "127.0.0.1:$port" --color auto \
    >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ "$rc" -eq 0 ] && ! grep "$esc" "$tmp/out" >/dev/null; then
    ok "NO_COLOR=1 --color auto writes no escape sequence"
else
    fail "NO_COLOR=1 --color auto: exit $rc, or escape sequences written"
fi

$tmo env NO_COLOR=1 "$PUSHPROBE" --profile none "127.0.0.1:$port" --color always \
    >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ "$rc" -eq 0 ] && ! grep "$esc" "$tmp/out" >/dev/null; then
    ok "NO_COLOR=1 wins over --color always"
else
    fail "NO_COLOR=1 --color always: exit $rc, or escape sequences written"
fi

# On a terminal, auto means colour unless NO_COLOR is set.  script(1)
# gives the run a pseudo-terminal; skipped where it is missing.
if command -v script >/dev/null 2>&1 &&
   script -qec true /dev/null >/dev/null 2>&1 </dev/null; then
    $tmo env -u NO_COLOR TERM=xterm script -qec \
        "'$PUSHPROBE' --no-tui --profile none 127.0.0.1:$port --color auto" /dev/null \
        >"$tmp/out" 2>"$tmp/err" </dev/null
    if grep "$esc" "$tmp/out" >/dev/null; then
        ok "--color auto on a terminal writes escape sequences"
    else
        fail "--color auto on a terminal: no escape sequence"
    fi
    $tmo env NO_COLOR=1 TERM=xterm script -qec \
        "'$PUSHPROBE' --no-tui --profile none 127.0.0.1:$port --color auto" /dev/null \
        >"$tmp/out" 2>"$tmp/err" </dev/null
    if grep '127\.0\.0\.1' "$tmp/out" >/dev/null && ! grep "$esc" "$tmp/out" >/dev/null; then
        ok "NO_COLOR=1 --color auto on a terminal writes no escape sequence"
    else
        fail "NO_COLOR=1 --color auto on a terminal: escape sequences written"
    fi
else
    echo "SKIP: script(1) unavailable, no terminal colour checks"
fi

# Ctrl-C: 130 (128 + SIGINT) in every mode.  A loopback listener that
# accepts and never answers keeps a TLS check waiting; the audit checks
# 127.0.0.0/20 at one connection a second.  A background job of a shell
# without job control ignores SIGINT, so env --default-signal gives the
# run the default back.
python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
sys.stdout.write("%d\n" % s.getsockname()[1])
sys.stdout.flush()
s.settimeout(0.5)
held = []
end = time.time() + 120
while time.time() < end:
    try:
        held.append(s.accept()[0])
        sys.stdout.write("accepted\n")
        sys.stdout.flush()
    except socket.timeout:
        pass
' >"$tmp/silent" &
silent_pid=$!
i=0
while [ $i -lt 100 ] && [ ! -s "$tmp/silent" ]; do sleep 0.1; i=$((i + 1)); done
silent=$(head -n 1 "$tmp/silent")
# interrupted WHAT ARGS...: the run is sent SIGINT once it has connected
# to the silent listener (its checks are under way), or after 1.5 s when
# it does not connect there; exit 130.
interrupted() {
    what=$1
    shift
    before=$(wc -l <"$tmp/silent")
    env --default-signal=INT "$PUSHPROBE" --no-config "$@" >"$tmp/out" 2>"$tmp/err" </dev/null &
    pid=$!
    case "$*" in
    *"127.0.0.1:$silent"*)
        i=0
        while [ "$(wc -l <"$tmp/silent")" -le "$before" ] && [ $i -lt 300 ]; do
            sleep 0.1; i=$((i + 1))
        done
        sleep 0.3 ;;
    *) sleep 1.5 ;;
    esac
    kill -INT "$pid" 2>/dev/null
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid"
    rc=$?
    [ "$rc" -eq 130 ] && ok "SIGINT to $what -> 130" || { fail "SIGINT to $what: exit $rc"; show "$@"; }
}
if [ -z "$silent" ] || ! env --default-signal=INT true 2>/dev/null; then
    echo "SKIP: no silent listener or no env --default-signal: no SIGINT checks"
else
    interrupted "a run (report)" --profile none -t 30 "tls://127.0.0.1:$silent"
    interrupted "a run (--json)" --profile none --json -t 30 "tls://127.0.0.1:$silent"
    interrupted "a run (--nagios)" --profile none --nagios -t 30 "tls://127.0.0.1:$silent"
    interrupted "the agent (--serve)" --profile none --serve "127.0.0.1:$closed" -t 30 \
        "tls://127.0.0.1:$silent"
    interrupted "the audit" --audit -p "$closed" --rate 1 127.0.0.0/20
    if [ "$(id -u)" = 0 ]; then
        interrupted "a capture (--sniff lo)" --profile none --sniff lo -t 30 "tls://127.0.0.1:$silent"
        grep -q '^pushprobe ' "$tmp/out" && ok "the interrupted capture still wrote its report" ||
            fail "the interrupted capture wrote no report"
        interrupted "a capture (--sniff-only)" --sniff lo --sniff-only
    else
        echo "SKIP: not root: no --sniff SIGINT checks"
    fi
    # The dashboard, on a terminal (tmux): Ctrl-C is SIGINT there too.
    if command -v tmux >/dev/null 2>&1; then
        T="tmux -L pp-cli-$$"
        $T new-session -d -x 100 -y 30 "sh -c 'trap true INT; \"$PUSHPROBE\" --no-config --profile none -t 30 127.0.0.1:$closed; echo \$? >\"$tmp/dash.rc\"; sleep 5'" 2>/dev/null
        i=0
        while ! $T capture-pane -p 2>/dev/null | grep -q 'STATE  *HOST' && [ $i -lt 150 ]; do
            sleep 0.1; i=$((i + 1))
        done
        sleep 0.5
        $T send-keys C-c 2>/dev/null
        i=0
        while [ ! -s "$tmp/dash.rc" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
        $T kill-server 2>/dev/null
        rc=$(cat "$tmp/dash.rc" 2>/dev/null)
        [ "$rc" = 130 ] && ok "Ctrl-C in the dashboard (tmux) -> 130" ||
            fail "Ctrl-C in the dashboard: exit '$rc'"
    else
        echo "SKIP: no tmux: no dashboard SIGINT check"
    fi
fi

# Configuration files: --config, the user's XDG file, --no-config, and
# errors that name the file and the line.  --list only: nothing is sent.
cfg=$tmp/xdg/pushprobe
mkdir -p "$cfg"
printf '[pushprobe]\nmdm = https://jss.corp.test\ndp = https://dp.corp.test/a\ndp = http://dp.corp.test/b ; two of them\nprofile = none\n' > "$tmp/site.conf"
run --no-config --config "$tmp/site.conf" --list
if [ "$rc" -eq 0 ] && grep -q 'jss.corp.test  *8443 mdm' "$tmp/out" && [ "$(grep -c '^dp ' "$tmp/out")" -eq 2 ] && ! grep -q courier "$tmp/out"; then
    ok "--config: settings applied (MDM, two DPs, profile none)"
else
    fail "--config: settings not applied"; show --config site.conf --list
fi
printf 'sus = sus.corp.test\nprofile = none\n' > "$cfg/pushprobe.conf"
$tmo env XDG_CONFIG_HOME="$tmp/xdg" "$PUSHPROBE" --list >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ "$rc" -eq 0 ] && grep -q 'sus.corp.test' "$tmp/out"; then
    ok "the user's file under XDG_CONFIG_HOME is read"
else
    fail "the XDG file was not read"; show --list
fi
$tmo env XDG_CONFIG_HOME="$tmp/xdg" "$PUSHPROBE" --no-config --list >"$tmp/out" 2>"$tmp/err" </dev/null
if grep -q 'sus.corp.test' "$tmp/out"; then
    fail "--no-config still read the XDG file"
else
    ok "--no-config skips the default files"
fi
$tmo env XDG_CONFIG_HOME="$tmp/xdg" "$PUSHPROBE" --profile apple --list >"$tmp/out" 2>"$tmp/err" </dev/null
if grep -q 'courier.push.apple.com' "$tmp/out" && grep -q 'sus.corp.test' "$tmp/out"; then
    ok "the command line overrides the file (profile), lists add up"
else
    fail "command line did not override the file"
fi
printf '[pushprobe]\ntimeout = 3\nsocks = x\n' > "$tmp/bad.conf"
usage_error "bad.conf:3: unknown key 'socks'" --no-config --config "$tmp/bad.conf" --list
printf 'timeout = soon\n' > "$tmp/bad2.conf"
usage_error "bad2.conf:1: key 'timeout'" --no-config --config "$tmp/bad2.conf" --list
printf 'mdm = http://jss.corp.test\n' > "$tmp/bad3.conf"
usage_error "bad3.conf:1: key 'mdm'" --no-config --config "$tmp/bad3.conf" --list
usage_error "nonexistent.conf" --no-config --config "$tmp/nonexistent.conf" --list
# --proxy: HTTP proxies only, and not with --no-proxy.
usage_error "the proxy scheme 'socks5' is not supported" --no-config --proxy socks5://p:1080 --list
usage_error "'p:3128' is not a proxy URL" --no-config --proxy p:3128 --list
usage_error "--proxy and --no-proxy exclude each other" --no-config --proxy http://p:3128 \
    --no-proxy --list
usage_error "--proxy does not go with --audit" --no-config --audit -p 443 192.0.2.1 \
    --proxy http://p:3128 --list

# A broken configuration file does not stop --help or --version; a run
# reports it, with --no-config's hint for a default file.
mkdir -p "$tmp/badxdg/pushprobe"
printf 'timout = 3\n' > "$tmp/badxdg/pushprobe/pushprobe.conf"
for a in --help -h --version -V; do
    $tmo env XDG_CONFIG_HOME="$tmp/badxdg" "$PUSHPROBE" $a >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    if [ "$rc" -eq 0 ] && [ -s "$tmp/out" ] && [ ! -s "$tmp/err" ]; then
        ok "a bad configuration file: $a still exits 0"
    else
        fail "a bad configuration file: $a exits $rc"; show $a
    fi
done
$tmo env XDG_CONFIG_HOME="$tmp/badxdg" "$PUSHPROBE" --list >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ "$rc" -eq 2 ] && grep -q "pushprobe.conf:1: unknown key 'timout' (did you mean 'timeout'?) (--no-config skips .*pushprobe.conf)" "$tmp/err"; then
    ok "a bad default file stops a run: $(cat "$tmp/err")"
else
    fail "a bad default file and --list: exit $rc"; show --list
fi
$tmo env XDG_CONFIG_HOME="$tmp/badxdg" "$PUSHPROBE" --no-config --list >"$tmp/out" 2>"$tmp/err" </dev/null
[ $? -eq 0 ] && ok "--no-config skips the bad default file" || fail "--no-config with a bad default file"
# Unknown keys and options: the nearest valid one is suggested.
printf 'ca_file = x.pem\n' > "$tmp/typo.conf"
usage_error "unknown key 'ca_file' (did you mean 'ca-file'?)" --no-config --config "$tmp/typo.conf" --list
usage_error "unknown option '--timout' (did you mean '--timeout'?)" --no-config --timout 3 --list
usage_error "unknown option '--colour' (did you mean '--color'?)" --no-config --colour=never --list
usage_error "unknown option '--lsit' (did you mean '--list'?)" --no-config --lsit
usage_error "'--se' is ambiguous: --serve, --serve-token" --no-config --se 9 --list
usage_error "option '--list' takes no value" --no-config --list=yes
usage_error "unknown option '-l' (did you mean '--list'?)" --no-config -list
usage_error "contradict" --no-config --json --format text --list
usage_error "contradict" --no-config --format prometheus -j --list
printf 'format = prometheus\n' > "$tmp/prom.conf"
run --no-config --config "$tmp/prom.conf" --json --profile none --list 127.0.0.1:9
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" 2>/dev/null &&
    ok "--json over a file's format = prometheus" || { fail "--json over a file's format"; show; }
run --no-config --bogus --list
grep -q 'did you mean' "$tmp/err" && fail "--bogus got a suggestion: $(cat "$tmp/err")" ||
    ok "--bogus: no far-fetched suggestion"
# --list honours --json and refuses what a run would refuse.
run --no-config --profile none --dp https://dp.corp.test/pkgs/ --list --json 127.0.0.1:9
if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["tool"] == "pushprobe" and d["address_checks"] == 0, d
assert [(t["service"], t["host"], t["port"], t["path"]) for t in d["plan"]] == \
    [("dp", "dp.corp.test", 443, "/pkgs/"), ("custom", "127.0.0.1", 9, None)], d["plan"]
' "$tmp/out" 2>"$tmp/err"; then
    ok "--list --json: the plan as JSON"
else
    fail "--list --json: exit $rc, $(cat "$tmp/err")"; show --list --json
fi
run --no-config --audit -p 9,10 127.0.0.0/30 --list --format json
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["address_checks"] == 8' "$tmp/out" 2>/dev/null &&
    ok "--audit --list --format json counts 8 address checks" || { fail "--audit --list --json"; show; }
usage_error '/nonexistent' --no-config --profile none --list --ca-file /nonexistent 127.0.0.1:9
usage_error '/nonexistent' --no-config --list --apple-ca /nonexistent
usage_error 'not-pem.txt' --no-config --list --ca-file "$tmp/not-pem.txt"
usage_error 'cannot write' --no-config --list --save "$tmp/no/such/dir/ticket"
usage_error 'cannot write' --no-config --audit -p 9 127.0.0.1 --list --jsonl="$tmp/no/such/x.jsonl"
usage_error 'none.pcap' --no-config --list --read "$tmp/none.pcap"
if "$PUSHPROBE" --version | grep -q microhttpd; then
    printf 'short\n' > "$tmp/short.token"
    usage_error 'at least 16 characters' --no-config --serve 9999 --serve-token "$tmp/short.token" --list
fi
# Contradicting settings: one file setting both families is refused as -4
# -6 is; the command line wins over a file (-4 over ipv6 = yes).
printf 'ipv4 = yes\nipv6 = yes\n' > "$tmp/both.conf"
usage_error "both.conf:2: key 'ipv6': ipv4 and ipv6 exclude each other" --no-config --config "$tmp/both.conf" --list
printf 'ipv4 = yes\nipv6 = no\n' > "$tmp/v4.conf"
run --no-config --config "$tmp/v4.conf" --list
[ "$rc" -eq 0 ] && ok "ipv4 = yes with ipv6 = no is taken" || { fail "ipv4 = yes, ipv6 = no: exit $rc"; show; }
printf 'ipv6 = yes\n' > "$tmp/v6.conf"
usage_error 'IPv4 only' --no-config --config "$tmp/v6.conf" -4 --profile none '[::1]:9' --list
usage_error 'IPv6 only' --no-config --config "$tmp/v6.conf" --profile none '127.0.0.1:9' --list
# Two files: the later (--config) over the user's, not a conflict.
mkdir -p "$tmp/v4xdg/pushprobe" && printf 'ipv4 = yes\n' > "$tmp/v4xdg/pushprobe/pushprobe.conf"
$tmo env XDG_CONFIG_HOME="$tmp/v4xdg" "$PUSHPROBE" --config "$tmp/v6.conf" --profile none \
    127.0.0.1:9 --list >"$tmp/out" 2>"$tmp/err" </dev/null
grep -q 'IPv6 only' "$tmp/err" && ok "--config's ipv6 = yes over the user's ipv4 = yes" ||
    fail "file over file: $(cat "$tmp/err")"

# The audit's command line: errors before anything is sent.
usage_error 'audit' --audit --list
usage_error 'ports' --audit -p 0 192.0.2.0/30 --list
usage_error 'ports' --audit -p 443-80 192.0.2.0/30 --list
usage_error 'wide' --audit -p 443 10.0.0.0/7 --list
usage_error 'go with --audit' -p 443 --list
usage_error 'go with --audit' --jsonl --list
usage_error 'standard output' --audit -p 443 192.0.2.0/30 --csv --jsonl --list
usage_error 'standard output' --audit -p 443 192.0.2.0/30 --json --jsonl=- --list
usage_error 'or auto' --audit -p 443 192.0.2.0/30 --timeout soon --list
run --no-config --audit -p 443 192.0.2.0/30 --timeout auto --csv=x.csv --jsonl="$tmp/x.jsonl" --list
[ "$rc" -eq 0 ] || { fail "--timeout auto --csv=FILE --jsonl=FILE --list: exit $rc"; show; }
# A file that cannot be written: exit 2 before anything is probed (loopback).
run --no-config --audit -p 9 127.0.0.1 --csv="$tmp/no/such/dir/x.csv"
if [ "$rc" -ne 2 ] || ! grep -q 'cannot write' "$tmp/err" || [ -s "$tmp/out" ]; then
    fail "--csv=unwritable: exit $rc"; show
fi
usage_error 'no ports' --audit 192.0.2.1 --list
usage_error 'does not go with --audit' --audit 192.0.2.1 -p 443 --redact --list
usage_error 'is ambiguous: write [::1]:443' --profile none --list ::1:443
usage_error 'is ambiguous' --profile none --list --smb ::1:445
printf 'open tcp 192.0.2.0/24 443\nsometimes tcp 192.0.2.1 80\n' > "$tmp/bad.policy"
usage_error 'bad.policy:2' --audit -p 443 192.0.2.0/30 --expect "$tmp/bad.policy" --list
printf '192.0.2.0/30 443\n# comment\n198.51.100.7\n' > "$tmp/targets.txt"
run --no-config --audit -p 80 --targets "$tmp/targets.txt" --list
if [ "$rc" -eq 0 ] && grep -q 'and 5 checks of addresses' "$tmp/out"; then
    ok "--targets: blocks with their own ports and the default ports (5 checks)"
else
    fail "--targets: wrong plan"; show --audit --targets --list
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
exit 0
