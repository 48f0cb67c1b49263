#!/bin/sh
# Source checks: banned functions (Suricata's and curl's list) and raw packet-byte access rules.
# Usage: check_source.sh SOURCE_DIR
top=${1:-.}
failed=0
passed=0
check() { # name pattern
    hits=$(grep -rnE "$2" "$top/src" "$top/include" --include='*.c' --include='*.h' || true)
    if [ -n "$hits" ]; then
        echo "FAIL $1:"
        echo "$hits"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
}
check "banned sprintf" '(^|[^a-z_])v?sprintf[[:space:]]*\('
check "banned strcpy" '(^|[^a-z_])strcpy[[:space:]]*\('
check "banned strcat" '(^|[^a-z_])strcat[[:space:]]*\('
check "banned strtok" '(^|[^a-z_])strtok[[:space:]]*\('
check "banned gets" '(^|[^a-z_])gets[[:space:]]*\('
check "banned atoi/atol" '(^|[^a-z_])ato(i|l|ll)[[:space:]]*\('
check "locale ctype" '(^|[^a-z_])is(print|alpha|alnum|digit|space|graph|punct|cntrl)[[:space:]]*\('
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
