#!/usr/bin/env bash
# tests/run.sh SUITE...: run each Check suite, keep going after a failure,
# then total the results. Exits non-zero if any suite failed.
#
# Each suite's results are counted from the TAP log Check writes for it
# (CK_TAP_LOG_FILE_NAME): one "ok" or "not ok" line per test. The log holds
# that suite's own tests only (testutil's tu_sh keeps nested suites, such as
# the ones test_props runs, from writing there), so the totals stay right
# when a suite prints other suites' summaries, failed ones included.
set -u
export CONSTNET_ROOT="${CONSTNET_ROOT:-$PWD}"
export UNROLL_GEN_DIR CONSTNET_TEST_DIR
failed_suites=()
checks=0 failures=0
for t in "$@"; do
    CONSTNET_TEST_DIR=$(dirname "$t")
    UNROLL_GEN_DIR=$CONSTNET_TEST_DIR/gen
    echo "== $t"
    tap=$(mktemp)
    CK_TAP_LOG_FILE_NAME=$tap "./$t" 2>&1
    status=$?
    if ! grep -qE '^1\.\.[0-9]+$' "$tap"; then
        echo "$t: no Check results (crashed?)"
        status=1
    else
        c=$(grep -cE '^(not )?ok [0-9]+' "$tap")
        f=$(grep -cE '^not ok [0-9]+' "$tap")
        checks=$((checks + c)) failures=$((failures + f))
    fi
    rm -f "$tap"
    [ "$status" -eq 0 ] || failed_suites+=("$t")
done
echo
echo "suites: $#, checks: $checks, failed checks (failures and errors): $failures"
if [ ${#failed_suites[@]} -gt 0 ]; then
    echo "failed: ${failed_suites[*]}"
fi
echo "$((checks - failures)) passed, $failures failed"
[ ${#failed_suites[@]} -eq 0 ]
