#!/bin/sh
# SPDX-License-Identifier: ISC
# The shell completions made at build time from the settings table
# (src/app/mkcomplete.c):
# - bash: sourced with bash-completion, asked for `pushprobe --` (every
#   long option of the table, read here from src/app/settings.c), for an
#   option's values (--format, --profile, --color), for files after a FILE
#   option and --csv=, and for nothing after a value that is not a file;
# - zsh and fish: the files parse (zsh -n, fish -n); zsh is asked for
#   values on a pseudo-terminal (zpty), fish for the options and values
#   (complete -C);
# - every long option of the table is in each file.
# Environment: top_srcdir, top_builddir (the completions are built there).
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
build=${top_builddir:-$top}
dir=$build/completions
failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for f in pushprobe _pushprobe pushprobe.fish; do
    [ -s "$dir/$f" ] || { echo "FAIL: $dir/$f was not built"; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pp-compl.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# Files to complete.
mkdir "$tmp/d" && : >"$tmp/d/site.conf" && : >"$tmp/d/scan.pcap" || exit 1

# The long options of the settings table (not its --help-only rows).
python3 - "$top/src/app/settings.c" >"$tmp/options" <<'PY' || exit 1
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
t = t[t.index("pp_settings[] = {"):t.index("\n};", t.index("pp_settings[] = {"))]
for row in re.split(r"\n    \{", t)[1:]:
    m = re.search(r'\.name = "([a-z0-9-]+)"', row)
    if m and "PP_SET_HELP" not in row:
        print("--" + m.group(1))
PY
sort -u "$tmp/options" -o "$tmp/options"
n=$(wc -l <"$tmp/options" | tr -d ' ')
[ "$n" -gt 20 ] || { echo "FAIL: only $n options read from settings.c"; exit 1; }

# ------------------------------------------------------------ bash
bc=
for f in /usr/share/bash-completion/bash_completion /etc/bash_completion; do
    [ -f "$f" ] && { bc=$f; break; }
done
if [ -z "$bc" ] || ! command -v bash >/dev/null 2>&1; then
    echo "SKIP: bash or bash-completion missing: no bash checks"
else
    # complete WORDS...: the completions of the last word, one a line.
    complete_bash() {
        bash --norc --noprofile -c '
            . "$1"; . "$2"; shift 2
            compopt() { :; }   # a builtin only inside a real completion
            COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
            COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
            _pushprobe pushprobe "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf "%s\n" "${COMPREPLY[@]}"' sh "$bc" "$dir/pushprobe" "$@" 2>"$tmp/bash.err"
    }
    bash -n "$dir/pushprobe" && ok "bash -n: the bash completion parses" ||
        fail "bash -n $dir/pushprobe"
    complete_bash pushprobe -- | sed 's/=$//' | sort -u >"$tmp/got"
    missing=$(comm -23 "$tmp/options" "$tmp/got")
    extra=$(comm -13 "$tmp/options" "$tmp/got")
    if [ -z "$missing" ] && [ -z "$extra" ] && [ ! -s "$tmp/bash.err" ]; then
        ok "bash: 'pushprobe --' offers the $n long options of the table, no more"
    else
        fail "bash: 'pushprobe --': missing [$missing] extra [$extra] $(cat "$tmp/bash.err")"
    fi
    # want WORDS... -- EXPECTED: the completions are exactly EXPECTED.
    want_bash() {
        words=
        while [ "$1" != "--" ]; do words="$words $1"; shift; done
        shift
        got=$(complete_bash $words "" | sort | tr '\n' ' ')
        exp=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
        [ "$got" = "$exp" ] && ok "bash:$words <TAB> -> $got" ||
            fail "bash:$words <TAB>: got '$got', want '$exp'"
    }
    want_bash pushprobe --format -- text json prometheus
    want_bash pushprobe --profile -- apple none
    want_bash pushprobe --no-tui --color -- auto always never
    want_bash pushprobe --timeout --
    want_bash pushprobe --mdm --
    got=$(complete_bash pushprobe --color al)
    [ "$got" = always ] && ok "bash: --color al -> always" || fail "bash: --color al -> '$got'"
    got=$(complete_bash pushprobe --format=pro)
    [ "$got" = prometheus ] && ok "bash: --format=pro -> prometheus" ||
        fail "bash: --format=pro -> '$got'"
    got=$(complete_bash pushprobe --col)
    [ "$got" = --color= ] && ok "bash: --col -> --color=" || fail "bash: --col -> '$got'"
    # Files after a FILE option, and after --csv= (not after a bare --csv).
    got=$(cd "$tmp/d" && complete_bash pushprobe --config si)
    [ "$got" = site.conf ] && ok "bash: --config si -> site.conf" ||
        fail "bash: --config si -> '$got'"
    got=$(cd "$tmp/d" && complete_bash pushprobe --read sc)
    [ "$got" = scan.pcap ] && ok "bash: --read sc -> scan.pcap" || fail "bash: --read sc -> '$got'"
    got=$(cd "$tmp/d" && complete_bash pushprobe --audit --csv=sc)
    [ "$got" = scan.pcap ] && ok "bash: --csv=sc -> scan.pcap" || fail "bash: --csv=sc -> '$got'"
    got=$(complete_bash pushprobe -Z roo)
    [ "$got" = root ] && ok "bash: -Z roo -> root (user names)" || fail "bash: -Z roo -> '$got'"
fi

# ------------------------------------------------------------ zsh
if command -v zsh >/dev/null 2>&1; then
    zsh -n "$dir/_pushprobe" && ok "zsh -n: the zsh completion parses" || fail "zsh -n _pushprobe"
    head -n 1 "$dir/_pushprobe" | grep -qx '#compdef pushprobe' ||
        fail "zsh: the file does not start with #compdef pushprobe"
    # Asked for real: an interactive zsh on a pseudo-terminal (zpty) with
    # compinit and the file on fpath; TAB twice, the screen read back.
    # compinit -D writes no dump file (and no -d after it: -d would turn
    # the dump back on, and its mv replaces whatever the path names).
    cat >"$tmp/zc.zsh" <<'ZSH'
zmodload zsh/zpty || exit 77
zpty z zsh -f -i
zpty -w z "PS1='' PS2='' RPS1=''; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "LISTMAX=0; setopt nolistbeep; unsetopt automenu menucomplete; print ZSTART"
zpty -r z line '*ZSTART*'
zpty -r z line '*ZSTART*'
zpty -n -w z "$2"$'\t\t'
sleep 1
zpty -n -w z $'\C-u'"print ZEND"$'\n'
out=
while zpty -r -t z line; do out+=$line; [[ $line == *ZEND* ]] && break; done
print -r -- "$out"
zpty -d z
ZSH
    zsh_complete() {
        timeout 20 zsh -f "$tmp/zc.zsh" "$dir" "$1" 2>/dev/null |
            sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' | tr '\r' '\n'
    }
    if zsh -fc 'zmodload zsh/zpty' 2>/dev/null; then
        zsh_complete 'pushprobe --format ' >"$tmp/z1"
        grep -Eq '^json +prometheus +text' "$tmp/z1" && ok "zsh: --format <TAB> lists json prometheus text" ||
            fail "zsh: --format <TAB>: $(grep -v '^ *$' "$tmp/z1" | head -5 | tr '\n' '|')"
        zsh_complete 'pushprobe --profile ' >"$tmp/z2"
        grep -Eq '^apple +none' "$tmp/z2" && ok "zsh: --profile <TAB> lists apple none" ||
            fail "zsh: --profile <TAB>: $(grep -v '^ *$' "$tmp/z2" | head -5 | tr '\n' '|')"
        zsh_complete 'pushprobe --col' >"$tmp/z3"
        grep -q 'pushprobe --color=' "$tmp/z3" && grep -Eq '^always +auto +never' "$tmp/z3" &&
            ok "zsh: --col <TAB> -> --color=, its values listed" ||
            fail "zsh: --col <TAB>: $(grep -v '^ *$' "$tmp/z3" | head -5 | tr '\n' '|')"
    else
        echo "SKIP: zsh without zpty: the zsh completion is only parsed"
    fi
else
    echo "SKIP: no zsh"
fi

# ------------------------------------------------------------ fish
if command -v fish >/dev/null 2>&1; then
    fish -n "$dir/pushprobe.fish" && ok "fish -n: the fish completion parses" ||
        fail "fish -n pushprobe.fish"
    fish --no-config -c "source '$dir/pushprobe.fish'; complete -C 'pushprobe --'" 2>&1 |
        cut -f 1 | sort -u >"$tmp/got"
    missing=$(comm -23 "$tmp/options" "$tmp/got")
    [ -z "$missing" ] && ok "fish: 'pushprobe --' offers every long option" ||
        fail "fish: 'pushprobe --' misses [$missing]"
    got=$(fish --no-config -c "source '$dir/pushprobe.fish'; complete -C 'pushprobe --format '" |
          cut -f 1 | sort | tr '\n' ' ')
    [ "$got" = "json prometheus text " ] && ok "fish: --format values: $got" ||
        fail "fish: --format values: '$got'"
    got=$(cd "$tmp/d" && fish --no-config -c "source '$dir/pushprobe.fish'; complete -C 'pushprobe --read sc'; complete -C 'pushprobe --audit --csv=sc'" | cut -f 1 | tr '\n' ' ')
    [ "$got" = "scan.pcap --csv=scan.pcap " ] && ok "fish: files after --read and --csv=: $got" ||
        fail "fish: files after --read and --csv=: '$got'"
else
    echo "SKIP: no fish"
fi

# ------------------------------------------------------------ every option, every file
for f in pushprobe _pushprobe pushprobe.fish; do
    miss=
    while read -r o; do
        case $f in
        *.fish) grep -q -- "-l ${o#--}\( \|\$\)" "$dir/$f" || miss="$miss $o" ;;
        *) grep -q -- "$o\([]= '[]\|\$\)" "$dir/$f" || miss="$miss $o" ;;
        esac
    done <"$tmp/options"
    [ -z "$miss" ] && ok "$f names all $n options" || fail "$f lacks$miss"
done

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
exit 0
