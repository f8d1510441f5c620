#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS]: build the libFuzzer targets in fuzz/ and run each.
#
#   SECONDS       time per target (default: $FUZZ_SECONDS, else 60)
#   CC            clang with libFuzzer (default: clang)
#   FUZZ_TARGETS  targets to run (default: "fuzz_idx fuzz_model fuzz_cli fuzz_csv")
#
# Per target: build out/fuzz/<target> (ASan + UBSan + libFuzzer; the runtime
# sources are compiled with the same flags), replay every file under
# fuzz/regressions/<target>/, then fuzz a fresh copy of fuzz/corpus/<target>/
# in out/fuzz/corpus-<target>/ (the committed corpus is never written to).
# Prints the number of executions per target. Exits non-zero if any target
# crashed, leaked, hung or ran out of memory; the input that did it is kept in
# out/fuzz/ and named in the output. Logs: out/fuzz/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-${FUZZ_SECONDS:-60}}
case "$secs" in
    '' | *[!0-9]*) echo "fuzz: error: SECONDS must be a whole number, got '$secs'" >&2; exit 2 ;;
esac
CC=${CC:-clang}
# `make` exports CC=cc by default; libFuzzer needs clang.
case "$("$CC" --version 2>/dev/null | head -n 1)" in
    *clang*) ;;
    *) CC=clang ;;
esac
read -r -a targets <<< "${FUZZ_TARGETS:-fuzz_idx fuzz_model fuzz_cli fuzz_csv}"

out=out/fuzz
mkdir -p "$out/obj"

if ! command -v "$CC" >/dev/null 2>&1; then
    echo "fuzz: error: $CC not found; install it with: apt-get install -y clang libclang-rt-14-dev" >&2
    exit 1
fi

san=("-fsanitize=address,undefined" -fno-sanitize-recover=all -fno-omit-frame-pointer)
cflags=(-std=c11 -Wall -Wextra -Werror -O1 -g -Iruntime "${san[@]}")

# ---- build ----------------------------------------------------------------
rt_objs=()
for src in runtime/err.c runtime/idx.c runtime/model.c runtime/cli.c runtime/atomic.c runtime/data.c \
           runtime/rng.c runtime/csv.c; do
    obj="$out/obj/$(basename "${src%.c}").o"
    "$CC" "${cflags[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
    rt_objs+=("$obj")
done
for t in "${targets[@]}"; do
    if [ ! -f "fuzz/$t.c" ]; then
        echo "fuzz: error: no such target fuzz/$t.c" >&2
        exit 2
    fi
    if ! "$CC" "${cflags[@]}" -fsanitize=fuzzer "fuzz/$t.c" "${rt_objs[@]}" -lz -lm -o "$out/$t"; then
        echo "fuzz: error: cannot build $t (libFuzzer missing? apt-get install -y clang libclang-rt-14-dev)" >&2
        exit 1
    fi
done

# ---- run ------------------------------------------------------------------
# The targets write scratch files per input: keep them on tmpfs when there is
# one, in a directory removed on exit even when a target dies.
shm=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && shm=/dev/shm
scratch=$(mktemp -d "$shm/constnet-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export TMPDIR="$scratch"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
limits=(-rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=30)

failed=()
for t in "${targets[@]}"; do
    log="$out/$t.log"
    : > "$log"
    dict=()
    [ -f "fuzz/$t.dict" ] && dict=("-dict=fuzz/$t.dict")

    # Regressions: each committed input must now pass.
    regs=()
    if [ -d "fuzz/regressions/$t" ]; then
        while IFS= read -r -d '' f; do regs+=("$f"); done \
            < <(find "fuzz/regressions/$t" -type f ! -name '*.md' -print0 | sort -z)
    fi
    if [ ${#regs[@]} -gt 0 ]; then
        if ! "$out/$t" "${limits[@]}" "${regs[@]}" >> "$log" 2>&1; then
            bad=$(grep -o 'Running: .*' "$log" | tail -n 1 | sed 's/^Running: //')
            echo "$t: FAIL: regression input ${bad:-?} crashes (see $log)"
            grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz_[a-z]+: invariant)' "$log" | head -n 5 || true
            failed+=("$t")
            continue
        fi
        echo "$t: ${#regs[@]} regression input(s) pass"
    fi

    corpus="$out/corpus-$t"
    rm -rf "$corpus"
    mkdir -p "$corpus"
    cp "fuzz/corpus/$t"/* "$corpus/"

    status=0
    "$out/$t" "${limits[@]}" "${dict[@]}" -max_total_time="$secs" -print_final_stats=1 \
        -artifact_prefix="$out/$t-" "$corpus" >> "$log" 2>&1 || status=$?

    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    units=$(find "$corpus" -type f | wc -l)
    if [ "$status" -ne 0 ]; then
        artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
        echo "$t: FAIL after ${execs:-?} executions (exit $status): input ${artifact:-not saved} (see $log)"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz_[a-z]+: invariant)' "$log" | head -n 5 || true
        failed+=("$t")
    else
        echo "$t: ${execs:-?} executions in ${secs} s, corpus $units files, no crash"
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz: all ${#targets[@]} targets clean"
