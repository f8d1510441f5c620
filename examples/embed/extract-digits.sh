#!/bin/sh
# extract-digits.sh [IMAGES [LABELS [OUTDIR [N [FIRST]]]]]: cut N test digits
# (default 10, from index FIRST, default 0) out of an MNIST IDX image file, raw
# or gzipped, as 28x28 binary PGMs OUTDIR/NNNN-L.pgm (L is the true label, from
# LABELS). Defaults: the committed subset ../../tests/data/t10k-*-ubyte.gz and
# OUTDIR digits. Needs only POSIX sh, od, awk, dd and gzip.
set -eu

images=${1:-../../tests/data/t10k-images-idx3-ubyte.gz}
labels=${2:-../../tests/data/t10k-labels-idx1-ubyte.gz}
outdir=${3:-digits}
n=${4:-10}
first=${5:-0}

die() { printf '%s\n' "$*" >&2; exit 1; }

# cat the file, decompressed when it is gzip (magic 1f 8b)
raw() {
    [ -r "$1" ] || die "$1: error: cannot read"
    if [ "$(od -An -tx1 -N2 "$1" | tr -d ' \n')" = 1f8b ]; then gzip -dc "$1"; else cat "$1"; fi
}
# the big-endian u32 at byte offset $2 of file $1
u32() { od -An -tu1 -j "$2" -N4 "$1" | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }'; }

case $n$first in *[!0-9]*) die "extract-digits: error: N and FIRST must be numbers" ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
raw "$images" >"$tmp/images"
raw "$labels" >"$tmp/labels"

[ "$(od -An -tx1 -N4 "$tmp/images" | tr -d ' \n')" = 00000803 ] || die "$images: error: not an IDX image file (magic is not 00 00 08 03)"
[ "$(od -An -tx1 -N4 "$tmp/labels" | tr -d ' \n')" = 00000801 ] || die "$labels: error: not an IDX label file (magic is not 00 00 08 01)"
count=$(u32 "$tmp/images" 4)
rows=$(u32 "$tmp/images" 8)
cols=$(u32 "$tmp/images" 12)
[ "$rows" = 28 ] && [ "$cols" = 28 ] || die "$images: error: images are ${rows}x${cols}, expected 28x28"
[ "$(u32 "$tmp/labels" 4)" = "$count" ] || die "$labels: error: label count differs from $images"
[ $((first + n)) -le "$count" ] || die "$images: error: has $count images, asked for $first..$((first + n - 1))"
[ "$(wc -c <"$tmp/images")" -ge $((16 + (first + n) * 784)) ] || die "$images: error: truncated"

mkdir -p "$outdir"
k=$first
while [ "$k" -lt $((first + n)) ]; do
    label=$(od -An -tu1 -j $((8 + k)) -N1 "$tmp/labels" | tr -d ' \n')
    out=$(printf '%s/%04d-%s.pgm' "$outdir" "$k" "$label")
    { printf 'P5\n28 28\n255\n'
      dd if="$tmp/images" bs=1 skip=$((16 + k * 784)) count=784 2>/dev/null; } >"$out.tmp"
    mv "$out.tmp" "$out"
    printf '%s\n' "$out"
    k=$((k + 1))
done
