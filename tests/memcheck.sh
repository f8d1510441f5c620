#!/usr/bin/env bash
# tests/memcheck.sh: the trainer under valgrind memcheck, on the committed
# MNIST subset: train, eval, predict (good and bad files), export and quantize must
# report no memory errors and no leaks. Built -O1 -g without -march=native,
# so that valgrind knows every instruction.
set -euo pipefail
cd "$(dirname "$0")/.."
LUA=${LUA:-lua5.4}
CC=${CC:-cc}
dir=out/memcheck
mkdir -p "$dir"
"$LUA" gen/constnet.lua -q nets/mnist.lua -o "$dir"
# shellcheck disable=SC2046
$CC -std=c11 -Wall -Wextra -Werror -O1 -g -DCONSTNET_RUNTIME -Iruntime -I"$dir" \
    $(pkg-config --cflags libpng) runtime/*.c "$dir/mnist.c" \
    $(pkg-config --libs libpng) -lz -lm -o "$dir/mnist"

vg=(valgrind --quiet --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'P2\n2 2\n255\n0 255 255 0\n' >"$tmp/tiny.pgm"
printf 'not an image' >"$tmp/bad.png"

run() {
    local name=$1 want=$2
    shift 2
    local status=0
    "${vg[@]}" "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
    if [ "$status" -ne "$want" ]; then
        echo "memcheck: $name: exit status $status, want $want (99: valgrind found errors)"
        cat "$tmp/err"
        failed=$((failed + 1))
        return 0
    fi
    echo "memcheck: $name: clean"
    passed=$((passed + 1))
}

m="$dir/mnist"
passed=0 failed=0
run train 0 "$m" --data tests/data --epochs 1 --save "$tmp/m.model" --csv "$tmp/t.csv" \
    --gallery "$tmp/g.png"
run eval 0 "$m" eval --data tests/data --load "$tmp/m.model"
run predict 1 "$m" predict --load "$tmp/m.model" --show "$tmp/tiny.pgm" "$tmp/bad.png"
run export 0 "$m" export --load "$tmp/m.model" -o "$tmp/w.c"
run quantize 0 "$m" quantize --data tests/data --load "$tmp/m.model" --calibration 100 -o "$tmp/q8.lua"
run quantize-bad 1 "$m" quantize --data tests/data --load "$tmp/t.csv"
run bad-model 1 "$m" eval --data tests/data --load "$tmp/t.csv"
run predictions 0 "$m" eval --data tests/data --load "$tmp/m.model" --no-gallery --predictions "$tmp/p.csv"
run bad-output 1 "$m" --data tests/data --epochs 1 --no-csv --save "$tmp/no/such/m.model"

# own data: a CSV table with normalization and class names, and a bad one
"$LUA" gen/constnet.lua -q nets/iris.lua -o "$dir"
$CC -std=c11 -Wall -Wextra -Werror -O1 -g -DCONSTNET_RUNTIME -Iruntime -I"$dir" \
    $(pkg-config --cflags libpng) runtime/*.c "$dir/iris.c" \
    $(pkg-config --libs libpng) -lz -lm -o "$dir/iris"
i="$dir/iris"
printf '5.1,3.5,1.4,0.2,setosa\n4.9,3.0,abc,0.2,setosa\n' >"$tmp/bad.csv"
run csv-train 0 "$i" --data tests/data/iris.csv --epochs 2 --save "$tmp/i.model" --csv "$tmp/i.csv"
run csv-eval 0 "$i" eval --data tests/data/iris.csv --load "$tmp/i.model"
run csv-predict 0 "$i" predict --load "$tmp/i.model" tests/data/iris.csv
run csv-export 0 "$i" export --load "$tmp/i.model" -o "$tmp/iris_weights.c"
run csv-bad 1 "$i" --data "$tmp/bad.csv" --no-save
run bad-flag 2 "$m" --frobnicate
echo "memcheck: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
