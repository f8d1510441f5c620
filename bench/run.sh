#!/usr/bin/env bash
# bench/run.sh: the engine of `make bench`. One run compares, side by side,
# on the article's network (784-128-64-10 sigmoid, squared error, plain SGD,
# one epoch over the 60,000 training images, the same initial weights and the
# same sample order for everyone):
#
# Batch 1, rate 0.1:
#   constnet  (a) the code generated from nets/mnist.lua, -O3 -march=native
#                 (as the Makefile builds it), driven through its typed API
#                 (bench/bench_constnet.c)
#   fann      (b) FANN 2.2.0, Debian's libfann-dev (bench/bench_fann.c)
#   naive     (c) the article's kind of plain C: heap matrices of runtime
#                 size, triple loops, -O2 (bench/bench_naive.c)
# and, apart, as a ceiling and not a competitor:
#   sgemm     (d) OpenBLAS cblas_sgemm on the 784x128 layer's shapes, at
#                 batch 1 and each mini-batch size
#                 (bench/bench_sgemm.c; BENCH_BLAS=0 leaves it out)
#   peak          the core's FMA peak, measured (bench/bench_peak.c)
#
# Mini-batches of BENCH_BATCHES (32, 64 and 128), the mean gradient, rate 1.0:
#   constnet  (e) generated with --batch B, driven through the stages of
#                 its header (mnistb_batch_train_stage: the forward pass,
#                 the input gradients, the weight gradients with SGD fused
#                 in) on OpenMP threads (bench/bench_constnet_batch.c),
#                 with --threads 1 and --threads BENCH_THREADS (2), and
#                 BENCH_THREADS models at once, one thread each, nothing
#                 shared (--copies: the ceiling of that many threads on
#                 this machine); it prints impl=constnet_b<B>_t<N> (_c<N>)
#                 ... and a second line, "stages s0=.. s1=.. other_s=..
#                 busy_s0_t0=..", the seconds of the epoch in each stage and
#                 each thread's own work in it
#   xcore         with BENCH_THREADS > 1, in every round: what moving data
#                 between two threads costs on this machine (a cache line's
#                 round trip, a barrier, 16 KiB read and written across the
#                 cores; bench/bench_xcore.c), next to each round's two-thread
#                 figures
#   torch     (f) PyTorch (Debian's python3-torch), nn.Linear + sigmoid +
#                 torch.optim.SGD, 1 thread and default threads
#                 (bench/bench_torch.py; BENCH_TORCH=0 leaves it out), started
#                 from the same weights and order, which bench/bench_dump.c
#                 writes out as raw files
#
# The unroll policy table: nets/mnist.lua and bench/small.lua (16-8-4)
# generated with --unroll full and --unroll loops: generation and compile
# time (-O3 -march=native), peak compiler memory, .text size, and training
# speed (bench/bench_constnet.c for MNIST, bench/bench_small.c on synthetic
# data for the small net). A compile that exceeds UNROLL_TIMEOUT seconds or
# UNROLL_MAX_MB of memory is killed and recorded as such. Also the time of
# generating and compiling nets/mnist.lua with the default policy.
#
# Every program above (except the ceilings) runs round-robin, BENCH_RUNS
# times each (default 3); the tables hold the medians. (a), (b) and (c) must
# reach the same test accuracy to within 0.1 percentage point, and so must
# (e) and (f) at each batch size, or the script prints a MISMATCH line and
# exits non-zero without touching bench/RESULTS.md; it does the same when
# constnet's accuracy (or its loss, where printed) differs between 1 and
# BENCH_THREADS threads, as the results must be identical. Otherwise it writes bench/RESULTS.md, whose Targets
# section states each target of issue 15 met or missed, and by how much, and
# copies in bench/BOUNDS.md (what bounds the batched kernels) when it exists.
# Everything built lands in bench/work/.
#
# The int8 rows: bench/q8.sh (nets/mnist.lua quantized: float and int8
# accuracy, size and speed; BENCH_Q8=0 leaves them out). The CNN rows:
# bench/cnn.sh (nets/mnist_cnn.lua against its PyTorch twin; BENCH_CNN=0
# leaves them out).
#
# Environment: BENCH_RUNS (3), BENCH_SEED (1), BENCH_BLAS (1), BENCH_TORCH (1), BENCH_Q8 (1), BENCH_CNN (1),
# BENCH_BATCHES ("32 64 128"; fewer for a quick run), BENCH_THREADS (2: the
# threads of constnet's multi-thread rows; 1 leaves those rows out),
# BENCH_UNROLL_TIMEOUT (150, seconds; lower it for a quick run), CC (cc), LUA (lua5.4), PYTHON (the first python3 that imports torch),
# MNIST_DIR (data/mnist). Installs libfann-dev (libopenblas-dev for (d),
# python3-torch for (f)) with apt-get when missing, as root or with sudo.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

RUNS=${BENCH_RUNS:-3}
SEED=${BENCH_SEED:-1}
BLAS=${BENCH_BLAS:-1}
TORCH=${BENCH_TORCH:-1}
CC=${CC:-cc}
LUA=${LUA:-lua5.4}
MNIST_DIR=${MNIST_DIR:-data/mnist}

SPEC=nets/mnist.lua
SMALL_SPEC=bench/small.lua
WORK=bench/work
RESULTS=bench/RESULTS.md
IMPLS=(constnet fann naive)
read -ra BATCHES <<<"${BENCH_BATCHES:-32 64 128}"
THREADS=${BENCH_THREADS:-2} # constnet's multi-thread rows
BOUNDS=bench/BOUNDS.md      # what bounds the batched kernels, written by hand
BATCH_RATE=1.0 # mini-batch SGD on the mean gradient, for constnet and PyTorch alike
CSTD=(-std=c11 -Wall -Wextra -Werror)
OPT_GEN=(-O3 -march=native) # (a), (e), the unroll table: as the Makefile builds generated code
OPT_PLAIN=(-O2)             # (c), as the article builds it; also the shared code
THREAD_FLAGS=(-fopenmp)    # (e): bench_constnet_batch runs the stages on OpenMP threads
TOLERANCE=0.1               # percentage points of test accuracy
UNROLL_TIMEOUT=${BENCH_UNROLL_TIMEOUT:-150} # seconds allowed to one compile of the unroll table
UNROLL_MAX_MB=4096          # memory allowed to it
DEFAULT_BUDGET=10           # seconds: generating + compiling mnist with the default policy
# Flops per training sample on the layer products: 2 per weight forward,
# 2 per weight for the weight gradient, 2 per weight for the input gradient of
# every layer but the first. The update (2 per weight per batch), biases and
# activations are left out.
W1=$((784 * 128)) W2=$((128 * 64)) W3=$((64 * 10))
FWD_FLOPS=$((2 * (W1 + W2 + W3)))
GRAD_FLOPS=$((2 * (W1 + W2 + W3)))
DX_FLOPS=$((2 * (W2 + W3)))
TRAIN_FLOPS=$((FWD_FLOPS + GRAD_FLOPS + DX_FLOPS))

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
[[ $TORCH == 0 || $TORCH == 1 ]] || die "BENCH_TORCH must be 0 or 1, not '$TORCH'"
[[ $UNROLL_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "BENCH_UNROLL_TIMEOUT must be a positive integer, not '$UNROLL_TIMEOUT'"
[[ $THREADS =~ ^[1-9][0-9]*$ ]] || die "BENCH_THREADS must be a positive integer, not '$THREADS'"
((${#BATCHES[@]} > 0)) || die "BENCH_BATCHES names no batch size"
for b in "${BATCHES[@]}"; do
    [[ $b =~ ^[1-9][0-9]*$ && $b -ge 2 ]] || die "BENCH_BATCHES: '$b' is not a batch size of at least 2"
done
[[ $(printf '%s\n' "${BATCHES[@]}" | sort -u | wc -l) -eq ${#BATCHES[@]} ]] ||
    die "BENCH_BATCHES names a batch size twice: ${BATCHES[*]}"
# constnet's thread counts: 1, and BENCH_THREADS unless that is 1
TLIST=(1)
if ((THREADS > 1)); then
    TLIST+=("$THREADS")
fi
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

# find_torch: set PY to a Python that imports torch and numpy.
PY=
torch_why="BENCH_TORCH=0"
find_torch() {
    local c
    for c in ${PYTHON:-} /usr/bin/python3 python3; do
        if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import torch, numpy' >/dev/null 2>&1; then
            PY=$c
            return 0
        fi
    done
    return 1
}
if [[ $TORCH == 1 ]]; then
    if ! find_torch; then
        apt_install python3-torch python3-numpy || true
        if ! find_torch; then
            torch_why="python3-torch could not be installed or imported"
            say "PyTorch: $torch_why: leaving out (f)"
            TORCH=0
        fi
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
# The shared code: bench/common.c, and the runtime's modules (main.c left out)
# in an archive, from which each program links the ones it calls.
"$CC" "${CSTD[@]}" "${OPT_PLAIN[@]}" -Iruntime -c bench/common.c -o "$WORK/obj/common.o"
rm -rf "$WORK/obj/rt" "$WORK/obj/libruntime.a"
mkdir -p "$WORK/obj/rt"
read -ra png_cflags <<<"$(pkg-config --cflags libpng 2>/dev/null || true)"
for f in runtime/*.c; do
    [[ $f == runtime/main.c ]] && continue
    "$CC" "${CSTD[@]}" "${OPT_PLAIN[@]}" "${THREAD_FLAGS[@]}" "${png_cflags[@]}" -Iruntime -c "$f" \
        -o "$WORK/obj/rt/$(basename "$f" .c).o"
done
ar rcs "$WORK/obj/libruntime.a" "$WORK/obj/rt"/*.o
shared=("$WORK/obj/common.o" "$WORK/obj/libruntime.a")
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
PEAK=1
if ! "$CC" "${CSTD[@]}" -O2 -march=native bench/bench_peak.c -o "$WORK/bin/bench_peak" 2>>"$WORK/peak-build.txt"; then
    say "bench_peak did not build (not x86?): no measured FMA peak"
    PEAK=0
fi

# What moving data between two threads costs, measured in every round next to
# the two-thread rows (bench_xcore.c).
XCORE=0
if ((THREADS > 1)); then
    if "$CC" "${CSTD[@]}" "${OPT_PLAIN[@]}" "${THREAD_FLAGS[@]}" -Iruntime -Ibench bench/bench_xcore.c "${shared[@]}" \
        -lz -lm -o "$WORK/bin/bench_xcore" 2>"$WORK/xcore-build.txt"; then
        XCORE=1
    else
        say "bench_xcore did not build ($WORK/xcore-build.txt): no cross-core costs"
    fi
fi

# (e): one generated net per batch size, all named mnistb.
for b in "${BATCHES[@]}"; do
    g=$WORK/gen_b$b
    "$LUA" gen/constnet.lua "$SPEC" --batch "$b" --name mnistb -q -o "$g" >&2
    [[ -f $g/mnistb.h && -f $g/mnistb.c ]] || die "$g: the generator wrote no mnistb.h/mnistb.c"
    "$CC" "${CSTD[@]}" "${OPT_GEN[@]}" "${THREAD_FLAGS[@]}" -c "$g/mnistb.c" -o "$WORK/obj/mnistb_b$b.o"
    "$CC" "${CSTD[@]}" "${OPT_GEN[@]}" "${THREAD_FLAGS[@]}" -Iruntime -Ibench -I"$g" bench/bench_constnet_batch.c \
        "$WORK/obj/mnistb_b$b.o" "${shared[@]}" -lz -lm -o "$WORK/bin/bench_constnet_b$b"
done
if [[ $TORCH == 1 ]]; then
    "$CC" "${CSTD[@]}" "${OPT_PLAIN[@]}" -Iruntime -Ibench bench/bench_dump.c "${shared[@]}" \
        -lz -lm -o "$WORK/bin/bench_dump"
    mkdir -p "$WORK/dump"
    say "writing the shared start for PyTorch into $WORK/dump"
    "$WORK/bin/bench_dump" --out "$WORK/dump" --data "$MNIST_DIR" --seed "$SEED" || die "bench_dump failed"
fi

# ---------------------------------------------------- unroll policy: builds

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# timed_compile LOG CMD...: run CMD under timeout UNROLL_TIMEOUT, sampling
# the memory of its process group every 0.1 s and killing it above
# UNROLL_MAX_MB. Sets tc_secs, tc_mb (peak RSS, MB) and tc_status (ok,
# timeout, memory or failed).
timed_compile() {
    local log=$1
    shift
    local t0 pid rc=0 rss peak=0 killed=0
    t0=$(now)
    timeout "$UNROLL_TIMEOUT" "$@" 2>>"$log" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        # timeout puts itself and the compiler in a process group of its own
        rss=$(ps -e -o pgid=,rss= 2>/dev/null | awk -v g="$pid" '$1 == g { s += $2 } END { print s + 0 }')
        ((rss > peak)) && peak=$rss
        if ((peak > UNROLL_MAX_MB * 1024)) && ((killed == 0)); then
            kill -TERM -- "-$pid" 2>/dev/null || true
            killed=1
        fi
        sleep 0.1
    done
    wait "$pid" || rc=$?
    tc_secs=$(secs "$t0" "$(now)")
    tc_mb=$((peak / 1024))
    if ((killed)); then
        tc_status=memory
    elif ((rc == 124)); then
        tc_status=timeout
    elif ((rc != 0)); then
        tc_status=failed
    else
        tc_status=ok
    fi
}

declare -A u_gen=() u_cc=() u_mb=() u_text=() u_status=() u_auto=()
UNROLL_IMPLS=()
ulog=$WORK/unroll-build.txt
: >"$ulog"
say "unroll policy: generating and compiling $SPEC and $SMALL_SPEC, full and loops (up to ${UNROLL_TIMEOUT} s each; log in $ulog)"
for net in small mnist; do
    case $net in
    small) spec=$SMALL_SPEC drv=bench/bench_small.c ;;
    mnist) spec=$SPEC drv=bench/bench_constnet.c ;;
    esac
    for pol in full loops auto; do
        d=$WORK/unroll/${net}_$pol
        rm -rf "$d"
        mkdir -p "$d"
        t0=$(now)
        # --max-c-mib 0: full unrolling of mnist is over the generator's limit
        # on generated C, and measuring it is the point here
        "$LUA" gen/constnet.lua "$spec" --unroll "$pol" --max-c-mib 0 -q -o "$d" >&2
        gen_secs=$(secs "$t0" "$(now)")
        [[ -f $d/$net.c ]] || die "$d: the generator wrote no $net.c"
        if [[ $pol == auto ]]; then
            # which policy auto chose, by comparing the generated code
            if cmp -s "$d/$net.c" "$WORK/unroll/${net}_full/$net.c"; then
                u_auto[$net]=full
            elif cmp -s "$d/$net.c" "$WORK/unroll/${net}_loops/$net.c"; then
                u_auto[$net]=loops
            else
                u_auto[$net]=mixed
            fi
            continue # timed below, as the default policy
        fi
        say "  $net, unroll=$pol: generated in $gen_secs s ($(wc -c <"$d/$net.c") bytes of C), compiling"
        printf '== %s unroll=%s\n' "$net" "$pol" >>"$ulog"
        timed_compile "$ulog" "$CC" "${CSTD[@]}" "${OPT_GEN[@]}" -c "$d/$net.c" -o "$d/$net.o"
        say "  $net, unroll=$pol: compile $tc_status after $tc_secs s, peak ${tc_mb} MB"
        u_gen[${net}_$pol]=$gen_secs
        u_cc[${net}_$pol]=$tc_secs
        u_mb[${net}_$pol]=$tc_mb
        u_status[${net}_$pol]=$tc_status
        [[ $tc_status == ok ]] || continue
        u_text[${net}_$pol]=$(size -A "$d/$net.o" | awk '$1 == ".text" { print $2 }')
        "$CC" "${CSTD[@]}" "${OPT_GEN[@]}" -Iruntime -Ibench -I"$d" "$drv" "$d/$net.o" "${shared[@]}" \
            -lz -lm -o "$d/bench"
        UNROLL_IMPLS+=("unroll_${net}_$pol")
    done
done

# ---------------------------------------------------------------------- run

declare -A cmd=() expect=()
for impl in "${IMPLS[@]}"; do
    cmd[$impl]="$WORK/bin/bench_$impl --data $MNIST_DIR --seed $SEED"
    expect[$impl]=$impl
done
BATCH_IMPLS=()
for b in "${BATCHES[@]}"; do
    for t in "${TLIST[@]}"; do
        i=constnet_b${b}_t$t
        BATCH_IMPLS+=("$i")
        cmd[$i]="$WORK/bin/bench_constnet_b$b --data $MNIST_DIR --seed $SEED --rate $BATCH_RATE --threads $t"
        expect[$i]=$i
    done
    if ((THREADS > 1)); then # the ceiling of THREADS threads: as many models at once, nothing shared
        i=constnet_b${b}_c$THREADS
        BATCH_IMPLS+=("$i")
        cmd[$i]="$WORK/bin/bench_constnet_b$b --data $MNIST_DIR --seed $SEED --rate $BATCH_RATE --copies $THREADS"
        expect[$i]=$i
    fi
    if [[ $TORCH == 1 ]]; then
        for t in 1 0; do
            i=torch_b${b}_t$t
            BATCH_IMPLS+=("$i")
            cmd[$i]="env -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS -u MKL_NUM_THREADS \
$PY bench/bench_torch.py --dir $WORK/dump --batch $b --threads $t --rate $BATCH_RATE"
            expect[$i]=$i
        done
    fi
done
for i in "${UNROLL_IMPLS[@]}"; do
    net=${i#unroll_}
    net=${net%_*}
    d=$WORK/unroll/${i#unroll_}
    case $net in
    small) cmd[$i]="$d/bench"; expect[$i]=small ;;
    mnist) cmd[$i]="$d/bench --data $MNIST_DIR --seed $SEED"; expect[$i]=constnet ;;
    esac
done
XCORE_IMPLS=()
if ((XCORE)); then
    XCORE_IMPLS=(xcore)
    cmd[xcore]="$WORK/bin/bench_xcore"
    expect[xcore]=xcore
fi
ALL=("${IMPLS[@]}" "${BATCH_IMPLS[@]}" "${UNROLL_IMPLS[@]}" "${XCORE_IMPLS[@]}")

declare -A val=() # val[impl.key]: the values of key over the runs, space-separated
raw=$WORK/runs.txt
log=$WORK/stderr.txt
: >"$raw"
: >"$log"
line_re='^impl=([a-z0-9_]+)(( [a-z_]+=[0-9.]+)+)$'
stages_re='^stages(( [a-z0-9_]+=-?[0-9.]+)+)$'
phase_notes=() # what was odd about the stages lines, for the warnings

say "$RUNS round(s) of ${#ALL[@]} programs, round-robin (details in $log):"
say "  ${ALL[*]}"
for ((r = 0; r < RUNS; r++)); do
    for ((k = 0; k < ${#ALL[@]}; k++)); do
        impl=${ALL[(k + r) % ${#ALL[@]}]} # each round starts with the next one
        printf '== round %d %s\n' "$((r + 1))" "$impl" >>"$log"
        # shellcheck disable=SC2086 # cmd holds a command line without quoted spaces
        if ! out=$(${cmd[$impl]} 2>>"$log"); then
            cat "$log" >&2
            die "$impl failed"
        fi
        # line 1: the figures; a constnet batch program may add line 2, its stages
        first=${out%%$'\n'*}
        rest=
        [[ $out == *$'\n'* ]] && rest=${out#*$'\n'}
        [[ $first =~ $line_re && ${BASH_REMATCH[1]} == "${expect[$impl]}" ]] || die "$impl printed '$out'"
        for kv in ${BASH_REMATCH[2]}; do
            val[$impl.${kv%%=*}]+="${kv#*=} "
        done
        if [[ -n $rest ]]; then
            if [[ $impl == constnet_b* && $rest =~ $stages_re ]]; then
                for kv in ${BASH_REMATCH[1]}; do
                    val[$impl.phase_${kv%%=*}]+="${kv#*=} "
                done
            else
                phase_notes+=("$impl: an unexpected second line '${rest//$'\n'/ | }', left out")
            fi
        fi
        while IFS= read -r l; do
            printf 'round %d: %s: %s\n' "$((r + 1))" "$impl" "$l"
        done <<<"$out" | tee -a "$raw" >&2
    done
done

blas_out=
if [[ $BLAS == 1 ]]; then
    say "(d) OpenBLAS sgemm ceiling, 1 thread"
    blas_out=$(OPENBLAS_NUM_THREADS=1 "$WORK/bin/bench_sgemm" 1 "${BATCHES[@]}" 2>>"$log") || die "bench_sgemm failed"
    printf '%s\n' "$blas_out" >&2
fi
peak_gflops=''
peak_isa=''
if [[ $PEAK == 1 ]]; then
    say "FMA peak, 1 thread"
    peak_out=$("$WORK/bin/bench_peak" 2>>"$log") || die "bench_peak failed"
    printf '%s\n' "$peak_out" >&2
    [[ $peak_out =~ isa=([a-z0-9-]+)\ bits=([0-9]+)\ gflops=([0-9.]+) ]] || die "bench_peak printed '$peak_out'"
    peak_isa="${BASH_REMATCH[1]}, ${BASH_REMATCH[2]}-bit vectors"
    peak_gflops=${BASH_REMATCH[3]}
fi

# The default policy: generate and compile mnist as `make` would, timed alone.
say "default policy: generating and compiling $SPEC"
d=$WORK/unroll/default
rm -rf "$d"
mkdir -p "$d"
t0=$(now)
"$LUA" gen/constnet.lua "$SPEC" -q -o "$d" >&2
"$CC" "${CSTD[@]}" "${OPT_GEN[@]}" -c "$d/mnist.c" -o "$d/mnist.o"
default_secs=$(secs "$t0" "$(now)")
say "default policy: $default_secs s"
rm -rf "$WORK/dump" # 220 MB, rewritten by every run

# ------------------------------------------------------------------ results

# median N...: the median of the numbers (the mean of the middle two if even).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# med IMPL KEY: the median of KEY over IMPL's runs.
med() {
    local -a v
    read -ra v <<<"${val[$1.$2]}"
    median "${v[@]}"
}

warnings=()
declare -A mtrain=() minfer=() macc=()
for impl in "${IMPLS[@]}" "${BATCH_IMPLS[@]}"; do
    mtrain[$impl]=$(med "$impl" train_sps)
    minfer[$impl]=$(med "$impl" infer_sps)
    macc[$impl]=$(med "$impl" acc)
    read -ra a <<<"${val[$impl.acc]}"
    if [[ $(printf '%s\n' "${a[@]}" | sort -u | wc -l) -ne 1 ]]; then
        warnings+=("$impl: the accuracy varied across runs (${a[*]}): the same seed should give the same run")
    fi
done
for impl in "${UNROLL_IMPLS[@]}"; do
    mtrain[$impl]=$(med "$impl" train_sps)
done

fmt() { awk -v x="$1" -v f="$2" 'BEGIN { printf f, x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
gflops() { awk -v s="$1" -v f="$2" 'BEGIN { printf "%.1f", s * f / 1e9 }'; }
# spread ACC...: the largest minus the smallest
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f", hi - lo }'; }
within() { awk -v s="$1" -v t="$TOLERANCE" 'BEGIN { print (s <= t + 1e-9) ? 1 : 0 }'; }

mismatches=()
spread=$(spread "${macc[constnet]}" "${macc[fann]}" "${macc[naive]}")
agree=$(within "$spread")
[[ $agree == 1 ]] || mismatches+=("batch 1: test accuracies constnet ${macc[constnet]}%, fann ${macc[fann]}%, naive ${macc[naive]}% span $spread points (tolerance $TOLERANCE)")
declare -A bspread=() bagree=()
for b in "${BATCHES[@]}"; do
    accs=()
    for impl in "${BATCH_IMPLS[@]}"; do
        [[ $impl == *_b${b} || $impl == *_b${b}_* ]] && accs+=("${macc[$impl]}")
    done
    bspread[$b]=$(spread "${accs[@]}")
    bagree[$b]=$(within "${bspread[$b]}")
    [[ ${bagree[$b]} == 1 ]] || mismatches+=("batch $b: test accuracies ${accs[*]} span ${bspread[$b]} points (tolerance $TOLERANCE)")
done
# same_runs IMPL... KEY: are KEY's values one and the same over every run of
# every IMPL? (0 when none printed KEY)
same_runs() {
    local key=${*: -1} i all=
    for i in "${@:1:$#-1}"; do
        all+=${val[$i.$key]:-}
    done
    [[ -n $all ]] || return 0
    local -a v
    read -ra v <<<"$all"
    [[ $(printf '%s\n' "${v[@]}" | sort -u | wc -l) -eq 1 ]]
}
# constnet at 1 and at BENCH_THREADS threads must compute the same bits: the
# same accuracy, and the same loss where the programs print it.
declare -A tsame=()
for b in "${BATCHES[@]}"; do
    ((THREADS > 1)) || continue
    t1=constnet_b${b}_t1 tn=constnet_b${b}_t$THREADS
    tsame[$b]=1
    for key in acc loss; do
        if ! same_runs "$t1" "$tn" "$key"; then
            tsame[$b]=0
            mismatches+=("batch $b: constnet's $key differs between 1 and $THREADS threads: ${val[$t1.$key]}against ${val[$tn.$key]}(they must be identical)")
        fi
    done
done

# Inference flops per sample: 2 per weight (multiply, add).
flops_per_sample=$((2 * (W1 + W2 + W3)))

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)
cores_per_socket=$(lscpu 2>/dev/null | sed -n 's/^Core(s) per socket:[[:space:]]*//p' | head -n1)
sockets=$(lscpu 2>/dev/null | sed -n 's/^Socket(s):[[:space:]]*//p' | head -n1)
cores=$((${cores_per_socket:-0} * ${sockets:-0}))
cpus=$(nproc 2>/dev/null || echo '?')
hyper=$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor:[[:space:]]*//p' | head -n1)
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo 'unknown'; }
settings="BENCH_RUNS=$RUNS BENCH_SEED=$SEED BENCH_BLAS=$BLAS BENCH_TORCH=$TORCH BENCH_BATCHES=\"${BATCHES[*]}\" BENCH_THREADS=$THREADS"
if [[ -n ${MAKELEVEL:-} ]]; then
    how="make bench, which ran: $settings bash bench/run.sh"
else
    how="$settings bash bench/run.sh"
fi

sgemm_at() { # sgemm_at OP BATCH: OpenBLAS's GFLOP/s for OP (forward, weight_grad) on layer 1
    [[ -n $blas_out ]] || return 0
    sed -n "s/.*op=$1 batch=$2 .*gflops=\([0-9.]*\).*/\1/p" <<<"$blas_out"
}
of_peak() { # of_peak GFLOPS [THREADS]: percent of the measured FMA peak (times THREADS)
    [[ -n $peak_gflops ]] || { printf 'n/a'; return; }
    awk -v g="$1" -v p="$peak_gflops" -v t="${2:-1}" 'BEGIN { printf "%.0f %%", 100 * g / (p * t) }'
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }

# The number of training images, from the header of MNIST's label file: the
# sample count of every epoch above, for the GFLOP/s of the stages.
n_train_images() {
    local f=$MNIST_DIR/train-labels-idx1-ubyte
    if [[ -f $f ]]; then
        head -c 8 "$f"
    else
        gzip -dc "$f.gz" 2>/dev/null | head -c 8 || true
    fi | od -An -tu1 | awk 'NF >= 8 { print (($5 * 256 + $6) * 256 + $7) * 256 + $8 }'
}
N_TRAIN=$(n_train_images)

# stage_notes B: what each stage of the batch-B net runs, one line each, from
# the comments of mnistb_batch_train_stage in the generated C
stage_notes() {
    sed -n 's|^    case \([0-9]*\): /\* \(.*\) \*/$|\2|p' "$WORK/gen_b$1/mnistb.c"
}

# The stages of constnet's batch programs: mphase[IMPL.KEY], the median
# seconds (s0, s1, ..., other_s, and stages_s: the stages together), for the
# programs that printed every stage of their net on every run.
declare -A mphase=()
PHASED=() # those programs
for impl in "${BATCH_IMPLS[@]}"; do
    [[ $impl == constnet_* ]] || continue
    b=${impl#constnet_b}
    b=${b%%_*}
    nst=$(stage_notes "$b" | wc -l)
    keys=(other_s)
    for ((q = 0; q < nst; q++)); do keys+=("s$q"); done
    full=0 any=0 # keys printed on every run, on some run
    for k in "${keys[@]}"; do
        read -ra a <<<"${val[$impl.phase_$k]:-}"
        ((${#a[@]} == RUNS)) && full=$((full + 1))
        ((${#a[@]} > 0)) && any=$((any + 1))
    done
    if ((nst > 0 && full == ${#keys[@]})) && [[ -n $N_TRAIN ]]; then
        PHASED+=("$impl")
        sum=0
        for k in "${keys[@]}"; do
            mphase[$impl.$k]=$(med "$impl" "phase_$k")
            [[ $k == other_s ]] || sum=$(awk -v a="$sum" -v b="${mphase[$impl.$k]}" 'BEGIN { print a + b }')
        done
        mphase[$impl.stages_s]=$sum
        nthr=1
        [[ $impl == *_t* ]] && nthr=${impl##*_t}
        for ((q = 0; q < nst; q++)); do # each thread's own work in the stage, where printed on every run
            for ((p = 0; p < nthr; p++)); do
                read -ra a <<<"${val[$impl.phase_busy_s${q}_t$p]:-}"
                ((${#a[@]} == RUNS)) && mphase[$impl.busy_s${q}_t$p]=$(med "$impl" "phase_busy_s${q}_t$p")
            done
        done
    elif ((any > 0)); then
        phase_notes+=("$impl: its stages line lacked one of ${keys[*]} on some run, or the training image count is unknown: no stage figures")
    fi
done
warnings+=("${phase_notes[@]}")
# phase_gflops IMPL KEY FLOPS: GFLOP/s of that stage over the epoch
phase_gflops() {
    awk -v n="$N_TRAIN" -v f="$3" -v t="${mphase[$1.$2]}" 'BEGIN { if (t > 0) printf "%.1f", n * f / t / 1e9; else printf "n/a" }'
}

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
    if [[ $TORCH == 1 ]]; then
        echo "- PyTorch: python3-torch $(pkgver python3-torch) ($("$PY" --version 2>&1), $PY), matrix products in libblas.so.3 = $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo '?')"
    else
        echo "- PyTorch: skipped ($torch_why)"
    fi
    if [[ -n $peak_gflops ]]; then
        echo "- FMA peak, measured (bench/bench_peak.c, 1 thread, $peak_isa): $peak_gflops GFLOP/s"
    fi
    echo
    echo "Task: 784-128-64-10 sigmoid, squared error, plain SGD with batch 1, rate 0.1"
    echo "(FANN: 0.2, as it leaves out the factor 2), one epoch over the 60,000 training"
    echo "images, then one pass over the 10,000 test images. Same initial weights (Glorot"
    echo "uniform, seed $SEED, biases 0) and the same sample order for all three; one thread."
    echo "Each program in this file ran $RUNS time(s), all of them round-robin in one loop;"
    echo "the tables show medians."
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
    echo "## Mini-batches: constnet and PyTorch"
    echo
    echo "The same network, start and sample order, one epoch in batches of B (the last"
    echo "batch holds the remainder: 60,000 = 468 x 128 + 96), the loss sum_j (a_j - t_j)^2"
    echo "summed over the outputs and averaged over the batch, plain SGD on that mean"
    echo "gradient at rate $BATCH_RATE for every batch size and both implementations."
    echo "constnet: generated with \`--batch B\` (${OPT_GEN[*]}), running the stages"
    echo "of its header once per batch (mnistb_batch_train_stage: the forward pass, the"
    echo "input gradients, the weight gradients with plain SGD fused in), as the trainer"
    echo "does (bench/bench_constnet_batch.c), with 1 thread$( ((THREADS > 1)) && echo " and with $THREADS (--threads $THREADS)"),"
    echo "each thread gathering its rows and taking its part of every stage (its rows,"
    echo "its columns of a layer, or a half of layer 1's inputs and its rows of w), a"
    echo "barrier before each stage$( ((THREADS > 1)) && echo "; and $THREADS models"
        ((THREADS > 1)) && echo "trained at once, one thread each, nothing shared but the training images"
        ((THREADS > 1)) && echo "(--copies $THREADS): what $THREADS cores of this machine give when no data moves"
        ((THREADS > 1)) && echo "between them, the ceiling of $THREADS threads on one model"). The training and"
    echo "test images are copied once into fresh memory before the clock starts."
    echo "PyTorch: torch.nn.Linear + sigmoid, torch.optim.SGD, eager mode, the weights"
    echo "copied in from the C side's init (bench/bench_dump.c, bench/bench_torch.py)."
    echo "Both time the gathering of each batch; inference runs over the test set in"
    echo "batches of B."
    echo
    echo "GFLOP/s counts the layer products only: per training sample 2 flops per weight"
    echo "forward, 2 per weight for the weight gradient and 2 per weight for the input"
    echo "gradient of layers 2 and 3 (layer 1 needs none): $TRAIN_FLOPS flops. Updates,"
    echo "biases and activations are left out."
    echo
    if [[ $TORCH == 0 ]]; then
        echo "PyTorch: skipped ($torch_why)."
        echo
    fi
    tn_col=
    ((THREADS > 1)) && tn_col=" constnet, $THREADS threads, is |"
    echo "| implementation | batch | threads | train samples/s | GFLOP/s | of FMA peak | constnet, 1 thread, is |$tn_col inference samples/s | test accuracy |"
    echo "| --- | ---: | --- | ---: | ---: | ---: | ---: |${tn_col:+ ---: |} ---: | ---: |"
    printf '| (a) constnet, batch 1, rate 0.1 (reference) | 1 | 1 | %s | %s | %s | |%s %s | %s %% |\n' \
        "$(fmt "${mtrain[constnet]}" '%.0f')" "$(gflops "${mtrain[constnet]}" "$TRAIN_FLOPS")" \
        "$(of_peak "$(gflops "${mtrain[constnet]}" "$TRAIN_FLOPS")")" "${tn_col:+ |}" \
        "$(fmt "${minfer[constnet]}" '%.0f')" "$(fmt "${macc[constnet]}" '%.2f')"
    for b in "${BATCHES[@]}"; do
        for impl in "${BATCH_IMPLS[@]}"; do
            [[ $impl == *_b${b}_* ]] || continue
            nthr=1
            case $impl in
            constnet_*_c*)
                what="(e) constnet, ${impl##*_c} models at once (the ceiling)"
                nthr=${impl##*_c}
                threads="${impl##*_c} x 1"
                ;;
            constnet_*)
                what="(e) constnet, generated C"
                nthr=${impl##*_t}
                threads=$nthr
                ;;
            torch_*_t1)
                what="(f) PyTorch"
                threads="1 (torch $(med "$impl" threads), OpenBLAS $(med "$impl" blas_threads))"
                ;;
            torch_*_t0)
                what="(f) PyTorch"
                threads="default (torch $(med "$impl" threads), OpenBLAS $(med "$impl" blas_threads))"
                ;;
            esac
            # constnet at each thread count over this row, blank against itself
            vs=
            for t in "${TLIST[@]}"; do
                c=constnet_b${b}_t$t
                if [[ $c == "$impl" ]]; then
                    vs+=" |"
                else
                    vs+=" $(ratio "${mtrain[$c]}" "${mtrain[$impl]}") |"
                fi
            done
            g=$(gflops "${mtrain[$impl]}" "$TRAIN_FLOPS")
            printf '| %s | %s | %s | %s | %s | %s |%s %s | %s %% |\n' "$what" "$b" "$threads" \
                "$(fmt "${mtrain[$impl]}" '%.0f')" "$g" "$(of_peak "$g" "$nthr")" "$vs" \
                "$(fmt "${minfer[$impl]}" '%.0f')" "$(fmt "${macc[$impl]}" '%.2f')"
        done
    done
    echo
    echo "\"constnet, N threads, is\": constnet's training samples/s at N threads over that"
    echo "row's, at the same batch size. The FMA peak of a row with N threads is N times"
    echo "the peak of one thread (PyTorch's rows: one thread's, whatever it used)."
    for b in "${BATCHES[@]}"; do
        if [[ ${bagree[$b]} == 1 ]]; then
            echo "Batch $b: the accuracies agree, spanning ${bspread[$b]} percentage points (tolerance $TOLERANCE)."
        else
            echo "Batch $b: MISMATCH: the accuracies span ${bspread[$b]} percentage points (tolerance $TOLERANCE)."
        fi
        if ((THREADS > 1)); then
            if [[ ${tsame[$b]} == 1 ]]; then
                echo "Batch $b: constnet at 1 and $THREADS threads: the same accuracy$([[ -n ${val[constnet_b${b}_t1.loss]:-} ]] && echo ' and loss') on every run."
            else
                echo "Batch $b: MISMATCH: constnet at 1 and $THREADS threads differs (it must not)."
            fi
        fi
    done
    echo
    echo "Ceilings for the GFLOP/s column, on one thread:"
    if [[ -n $peak_gflops ]]; then
        echo "- the FMA peak, measured: $peak_gflops GFLOP/s (bench/bench_peak.c: 16 independent"
        echo "  chains of fused multiply-adds, $peak_isa);"
    fi
    if [[ -n $blas_out ]]; then
        echo "- the practical peak on these shapes, OpenBLAS sgemm on layer 1's products"
        echo "  (section (d) below), forward and weight gradient: $(for b in "${BATCHES[@]}"; do
            printf 'batch %s: %s and %s GFLOP/s; ' "$b" "$(sgemm_at forward "$b")" "$(sgemm_at weight_grad "$b")"
        done | sed 's/; $//')."
    fi

    if ((${#PHASED[@]} > 0)); then
        echo
        echo "## Mini-batches: constnet's epoch by stage"
        echo
        echo "The seconds of the training epoch (medians over the runs) that constnet's batch"
        echo "program spends in each stage of mnistb_batch_train_stage (timed by thread 0 from"
        echo "the barrier before the stage to the barrier after it, so a stage's seconds"
        echo "include the wait for the slowest thread), and the rest (gathering the rows,"
        echo "the loss). \"busy\": the seconds each thread spent in the stage's own work"
        echo "(the stage's seconds less its wait at the barrier; with models at once, copy"
        echo "0's). What each stage runs is the comment the generator wrote for it."
        echo "GFLOP/s: the layer products of the epoch ($N_TRAIN samples, $TRAIN_FLOPS flops each)"
        echo "over the seconds of all the stages, and its share of the measured FMA peak"
        echo "times the threads."
        echo
        echo "| batch | threads | stage | what it runs | seconds | busy, each thread | share of the stages |"
        echo "| ---: | --- | ---: | --- | ---: | ---: | ---: |"
        for impl in "${PHASED[@]}"; do
            b=${impl#constnet_b}
            b=${b%%_*}
            if [[ $impl == *_c* ]]; then nthr="${impl##*_c} x 1"; else nthr=${impl##*_t}; fi
            q=0
            while IFS= read -r note; do
                busy=()
                for ((p = 0; p < ${nthr%% *}; p++)); do
                    [[ -n ${mphase[$impl.busy_s${q}_t$p]:-} ]] && busy+=("$(fmt "${mphase[$impl.busy_s${q}_t$p]}" '%.4f')")
                done
                busy_s=$(printf '%s / ' "${busy[@]}")
                printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$b" "$nthr" "$q" "$note" \
                    "$(fmt "${mphase[$impl.s$q]}" '%.4f')" "${busy_s% / }" \
                    "$(awk -v a="${mphase[$impl.s$q]}" -v t="${mphase[$impl.stages_s]}" 'BEGIN { printf "%.0f %%", 100 * a / t }')"
                q=$((q + 1))
            done < <(stage_notes "$b")
        done
        echo
        echo "| batch | threads | stages s | GFLOP/s | of peak | other s |"
        echo "| ---: | --- | ---: | ---: | ---: | ---: |"
        for impl in "${PHASED[@]}"; do
            [[ $impl == *_t* ]] || continue
            b=${impl#constnet_b}
            b=${b%%_*}
            nthr=${impl##*_t}
            g=$(phase_gflops "$impl" stages_s "$TRAIN_FLOPS")
            printf '| %s | %s | %s | %s | %s | %s |\n' "$b" "$nthr" "$(fmt "${mphase[$impl.stages_s]}" '%.3f')" "$g" \
                "$(of_peak "$g" "$nthr")" "$(fmt "${mphase[$impl.other_s]}" '%.3f')"
        done
    fi

    if ((XCORE)); then
        echo
        echo "## Two threads: what moving data between the cores costs"
        echo
        echo "bench/bench_xcore.c, run once in every round among the programs above: two"
        echo "OpenMP threads pass one cache line back and forth (its round trip), meet at"
        echo "an OpenMP barrier, and each writes a 16 KiB block of its own (the size of the"
        echo "row blocks and weight halves that move in a two-thread step at batch 64) that"
        echo "the other then reads. Writing a block the other core has read waits for that"
        echo "core to give up every line; the last column is the same write when no other"
        echo "core has read it. Next to each round: that round's two threads (and"
        echo "$THREADS models at once) over one thread."
        echo
        hdr="| round | round trip, ns | barrier, us | read what the other wrote, us | write what the other read, us | write, one core, us |"
        sep="| ---: | ---: | ---: | ---: | ---: | ---: |"
        for b in "${BATCHES[@]}"; do
            [[ -n ${val[constnet_b${b}_t$THREADS.train_sps]:-} ]] || continue
            hdr+=" batch $b: $THREADS threads / 1 ($THREADS models) |"
            sep+=" ---: |"
        done
        echo "$hdr"
        echo "$sep"
        xkeys=(round_trip_ns barrier_us read_us write_us local_us)
        declare -A xv=()
        for k in "${xkeys[@]}"; do
            read -ra a <<<"${val[xcore.$k]:-}"
            for ((r = 0; r < ${#a[@]}; r++)); do xv[$r.$k]=${a[$r]}; done
        done
        for ((r = 0; r < RUNS; r++)); do
            row="| $((r + 1)) |"
            for k in "${xkeys[@]}"; do row+=" ${xv[$r.$k]:-?} |"; done
            for b in "${BATCHES[@]}"; do
                [[ -n ${val[constnet_b${b}_t$THREADS.train_sps]:-} ]] || continue
                read -ra a1 <<<"${val[constnet_b${b}_t1.train_sps]}"
                read -ra an <<<"${val[constnet_b${b}_t$THREADS.train_sps]}"
                read -ra ac <<<"${val[constnet_b${b}_c$THREADS.train_sps]:-}"
                row+=" $(ratio "${an[$r]}" "${a1[$r]}") ($([[ -n ${ac[$r]:-} ]] && ratio "${ac[$r]}" "${a1[$r]}" || echo '?')) |"
            done
            echo "$row"
        done
        echo
        echo "In a two-thread step of mnist at batch 64 each thread writes about 150 KiB"
        echo "that the other core has read since (bench/BOUNDS.md lists them), and passes"
        echo "4 barriers."
    fi

    echo
    echo "## Targets"
    echo
    echo "Issue 15's targets, from the medians above. Each figure stands next to the"
    echo "ceiling it is measured against; \"needs\" is how much faster it has to get."
    echo
    # target LABEL VALUE GOAL UNIT CONTEXT: one line, met or missed by how much
    target() {
        awk -v l="$1" -v v="$2" -v g="$3" -v u="$4" -v c="$5" 'BEGIN {
            s = (u == "x") ? sprintf("%.2fx", v) : sprintf("%.1f %%", v)
            t = (u == "x") ? sprintf("%gx", g) : sprintf("%g %%", g)
            if (c != "") s = s " (" c ")"
            if (v >= g) printf "- %s: %s; target %s: met\n", l, s, t
            else if (u == "x") printf "- %s: %s; target %s: missed by %.2fx (needs %.2fx)\n", l, s, t, g - v, g / v
            else printf "- %s: %s; target %s: missed by %.1f points (needs %.2fx)\n", l, s, t, g - v, g / v }'
    }
    for b in "${BATCHES[@]}"; do
        c1=constnet_b${b}_t1
        if [[ -n $peak_gflops ]]; then
            g=$(gflops "${mtrain[$c1]}" "$TRAIN_FLOPS")
            ctx="$g GFLOP/s on the layer products over the whole epoch, of the measured FMA peak $peak_gflops GFLOP/s"
            if [[ -n ${mphase[$c1.stages_s]:-} ]]; then
                gp=$(phase_gflops "$c1" stages_s "$TRAIN_FLOPS")
                ctx+="; the products alone: $gp GFLOP/s, $(of_peak "$gp")"
            fi
            if [[ -n $blas_out ]]; then
                ctx+="; OpenBLAS sgemm on layer 1: $(sgemm_at forward "$b") forward, $(sgemm_at weight_grad "$b") weight gradient"
            fi
            target "batch $b, 1 thread: share of the FMA peak" \
                "$(awk -v s="${mtrain[$c1]}" -v f="$TRAIN_FLOPS" -v p="$peak_gflops" 'BEGIN { print 100 * s * f / 1e9 / p }')" \
                70 "%" "$ctx"
        fi
    done
    [[ -n $peak_gflops ]] || echo "- share of the FMA peak: not measured (bench_peak did not build)"
    for t in 1 0; do
        what=$([[ $t == 1 ]] && echo "1 thread" || echo "default threads")
        if [[ $TORCH == 0 ]]; then
            echo "- constnet over PyTorch ($what): not measured, PyTorch skipped ($torch_why)"
            continue
        fi
        for b in "${BATCHES[@]}"; do
            c1=constnet_b${b}_t1 tt=torch_b${b}_t$t
            target "batch $b: constnet (1 thread) over PyTorch ($what)" "$(div "${mtrain[$c1]}" "${mtrain[$tt]}")" 1.5 x \
                "$(fmt "${mtrain[$c1]}" '%.0f') against $(fmt "${mtrain[$tt]}" '%.0f') samples/s"
        done
    done
    if ((THREADS > 1)); then
        xcore_ctx=
        if ((XCORE)); then
            xcore_ctx="; bound by moving data between the cores: a cache line's round trip $(fmt "$(med xcore round_trip_ns)" '%.0f') ns, writing 16 KiB the other core has read $(fmt "$(med xcore write_us)" '%.2f') us against $(fmt "$(med xcore local_us)" '%.2f') us within one (medians of bench_xcore)"
        fi
        for b in "${BATCHES[@]}"; do
            [[ $b == 64 || $b == 128 ]] || continue
            c1=constnet_b${b}_t1 cn=constnet_b${b}_t$THREADS cc=constnet_b${b}_c$THREADS
            target "batch $b: constnet $THREADS threads over 1 thread" "$(div "${mtrain[$cn]}" "${mtrain[$c1]}")" 1.8 x \
                "$(fmt "${mtrain[$cn]}" '%.0f') against $(fmt "${mtrain[$c1]}" '%.0f') samples/s; ceiling on this machine: $THREADS models at once, nothing shared, $(fmt "${mtrain[$cc]}" '%.0f') samples/s, $(ratio "${mtrain[$cc]}" "${mtrain[$c1]}") one thread$xcore_ctx"
        done
        same_at=() diff_at=()
        for b in "${BATCHES[@]}"; do
            if [[ ${tsame[$b]} == 1 ]]; then same_at+=("$b"); else diff_at+=("$b"); fi
        done
        if ((${#diff_at[@]} == 0)); then
            echo "- constnet at 1 and $THREADS threads, identical results (accuracy, and loss where printed), batch ${BATCHES[*]}: met"
        else
            echo "- constnet at 1 and $THREADS threads, identical results (accuracy, and loss where printed): missed at batch ${diff_at[*]}"
        fi
    else
        echo "- two threads: not measured (BENCH_THREADS=1)"
    fi
    target "batch 1 training: constnet over FANN" "$(div "${mtrain[constnet]}" "${mtrain[fann]}")" 20 x \
        "$(fmt "${mtrain[constnet]}" '%.0f') against $(fmt "${mtrain[fann]}" '%.0f') samples/s"
    target "batch 1 inference: constnet over FANN" "$(div "${minfer[constnet]}" "${minfer[fann]}")" 20 x \
        "$(fmt "${minfer[constnet]}" '%.0f') against $(fmt "${minfer[fann]}" '%.0f') samples/s"
    if [[ -n $blas_out ]]; then
        echo
        echo "The OpenBLAS sgemm ceiling on layer 1's shapes, 1 thread (section (d)):"
        for b in "${BATCHES[@]}"; do
            f=$(sgemm_at forward "$b") w=$(sgemm_at weight_grad "$b")
            echo "- batch $b: forward $f GFLOP/s ($(of_peak "$f")), weight gradient $w GFLOP/s ($(of_peak "$w"))"
        done
    fi
    echo
    if [[ -f $BOUNDS ]]; then
        cat "$BOUNDS"
    else
        echo "($BOUNDS, what bounds the batched kernels, is missing.)"
    fi
    echo
    echo "## Unroll policy: full or loops"
    echo
    echo "Each net generated with \`--unroll full\` and with \`--unroll loops\`, then compiled"
    echo "alone with \`$CC ${CSTD[*]} ${OPT_GEN[*]} -c\`. Wall seconds; peak memory of the"
    echo "compiler, sampled every 0.1 s; the object's .text (size -A). A compile that takes"
    echo "over $UNROLL_TIMEOUT s or $UNROLL_MAX_MB MB is killed. Training: $SPEC one epoch at"
    echo "batch 1 (bench/bench_constnet.c), $SMALL_SPEC on synthetic data, 4,000,000 steps"
    echo "of batch 1 (bench/bench_small.c); medians over the $RUNS round-robin runs."
    echo
    echo "| net | unroll | generate s | compile s | compiler peak MB | .text bytes | train samples/s |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    for net in small mnist; do
        for pol in full loops; do
            k=${net}_$pol
            case ${u_status[$k]} in
            ok) cc_cell=${u_cc[$k]} text=${u_text[$k]} sps=$(fmt "${mtrain[unroll_$k]}" '%.0f') ;;
            timeout) cc_cell="killed at ${u_cc[$k]}" text="not built" sps="skipped: compile over $UNROLL_TIMEOUT s" ;;
            memory) cc_cell="killed at ${u_cc[$k]}" text="not built" sps="skipped: compiler over $UNROLL_MAX_MB MB" ;;
            *) cc_cell="failed after ${u_cc[$k]}" text="not built" sps="skipped: compile failed" ;;
            esac
            case $net in
            small) label="$SMALL_SPEC (16-8-4)" ;;
            mnist) label="$SPEC (784-128-64-10)" ;;
            esac
            printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$pol" "${u_gen[$k]}" "$cc_cell" \
                "${u_mb[$k]}" "$text" "$sps"
        done
    done
    echo
    max_w=$(sed -n "s/^K.UNROLL_MAX_WEIGHTS = \([0-9]*\).*/\1/p" gen/layers/dense.lua)
    echo "The default policy (auto: a layer of at most ${max_w:-?} weights is unrolled, per gen/layers/dense.lua) gives"
    echo "byte for byte the \`${u_auto[small]}\` code for $SMALL_SPEC and the \`${u_auto[mnist]}\` code for $SPEC."
    echo "Generating and compiling $SPEC with it (\`$LUA gen/constnet.lua $SPEC\` then the"
    printf 'compile above) took %s s (budget %s s: %s).\n' "$default_secs" "$DEFAULT_BUDGET" \
        "$(awk -v s="$default_secs" -v b="$DEFAULT_BUDGET" 'BEGIN { print (s < b) ? "within" : "OVER BUDGET" }')"
    if [[ ${u_status[small_full]} == ok && ${u_status[small_loops]} == ok ]]; then
        lf=$(med unroll_small_full loss)
        ll=$(med unroll_small_loops loss)
        echo "Mean training loss of $SMALL_SPEC: full $lf, loops $ll$([[ $lf == "$ll" ]] && echo ' (the same)')."
    fi

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
        echo "the GFLOP/s above. Batch 1 is the shape (a), (b) and (c) work at."
        echo
        echo "| op | batch | m | n | k | GFLOP/s |"
        echo "| --- | ---: | ---: | ---: | ---: | ---: |"
        while read -r l; do
            [[ $l =~ op=([a-z_]+)\ batch=([0-9]+)\ m=([0-9]+)\ n=([0-9]+)\ k=([0-9]+)\ gflops=([0-9.]+) ]] || continue
            printf '| %s | %s | %s | %s | %s | %s |\n' "${BASH_REMATCH[@]:1:6}"
        done <<<"$blas_out"
    fi
    echo
    if [[ ${BENCH_Q8:-1} == 1 ]]; then
        CC="$CC" LUA="$LUA" MNIST_DIR="$MNIST_DIR" bash bench/q8.sh
    fi
    if [[ ${BENCH_CNN:-1} == 1 ]]; then
        CC="$CC" LUA="$LUA" PYTHON="${PYTHON:-/usr/bin/python3}" MNIST_DIR="$MNIST_DIR" BENCH_RUNS="$RUNS" bash bench/cnn.sh
    fi
} >"$report"

cat "$report"
for w in "${warnings[@]}"; do
    say "warning: $w"
done
if ((${#mismatches[@]} > 0)); then
    for m in "${mismatches[@]}"; do
        printf 'MISMATCH: %s\n' "$m" >&2
    done
    printf 'MISMATCH: %s left as it was\n' "$RESULTS" >&2
    exit 1
fi
cp "$report" "$RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS"
say "wrote $RESULTS"
