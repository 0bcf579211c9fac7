#!/bin/sh
# SPDX-License-Identifier: ISC
# The dashboard, driven for real in tmux inside the lab's client namespace:
# the router rejects the courier (ICMP admin-prohibited), so the push badge
# says BLOCKED and the courier rows carry the reason.  Keys (move, details,
# filter, family, re-run, pause, save, help), resizes, and the terminal
# given back as it was on q, Ctrl-C and SIGTERM.  Issue 21: the layout at
# 80x24, the findings' scrolling, the orders of o, the search of /, a
# mouse click, status messages that expire.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
command -v tmux >/dev/null 2>&1 || lab_skip "tmux is not installed"
lab_up
lab_fw ip daddr 17.57.144.10 tcp dport '{ 443, 5223 }' reject with icmp type admin-prohibited
lab_fw ip6 daddr 2620:149:a44::10 tcp dport '{ 443, 5223 }' reject with icmpv6 type admin-prohibited

SOCK=pptui$LAB_ID
T="tmux -L $SOCK"
trap '$T kill-server 2>/dev/null; lab_down' EXIT INT TERM

ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; LAB_FAILS=$((LAB_FAILS + 1)); }
screen() { $T capture-pane -p -t "$1"; }
# wait_for SESSION REGEX SECONDS: poll the screen until it matches.
wait_for() {
    i=0
    while [ $i -lt $(($3 * 10)) ]; do
        screen "$1" | grep -Eq "$2" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
# check SESSION REGEX WHAT [SECONDS]
check() {
    if wait_for "$1" "$2" "${4:-5}"; then ok "$3"; else bad "$3"; screen "$1" | sed 's/^/  | /'; fi
}
# check_not SESSION REGEX WHAT: the screen stops matching within 3 s.
check_not() {
    i=0
    while [ $i -lt 30 ] && screen "$1" | grep -Eq "$2"; do sleep 0.1; i=$((i + 1)); done
    if screen "$1" | grep -Eq "$2"; then bad "$3"; screen "$1" | sed 's/^/  | /'; else ok "$3"; fi
}

# start NAME [ENV...]: the dashboard in a 100x30 pane; the pane's shell
# records the terminal settings before and after, and the exit status.
start() {
    name=$1; shift
    cat > "$LAB_TMP/$name.sh" <<EOF
cd "$LAB_TMP"
trap 'true' INT
stty -g > "$LAB_TMP/$name.before"
sh -c 'echo \$\$ > "$LAB_TMP/$name.pid"; exec env TERM=xterm-256color $* "$PUSHPROBE" \
    --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" --timeout 2 \
    --interval 30 ${PP_EXTRA:-}'
echo "EXITED rc=\$?" > "$LAB_TMP/$name.rc"
stty -g > "$LAB_TMP/$name.after"
clear
echo "SHELL BACK"
sleep 600
EOF
    lab_c $T new-session -d -s "$name" -x 100 -y 30 "sh $LAB_TMP/$name.sh"
}

# tty_restored NAME WHAT: the settings after equal those before.
tty_restored() {
    i=0
    while [ ! -s "$LAB_TMP/$1.after" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if [ -s "$LAB_TMP/$1.after" ] && cmp -s "$LAB_TMP/$1.before" "$LAB_TMP/$1.after"; then
        ok "$2: terminal settings as before ($(cut -c1-40 "$LAB_TMP/$1.after")...)"
    else
        bad "$2: terminal settings differ or pushprobe did not end"
        cat "$LAB_TMP/$1.before" "$LAB_TMP/$1.after" 2>/dev/null
    fi
}

start main
S=main
check $S 'STATE +HOST' "first frame: the checks table" 3
check $S 'Push:BLOCKED' "push badge BLOCKED after the first run" 20
check $S 'MDM:-' "areas not checked show a dash"
check $S 'FAILED' "overall status FAILED"
check $S 'blocked +courier\.push\.apple\.com .*5223 +(admin-prohibited by 10\.10\.0\.1|by 10\.10\.0\.1)' "a blocked courier row names who rejected it (with the reason when there is room)"
check $S 'APNS_BLOCKED' "findings pane names APNS_BLOCKED"
check $S 'runs 1 ' "one run so far"
check $S 'Apple push, device side' "rows grouped under a service title"

# Details of the selected (first) row, then move down and see them follow.
$T send-keys -t $S Enter
check $S 'DETAILS courier\.push\.apple\.com:5223/ipv4' "Enter: details of the first row"
check $S 'timings: dns [0-9.]+ ms' "details: phase timings"
check $S 'ICMP error sent by 10\.10\.0\.1' "details: the router that rejected it"
$T send-keys -t $S j
check $S 'DETAILS courier\.push\.apple\.com:5223/ipv6' "j: the selection moves to the next row"
$T send-keys -t $S Down Down
check $S 'DETAILS 1-courier\.push\.apple\.com:5223/ipv6|DETAILS [^ ]+:5223/ipv6' "arrows move too"
$T send-keys -t $S Escape
check $S 'FINDINGS' "Esc: back to the findings"

# Filters: failing only, then IPv4 only.
$T send-keys -t $S f
check $S 'view failing' "f: failing checks only"
check_not $S '^ok +' "no ok rows under the failing filter"
$T send-keys -t $S f
check $S 'view service ' "f again: one service"
n=0
while [ $n -lt 20 ] && ! screen $S | grep -q 'view all'; do
    $T send-keys -t $S f
    sleep 0.3
    n=$((n + 1))
done
check $S 'view all' "f cycles through the services back to all"
$T send-keys -t $S 4
check $S 'family IPv4' "4: IPv4 only"
check_not $S '2620:149' "no IPv6 addresses shown"
$T send-keys -t $S 4
check $S 'family both' "4 again: both families"

# Re-run now, pause, help, save.
$T send-keys -t $S r
check $S 'runs 2 ' "r: a second run" 20
check $S '(x|[^ ]x)' "history strip shows the failed runs"
$T send-keys -t $S p
check $S 'paused' "p: paused"
$T send-keys -t $S p
check_not $S 'paused: no new runs' "p again: resumed"
$T send-keys -t $S '?'
check $S 'Any key closes this help' "?: help"
$T send-keys -t $S x
check_not $S 'Any key closes this help' "a key closes the help"
$T send-keys -t $S s
check $S 'saved pushprobe-[0-9-]+\.txt' "s: report saved"
f=$(ls "$LAB_TMP"/pushprobe-*.json 2>/dev/null | head -n 1)
if [ -n "$f" ] && python3 "$LAB_DIR_SRC/jcheck.py" "$f" 'f("APNS_BLOCKED")'; then
    ok "the saved JSON holds the findings"
else
    bad "the saved JSON holds the findings"
fi

# Resizes: 80x24 keeps every essential column; narrower drops the extras.
$T resize-window -t $S -x 80 -y 24
check $S 'STATE +HOST.*PORT' "80x24: the table header"
check $S 'Push:BLOCKED' "80x24: the badges"
check_not $S 'MIN/AVG/MAX' "80x24: the statistics column dropped"
$T resize-window -t $S -x 60 -y 20
check $S 'STATE +HOST' "60x20: still a table"
check_not $S 'ADDRESS' "60x20: the address column dropped"
$T resize-window -t $S -x 120 -y 40
check $S 'MIN/AVG/MAX' "120x40: every column back"
screen $S > "$LAB_TMP/screen.txt"

# 80x24 (issue 21): the key line, the headline and every badge whole.
$T resize-window -t $S -x 80 -y 24
check $S 'q quit *$' "80x24: the key line ends with 'q quit', whole"
check $S '^ pushprobe FAILED  runs [0-9]+' "80x24: the headline"
badges_whole() {
    screen $S | sed -n '2,4p' | grep -Eo '(Push|MDM|Enrollment|Enrol|Software update|Update|Content|File sharing|Files):(OK|DEGRADED|BLOCKED|-)( |$)' |
        sed 's/:.*//' | sort -u | wc -l
}
n=$(badges_whole)
if [ "$n" -eq 6 ]; then ok "80x24: all six area badges whole"; else bad "80x24: $n of 6 badges whole"; screen $S | sed -n '1,5p'; fi
# Names cut short end in an ellipsis (ASCII '~' without UTF-8).
check $S '[^ ](…|~) ' "80x24: a cut cell ends in an ellipsis"
check $S ' [0-9]+\.[0-9] +[0-9]+%' "times under 100 ms with one decimal"

# The findings pane scrolls and says how many more there are.
check $S '[0-9]+ more findings? .*scroll' "80x24: the findings pane says more findings exist"
first=$(screen $S | sed -n '/FINDINGS/{n;p;}')
$T send-keys -t $S ']'
i=0
while [ $i -lt 30 ] && [ "$(screen $S | sed -n '/FINDINGS/{n;p;}')" = "$first" ]; do sleep 0.1; i=$((i + 1)); done
if [ "$(screen $S | sed -n '/FINDINGS/{n;p;}')" != "$first" ]; then
    ok "]: the findings scroll"
else
    bad "]: the findings did not scroll"; screen $S | sed 's/^/  | /'
fi
check $S 'more findings? above' "the marker says findings are above"
$T send-keys -t $S '['
check_not $S 'more findings? above' "[: back to the first finding"

# o: the order cycles (service -> latency -> loss -> severity -> service).
$T resize-window -t $S -x 100 -y 30
$T send-keys -t $S g o
check $S 'sort latency' "o: sort by latency"
check_not $S '^Apple push, device side' "sorted: no service groups"
$T send-keys -t $S o g
check $S 'sort loss' "o again: by loss"
check $S '^STATE.*$' "the table under the loss order"
row1=$(screen $S | sed -n '/^STATE/{n;p;}')
case "$row1" in blocked*|closed*|timeout*|*100%*) ok "by loss: a check that always failed first ($row1)" ;;
*) bad "by loss: first row $row1" ;; esac
$T send-keys -t $S o g
check $S 'sort severity' "o again: by severity"
row1=$(screen $S | sed -n '/^STATE/{n;p;}')
case "$row1" in blocked*) ok "by severity: a blocked required check first" ;;
*) bad "by severity: first row $row1" ;; esac
$T send-keys -t $S o g
check $S 'sort service' "o again: back to the services"
check $S '^Apple push, device side' "the service groups are back"

# /: search the hosts as they are typed; Enter keeps it, Esc clears it.
$T send-keys -t $S / a p i
check $S 'search hosts: api_' "/: the search prompt"
rows_match() {
    screen $S | sed -n '/^STATE/,/FINDINGS/p' | sed '1d;$d' | grep -E '^(ok|blocked|closed|timeout|probing|resolving|expected|dns|tls|refused|reset|unexpected)' > "$LAB_TMP/rows.txt"
    [ -s "$LAB_TMP/rows.txt" ] && ! grep -v "$1" "$LAB_TMP/rows.txt" > /dev/null
}
sleep 0.3
if rows_match 'api\.push'; then ok "/api: only the hosts that match"; else bad "/api: rows that do not match"; cat "$LAB_TMP/rows.txt"; fi
$T send-keys -t $S Enter
check $S "search 'api'" "Enter: the search stays, in the header"
check_not $S 'courier\.push\.apple' "no courier rows under the search"
$T send-keys -t $S Escape
check_not $S "search 'api'" "Esc: the search cleared"
check $S 'courier\.push\.apple' "every row back"

# A mouse click selects the row under it (an SGR mouse report, as a
# terminal sends it); m turns the mouse off.
y=$(screen $S | grep -n '^ok  *api\.push\.apple\.com' | head -n 1 | cut -d: -f1)
if [ -n "$y" ]; then
    $T send-keys -t $S -l "$(printf '\033[<0;5;%sM\033[<0;5;%sm' "$y" "$y")"
    $T send-keys -t $S Enter
    check $S 'DETAILS api\.push\.apple\.com:' "a click selects the row under it"
    $T send-keys -t $S Escape
else
    bad "no api.push.apple.com row to click"
fi
# The wheel over the table moves the selection, three rows a notch.
$T send-keys -t $S g Enter
check $S 'DETAILS courier\.push\.apple\.com:5223/ipv4' "g: the first row selected"
$T send-keys -t $S -l "$(printf '\033[<65;5;10M')"
check $S 'DETAILS 1-courier\.push\.apple\.com:5223/ipv6' "the wheel down: three rows on"
$T send-keys -t $S -l "$(printf '\033[<64;5;10M')"
check $S 'DETAILS courier\.push\.apple\.com:5223/ipv4' "the wheel up: back"
$T send-keys -t $S Escape
$T send-keys -t $S m
check $S 'mouse off' "m: the mouse off (the terminal selects text)"
$T send-keys -t $S m
check_not $S 'mouse off' "m again: the mouse on"

# A status message expires, even while keys are pressed.
$T send-keys -t $S s
check $S 'saved pushprobe-[0-9-]+\.txt' "s: saved"
i=0
while [ $i -lt 100 ] && screen $S | grep -q 'saved pushprobe'; do
    [ $((i % 10)) = 0 ] && $T send-keys -t $S j
    sleep 0.1
    i=$((i + 1))
done
if screen $S | grep -q 'saved pushprobe'; then bad "the status message stays"; else ok "the status message expired after $((i / 10)) s"; fi
check $S 'q quit *$' "the key line is back"
$T resize-window -t $S -x 120 -y 40

# Quit with q: the terminal comes back as it was, the verdict stays.
$T send-keys -t $S q
check $S 'SHELL BACK' "q: the dashboard ends"
tty_restored main "q"
grep -q 'EXITED rc=1' "$LAB_TMP/main.rc" && ok "exit status 1 (a required check failed)" || bad "exit status after q: $(cat "$LAB_TMP/main.rc")"

# SIGTERM and Ctrl-C restore the terminal too.
start term
check term 'Push:BLOCKED' "second dashboard up" 20
kill -TERM "$(cat "$LAB_TMP/term.pid")"
check term 'SHELL BACK' "SIGTERM: the dashboard ends"
tty_restored term "SIGTERM"
start intr NO_COLOR=1
check intr 'STATE +HOST' "third dashboard up" 5
if $T capture-pane -e -p -t intr | grep -q "$(printf '\033')\[3[1-3]m"; then
    bad "NO_COLOR: no colours"
else
    ok "NO_COLOR: no colours, states still words"
fi
$T send-keys -t intr C-c
check intr 'SHELL BACK' "Ctrl-C: the dashboard ends"
tty_restored intr "Ctrl-C"
grep -q 'EXITED rc=130' "$LAB_TMP/intr.rc" && ok "Ctrl-C: exit status 130 (128 + SIGINT)" ||
    bad "exit status after Ctrl-C: $(cat "$LAB_TMP/intr.rc")"

# A fatal error (abort(): SIGABRT) still gives the terminal back.
start abrt
check abrt 'STATE +HOST' "sixth dashboard up" 5
kill -ABRT "$(cat "$LAB_TMP/abrt.pid")"
check abrt 'SHELL BACK' "SIGABRT: the dashboard ends"
tty_restored abrt "SIGABRT (a crash)"
grep -q 'EXITED rc=134' "$LAB_TMP/abrt.rc" && ok "it still dies of the signal (rc 134)" || bad "after SIGABRT: $(cat "$LAB_TMP/abrt.rc")"

# Colour by default on a colour terminal; --save gets the last run on q.
PP_EXTRA="--save $LAB_TMP/onexit"
start colour
PP_EXTRA=""
check colour 'Push:BLOCKED' "fourth dashboard up" 20
if $T capture-pane -e -p -t colour | grep -q "$(printf '\033')\[3[1-3]m"; then
    ok "colours on a colour terminal"
else
    bad "colours on a colour terminal"
fi
$T send-keys -t colour q
tty_restored colour "q after colours"
if python3 "$LAB_DIR_SRC/jcheck.py" "$LAB_TMP/onexit.json" 'checks' &&
    grep -q '^Summary: FAILED' "$LAB_TMP/onexit.txt"; then
    ok "--save: the last run written on q"
else
    bad "--save with the dashboard"
fi

# The terminal goes away under it (the window closed): it ends, no spin.
start hup
check hup 'STATE +HOST' "fifth dashboard up" 5
pid=$(cat "$LAB_TMP/hup.pid")
$T kill-session -t hup
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$pid" 2>/dev/null; then
    bad "the terminal closed: pushprobe still runs"
    kill -9 "$pid"
else
    ok "the terminal closed: pushprobe ended"
fi
lab_finish
