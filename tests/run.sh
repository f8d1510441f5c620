#!/usr/bin/env bash
# tests/run.sh SUITE...: run each Check suite, keep going after a failure,
# then total Check's summary lines. Exits non-zero if any suite failed.
set -u
export CONSTNET_ROOT="${CONSTNET_ROOT:-$PWD}"
export UNROLL_GEN_DIR CONSTNET_TEST_DIR
failed_suites=()
checks=0 failures=0 errors=0
for t in "$@"; do
    CONSTNET_TEST_DIR=$(dirname "$t")
    UNROLL_GEN_DIR=$CONSTNET_TEST_DIR/gen
    echo "== $t"
    log=$(mktemp)
    "./$t" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    # Check's summary: "100%: Checks: 7, Failures: 0, Errors: 0"
    line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
    rm -f "$log"
    if [ -z "$line" ]; then
        echo "$t: no Check summary (crashed?)"
        status=1
    else
        c=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
        f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
        e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
        checks=$((checks + c)) failures=$((failures + f)) errors=$((errors + e))
    fi
    [ "$status" -eq 0 ] || failed_suites+=("$t")
done
echo
echo "suites: $#, checks: $checks, failures: $failures, errors: $errors"
if [ ${#failed_suites[@]} -gt 0 ]; then
    echo "failed: ${failed_suites[*]}"
fi
echo "$((checks - failures - errors)) passed, $((failures + errors)) failed"
[ ${#failed_suites[@]} -eq 0 ]
