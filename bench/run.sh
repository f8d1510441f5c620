#!/usr/bin/env bash
# bench/run.sh: the engine of `make bench`. One run compares, side by side,
# on the article's network (784-128-64-10 sigmoid, squared error, plain SGD
# with batch 1, rate 0.1, one epoch over the 60,000 training images, the same
# initial weights and the same sample order for everyone):
#   constnet  (a) the code generated from nets/mnist.lua, -O2 -march=native,
#                 driven through its typed API (bench/bench_constnet.c)
#   fann      (b) FANN 2.2.0, Debian's libfann-dev (bench/bench_fann.c)
#   naive     (c) the article's kind of plain C: heap matrices of runtime
#                 size, triple loops, -O2 (bench/bench_naive.c)
# and, apart, as a ceiling and not a competitor:
#   sgemm     (d) OpenBLAS cblas_sgemm on the 784x128 layer's shapes
#                 (bench/bench_sgemm.c; BENCH_BLAS=0 leaves it out)
#
# The three implementations run round-robin, BENCH_RUNS times each (default
# 3); the table holds the medians. They must reach the same test accuracy to
# within 0.1 percentage point, or the script prints a MISMATCH line and exits
# non-zero without touching bench/RESULTS.md. Otherwise it writes
# bench/RESULTS.md. Everything built lands in bench/work/.
#
# Environment: BENCH_RUNS (3), BENCH_SEED (1), BENCH_BLAS (1), CC (cc),
# LUA (lua5.4), MNIST_DIR (data/mnist). Installs libfann-dev (and
# libopenblas-dev for (d)) with apt-get when missing, as root or with sudo.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

RUNS=${BENCH_RUNS:-3}
SEED=${BENCH_SEED:-1}
BLAS=${BENCH_BLAS:-1}
CC=${CC:-cc}
LUA=${LUA:-lua5.4}
MNIST_DIR=${MNIST_DIR:-data/mnist}

SPEC=nets/mnist.lua
WORK=bench/work
RESULTS=bench/RESULTS.md
IMPLS=(constnet fann naive)
CSTD=(-std=c11 -Wall -Wextra -Werror)
OPT_GEN=(-O2 -march=native) # (a), as the Makefile builds generated code
OPT_PLAIN=(-O2)             # (c), as the article builds it; also the shared code
TOLERANCE=0.1               # percentage points of test accuracy

die() {
    printf 'bench: error: %s\n' "$*" >&2
    exit 1
}

say() {
    printf 'bench: %s\n' "$*" >&2
}

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, not '$RUNS'"
[[ $SEED =~ ^[0-9]+$ ]] || die "BENCH_SEED must be a non-negative integer, not '$SEED'"
[[ $BLAS == 0 || $BLAS == 1 ]] || die "BENCH_BLAS must be 0 or 1, not '$BLAS'"
command -v "$CC" >/dev/null || die "no C compiler '$CC' (set CC, or run make deps)"
command -v "$LUA" >/dev/null || die "no Lua interpreter '$LUA' (set LUA, or run make deps)"

# --------------------------------------------------------------- dependencies

# has_header HEADER: can $CC include it?
has_header() {
    printf '#include <%s>\n' "$1" | "$CC" -E -x c - >/dev/null 2>&1
}

# apt_install PACKAGE...: install with apt-get, as root or through sudo.
apt_install() {
    local -a sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || return 1
        sudo=(sudo)
    fi
    command -v apt-get >/dev/null || return 1
    say "installing $*"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get install -y --no-install-recommends "$@" >&2 ||
        { "${sudo[@]}" apt-get update >&2 && "${sudo[@]}" apt-get install -y --no-install-recommends "$@" >&2; }
}

has_header zlib.h || apt_install zlib1g-dev || die "zlib.h missing and zlib1g-dev could not be installed"
has_header floatfann.h || apt_install libfann-dev || die "floatfann.h missing and libfann-dev could not be installed"
has_header floatfann.h || die "floatfann.h still missing after installing libfann-dev"
if [[ $BLAS == 1 ]] && ! has_header cblas.h; then
    apt_install libopenblas-dev || true
    if ! has_header cblas.h; then
        say "cblas.h missing and libopenblas-dev could not be installed: leaving out (d)"
        BLAS=0
    fi
fi

# --------------------------------------------------------------------- data

mnist_ok() {
    local n
    for n in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        [[ -f $MNIST_DIR/$n || -f $MNIST_DIR/$n.gz ]] || return 1
    done
}
if ! mnist_ok; then
    [[ -f scripts/fetch-mnist.sh ]] || die "$MNIST_DIR: MNIST missing (run make data)"
    bash scripts/fetch-mnist.sh "$MNIST_DIR"
    mnist_ok || die "$MNIST_DIR: MNIST still missing"
fi

# -------------------------------------------------------------------- build

mkdir -p "$WORK/gen" "$WORK/obj" "$WORK/bin"
say "generating $SPEC into $WORK/gen"
"$LUA" gen/constnet.lua "$SPEC" -o "$WORK/gen" >&2
[[ -f $WORK/gen/mnist.h && -f $WORK/gen/mnist.c ]] || die "$WORK/gen: the generator wrote no mnist.h/mnist.c"

say "building with $CC"
shared=()
for f in runtime/err.c runtime/idx.c runtime/rng.c bench/common.c; do
    o=$WORK/obj/$(basename "$f" .c).o
    "$CC" "${CSTD[@]}" "${OPT_PLAIN[@]}" -Iruntime -c "$f" -o "$o"
    shared+=("$o")
done
"$CC" "${CSTD[@]}" "${OPT_GEN[@]}" -c "$WORK/gen/mnist.c" -o "$WORK/obj/mnist.o"
"$CC" "${CSTD[@]}" "${OPT_GEN[@]}" -Iruntime -Ibench -I"$WORK/gen" -c bench/bench_constnet.c \
    -o "$WORK/obj/bench_constnet.o"
"$CC" "$WORK/obj/bench_constnet.o" "$WORK/obj/mnist.o" "${shared[@]}" -lz -lm -o "$WORK/bin/bench_constnet"
"$CC" "${CSTD[@]}" "${OPT_PLAIN[@]}" -Iruntime -Ibench bench/bench_fann.c "${shared[@]}" \
    -lfloatfann -lz -lm -o "$WORK/bin/bench_fann"
"$CC" "${CSTD[@]}" "${OPT_PLAIN[@]}" -Iruntime -Ibench bench/bench_naive.c "${shared[@]}" \
    -lz -lm -o "$WORK/bin/bench_naive"
if [[ $BLAS == 1 ]]; then
    if ! "$CC" "${CSTD[@]}" "${OPT_PLAIN[@]}" bench/bench_sgemm.c -lopenblas -o "$WORK/bin/bench_sgemm"; then
        say "bench_sgemm did not build: leaving out (d)"
        BLAS=0
    fi
fi

# ---------------------------------------------------------------------- run

declare -A train=() infer=() acc=()
raw=$WORK/runs.txt
log=$WORK/stderr.txt
: >"$raw"
: >"$log"
line_re='^impl=([a-z]+) train_sps=([0-9]+) infer_sps=([0-9]+) acc=([0-9]+\.[0-9]+)$'

say "$RUNS round(s) of ${IMPLS[*]}, round-robin, one epoch each (details in $log)"
for ((r = 0; r < RUNS; r++)); do
    for ((k = 0; k < ${#IMPLS[@]}; k++)); do
        impl=${IMPLS[(k + r) % ${#IMPLS[@]}]} # each round starts with the next one
        printf '== round %d %s\n' "$((r + 1))" "$impl" >>"$log"
        if ! out=$("$WORK/bin/bench_$impl" --data "$MNIST_DIR" --seed "$SEED" 2>>"$log"); then
            cat "$log" >&2
            die "bench_$impl failed"
        fi
        [[ $out =~ $line_re && ${BASH_REMATCH[1]} == "$impl" ]] || die "bench_$impl printed '$out'"
        train[$impl]+="${BASH_REMATCH[2]} "
        infer[$impl]+="${BASH_REMATCH[3]} "
        acc[$impl]+="${BASH_REMATCH[4]} "
        printf 'round %d: %s\n' "$((r + 1))" "$out" | tee -a "$raw" >&2
    done
done

blas_out=
if [[ $BLAS == 1 ]]; then
    say "(d) OpenBLAS sgemm ceiling, 1 thread"
    blas_out=$(OPENBLAS_NUM_THREADS=1 "$WORK/bin/bench_sgemm" 2>>"$log") || die "bench_sgemm failed"
    printf '%s\n' "$blas_out" >&2
fi

# ------------------------------------------------------------------ results

# median N...: the median of the numbers (the mean of the middle two if even).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A mtrain=() minfer=() macc=()
warnings=()
for impl in "${IMPLS[@]}"; do
    read -ra t <<<"${train[$impl]}"
    read -ra i <<<"${infer[$impl]}"
    read -ra a <<<"${acc[$impl]}"
    mtrain[$impl]=$(median "${t[@]}")
    minfer[$impl]=$(median "${i[@]}")
    macc[$impl]=$(median "${a[@]}")
    if [[ $(printf '%s\n' "${a[@]}" | sort -u | wc -l) -ne 1 ]]; then
        warnings+=("$impl: the accuracy varied across runs (${a[*]}): the same seed should give the same run")
    fi
done

fmt() { awk -v x="$1" -v f="$2" 'BEGIN { printf f, x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

spread=$(awk -v a="${macc[constnet]}" -v b="${macc[fann]}" -v c="${macc[naive]}" 'BEGIN {
    lo = a; hi = a; if (b < lo) lo = b; if (c < lo) lo = c; if (b > hi) hi = b; if (c > hi) hi = c
    printf "%.2f", hi - lo }')
agree=$(awk -v s="$spread" -v t="$TOLERANCE" 'BEGIN { print (s <= t + 1e-9) ? 1 : 0 }')

# Inference flops per sample: 2 per weight (multiply, add).
flops_per_sample=$(awk 'BEGIN { print 2 * (784 * 128 + 128 * 64 + 64 * 10) }')

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)
cores_per_socket=$(lscpu 2>/dev/null | sed -n 's/^Core(s) per socket:[[:space:]]*//p' | head -n1)
sockets=$(lscpu 2>/dev/null | sed -n 's/^Socket(s):[[:space:]]*//p' | head -n1)
cores=$((${cores_per_socket:-0} * ${sockets:-0}))
cpus=$(nproc 2>/dev/null || echo '?')
hyper=$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor:[[:space:]]*//p' | head -n1)
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo 'unknown'; }
if [[ -n ${MAKELEVEL:-} ]]; then
    how="make bench, which ran: BENCH_RUNS=$RUNS BENCH_SEED=$SEED BENCH_BLAS=$BLAS bash bench/run.sh"
else
    how="BENCH_RUNS=$RUNS BENCH_SEED=$SEED BENCH_BLAS=$BLAS bash bench/run.sh"
fi

report=$WORK/RESULTS.md
{
    echo "# constnet benchmark: one epoch of MNIST, side by side"
    echo
    echo "Written by \`bench/run.sh\`; do not edit by hand."
    echo
    echo "- Command: \`$how\`"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- Machine: ${cpu:-unknown CPU}, $cores cores ($cpus CPUs online)${hyper:+, $hyper guest}, Linux $(uname -r)"
    echo "- Compiler: $("$CC" --version | head -n1) (CC=$CC)"
    echo "- Generator: $("$LUA" -v 2>&1 | awk 'NR == 1 { print $1, $2 }'), $SPEC"
    echo "- FANN: libfann-dev $(pkgver libfann-dev) (float build, libfloatfann)"
    echo
    echo "Task: 784-128-64-10 sigmoid, squared error, plain SGD with batch 1, rate 0.1"
    echo "(FANN: 0.2, as it leaves out the factor 2), one epoch over the 60,000 training"
    echo "images, then one pass over the 10,000 test images. Same initial weights (Glorot"
    echo "uniform, seed $SEED, biases 0) and the same sample order for all three; one thread."
    echo "Each implementation ran $RUNS time(s), round-robin; the table shows medians."
    echo
    echo "| implementation | build | train samples/s | vs FANN | inference samples/s | vs FANN | test accuracy |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    for impl in "${IMPLS[@]}"; do
        case $impl in
        constnet) what="(a) constnet, generated C"; build="${OPT_GEN[*]}" ;;
        fann) what="(b) FANN 2.2.0, fann_train"; build="Debian package" ;;
        naive) what="(c) plain C, runtime-sized matrices"; build="${OPT_PLAIN[*]}" ;;
        esac
        printf '| %s | %s | %s | %s | %s | %s | %s %% |\n' "$what" "$build" \
            "$(fmt "${mtrain[$impl]}" '%.0f')" "$(ratio "${mtrain[$impl]}" "${mtrain[fann]}")" \
            "$(fmt "${minfer[$impl]}" '%.0f')" "$(ratio "${minfer[$impl]}" "${minfer[fann]}")" \
            "$(fmt "${macc[$impl]}" '%.2f')"
    done
    echo
    if [[ $agree == 1 ]]; then
        echo "Accuracies agree: they span $spread percentage points (tolerance $TOLERANCE)."
    else
        echo "MISMATCH: accuracies span $spread percentage points (tolerance $TOLERANCE)."
    fi
    for w in "${warnings[@]}"; do
        echo
        echo "Warning: $w"
    done
    echo
    echo "FANN's sigmoid derivative clips the activation into [0.01, 0.99] before"
    echo "computing a(1 - a), so its updates differ slightly from those of the other two,"
    echo "which compute the same formulas (up to the order of float additions); that is"
    echo "why FANN's accuracy can differ in the last digits."
    echo
    echo "Inference in GFLOP/s (2 flops per weight, $flops_per_sample per sample):"
    for impl in "${IMPLS[@]}"; do
        printf -- '- %s: %s GFLOP/s\n' "$impl" \
            "$(awk -v s="${minfer[$impl]}" -v f="$flops_per_sample" 'BEGIN { printf "%.2f", s * f / 1e9 }')"
    done
    echo
    echo "## Every run"
    echo
    echo '```'
    cat "$raw"
    echo '```'
    if [[ -n $blas_out ]]; then
        echo
        echo "## (d) Ceiling, not a competitor: OpenBLAS sgemm"
        echo
        echo "libopenblas-dev $(pkgver libopenblas-dev), one thread (OPENBLAS_NUM_THREADS=1), on"
        echo "the first layer's shapes: forward is X[B x 784] W[784 x 128], weight_grad is"
        echo "X^T[784 x B] D[B x 128]. No training happens here: these figures only show what"
        echo "this machine's best matrix product reaches on this layer, for comparison with"
        echo "the GFLOP/s above. Batch 1 is the shape all three implementations above work at."
        echo
        echo "| op | batch | m | n | k | GFLOP/s |"
        echo "| --- | ---: | ---: | ---: | ---: | ---: |"
        while read -r l; do
            [[ $l =~ op=([a-z_]+)\ batch=([0-9]+)\ m=([0-9]+)\ n=([0-9]+)\ k=([0-9]+)\ gflops=([0-9.]+) ]] || continue
            printf '| %s | %s | %s | %s | %s | %s |\n' "${BASH_REMATCH[@]:1:6}"
        done <<<"$blas_out"
    fi
} >"$report"

cat "$report"
for w in "${warnings[@]}"; do
    say "warning: $w"
done
if [[ $agree != 1 ]]; then
    printf 'MISMATCH: test accuracies constnet %s%%, fann %s%%, naive %s%% span %s points (tolerance %s); %s left as it was\n' \
        "${macc[constnet]}" "${macc[fann]}" "${macc[naive]}" "$spread" "$TOLERANCE" "$RESULTS" >&2
    exit 1
fi
cp "$report" "$RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS"
say "wrote $RESULTS"
