#!/bin/sh
# scripts/mnist-folders.sh OUT [NTRAIN [NTEST]]: the committed MNIST subset
# (tests/data) as a folder of image folders, the layout `--data DIR` reads:
# OUT/train/<digit>/NNNN.pgm (the first NTRAIN training images, default 1000)
# and OUT/test/<digit>/NNNN.pgm (the first NTEST test images, default 500),
# 28x28 binary PGMs. An example of your own pictures sorted into folders.
# Needs only POSIX sh, gzip, od, split, paste, head and tail.
set -eu

out=${1:?usage: sh scripts/mnist-folders.sh OUT [NTRAIN [NTEST]]}
ntrain=${2:-1000}
ntest=${3:-500}
data=$(cd "$(dirname "$0")/.." && pwd)/tests/data
case $ntrain$ntest in *[!0-9]*) echo "mnist-folders: error: NTRAIN and NTEST must be numbers" >&2; exit 1 ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'P5\n28 28\n255\n' >"$tmp/head"
for part in "train train $ntrain" "test t10k $ntest"; do
    set -- $part
    for d in 0 1 2 3 4 5 6 7 8 9; do mkdir -p "$out/$1/$d"; done
    # the pixels of the first N images, one 784-byte file each, beside their labels
    gzip -dc "$data/$2-images-idx3-ubyte.gz" | tail -c +17 | head -c $(($3 * 784)) |
        (cd "$tmp" && split -b 784 -a 5 - img.)
    ls "$tmp" | grep '^img\.' >"$tmp/list"
    gzip -dc "$data/$2-labels-idx1-ubyte.gz" | tail -c +9 | head -c "$3" | od -An -tu1 -v -w1 |
        paste -d ' ' - "$tmp/list" >"$tmp/pairs"
    k=0
    while read -r label f; do
        cat "$tmp/head" "$tmp/$f" >"$out/$1/$label/$(printf %04d $k).pgm"
        k=$((k + 1))
    done <"$tmp/pairs"
    rm -f "$tmp"/img.*
done
echo "mnist-folders: $ntrain training and $ntest test images in $out/train/<digit>/ and $out/test/<digit>/"
