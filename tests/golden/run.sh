#!/bin/sh
# run.sh BINARY TESTDATA_DIR EXPECTED_DIR [NAME...]: run the golden cases of TESTLIST.
#
# Each case runs in TESTDATA_DIR (so file names in messages are relative and stable) with
# TZ=UTC LC_ALL=C, and its stdout, stderr and exit code are compared with
# EXPECTED_DIR/NAME.out, EXPECTED_DIR/NAME.err (a missing .err means "stderr is empty")
# and the exit code in the manifest.  With NAMEs, only those cases run.
# CASHARK_UPDATE=1 rewrites NAME.out/NAME.err from the actual output instead of comparing
# (the exit code is still checked: it lives in TESTLIST and is edited by hand).
# CASHARK_TESTLIST=FILE uses another manifest.  The format is in README.md.
# Output: one PASS/FAIL/UPDATE line per case, a diff for each failure, then the line
# "N passed, N failed".  Exit status 0 when nothing failed, 1 otherwise, 2 on bad usage.
set -u

if [ $# -lt 3 ]; then
    echo "usage: $0 BINARY TESTDATA_DIR EXPECTED_DIR [NAME...]" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
case $1 in
/*) bin=$1 ;;
*) bin=$(pwd)/$1 ;;
esac
data=$(cd "$2" && pwd) || exit 2
mkdir -p "$3" || exit 2
expected=$(cd "$3" && pwd) || exit 2
shift 3
manifest=${CASHARK_TESTLIST:-$here/TESTLIST}
update=${CASHARK_UPDATE:-0}
if [ ! -x "$bin" ]; then
    echo "$0: $bin: not an executable" >&2
    exit 2
fi
if [ ! -r "$manifest" ]; then
    echo "$0: $manifest: cannot read the manifest" >&2
    exit 2
fi
# a hung case fails after this many seconds (when timeout(1) exists)
limit=${CASHARK_TIMEOUT:-60}
runner=""
if command -v timeout >/dev/null 2>&1; then
    runner="timeout $limit"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cashark-golden.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

wanted() {
    [ -z "$want" ] && return 0
    for w in $want; do
        [ "$w" = "$1" ] && return 0
    done
    return 1
}

want="$*"
pass=0
fail=0
seen=""
# the manifest is read on fd 3 so that cases cannot swallow it through stdin
while read -r name capture code rest <&3; do
    case $name in
    '' | '#'*) continue ;;
    esac
    wanted "$name" || continue
    case " $seen " in
    *" $name "*)
        echo "FAIL $name: the name appears twice in the manifest"
        fail=$((fail + 1))
        continue
        ;;
    esac
    seen="$seen $name"
    if [ -z "$code" ]; then
        echo "FAIL $name: manifest line has no expected exit code"
        fail=$((fail + 1))
        continue
    fi
    # the rest of the line is shell words: quotes group, as in sh
    eval "set -- $rest"
    input=/dev/null
    case $capture in
    -) ;;
    stdin:*) input=${capture#stdin:} ;;
    *) set -- "$@" "$capture" ;;
    esac
    (cd "$data" && TZ=UTC LC_ALL=C $runner "$bin" "$@" <"$input" >"$tmp/out" 2>"$tmp/err")
    rc=$?
    exp_out=$expected/$name.out
    exp_err=$expected/$name.err
    if [ "$update" = 1 ]; then
        cp "$tmp/out" "$exp_out"
        if [ -s "$tmp/err" ]; then cp "$tmp/err" "$exp_err"; else rm -f "$exp_err"; fi
        if [ "$rc" != "$code" ]; then
            echo "FAIL $name: exit $rc, expected $code (outputs updated; fix TESTLIST or the program)"
            fail=$((fail + 1))
        else
            echo "UPDATE $name"
            pass=$((pass + 1))
        fi
        continue
    fi
    if [ ! -f "$exp_err" ]; then
        : >"$tmp/empty"
        exp_err=$tmp/empty
    fi
    why=""
    if [ ! -f "$exp_out" ]; then
        why="no expected output $exp_out (run with CASHARK_UPDATE=1)"
    else
        cmp -s "$exp_out" "$tmp/out" || why="stdout differs"
        cmp -s "$exp_err" "$tmp/err" || why="${why:+$why, }stderr differs"
    fi
    [ "$rc" = "$code" ] || why="${why:+$why, }exit $rc, expected $code"
    if [ -z "$why" ]; then
        echo "PASS $name"
        pass=$((pass + 1))
        continue
    fi
    echo "FAIL $name: $why"
    printf '  command: cd %s && TZ=UTC LC_ALL=C %s' "$data" "$bin"
    for a in "$@"; do printf " '%s'" "$a"; done
    printf ' <%s\n' "$input"
    if [ -f "$exp_out" ]; then
        diff -u "$exp_out" "$tmp/out" | sed -n '1,60p'
    fi
    diff -u "$exp_err" "$tmp/err" | sed -n '1,20p'
    fail=$((fail + 1))
done 3<"$manifest"

for w in $want; do
    case " $seen " in
    *" $w "*) ;;
    *)
        echo "FAIL $w: no such case in $manifest"
        fail=$((fail + 1))
        ;;
    esac
done
# expected files that no case uses (only checked when every case ran)
if [ -z "$want" ]; then
    for f in "$expected"/*.out "$expected"/*.err; do
        [ -e "$f" ] || continue
        n=${f##*/}
        n=${n%.*}
        case " $seen " in
        *" $n "*) ;;
        *) echo "WARN ${f##*/}: no case in the manifest uses it" ;;
        esac
    done
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
