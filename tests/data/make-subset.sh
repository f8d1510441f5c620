#!/usr/bin/env bash
# make-subset.sh SRC_DIR: rebuild the committed MNIST subset in tests/data/.
#
# SRC_DIR holds the four raw MNIST files (e.g. data/mnist, as fetched by
# scripts/fetch-mnist.sh). Writes, next to this script:
#   train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz   first 1000 items
#   t10k-images-idx3-ubyte.gz,  t10k-labels-idx1-ubyte.gz    first 500 items
# Each output is an IDX file whose count field says exactly how many items it
# holds, compressed with `gzip -n -9` (no name, no timestamp), so the same
# source and the same gzip give the same bytes.
set -euo pipefail

die() { printf 'make-subset: error: %s\n' "$*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: make-subset.sh SRC_DIR"
src=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sums=$here/../../scripts/mnist.sha256

# The subset must come from the real files: check them against the known sums.
if [[ -f $sums ]]; then
    while read -r want name; do
        [[ -f $src/$name ]] || die "$src/$name: missing"
        got=$(sha256sum "$src/$name" | cut -d' ' -f1)
        [[ $got == "$want" ]] || die "$src/$name: sha256 is $got, expected $want"
    done <"$sums"
fi

# Byte i.. of a file as unsigned decimals.
bytes() { od -An -tu1 -v -j "$2" -N "$3" "$1" | tr -s ' \n' ' '; }

# subset NAME N: first N items of SRC/NAME into HERE/NAME.gz
subset() {
    local name=$1 n=$2 in=$src/$1 out=$here/$1.gz
    local -a hdr
    read -r -a hdr <<<"$(bytes "$in" 0 4)"
    [[ ${hdr[0]} -eq 0 && ${hdr[1]} -eq 0 && ${hdr[2]} -eq 8 ]] || die "$in: not an unsigned-byte IDX file"
    local ndim=${hdr[3]}
    local -a d
    read -r -a d <<<"$(bytes "$in" 4 $((4 * ndim)))"
    local count=$(( (d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3] ))
    local item=1 i
    for ((i = 1; i < ndim; i++)); do
        item=$(( item * ((d[4*i] << 24) | (d[4*i+1] << 16) | (d[4*i+2] << 8) | d[4*i+3]) ))
    done
    (( n <= count )) || die "$in: holds $count items, $n requested"
    local hdrlen=$(( 4 + 4 * ndim ))
    local tmp=$out.tmp
    {
        head -c 4 "$in"
        printf '%b' "$(printf '\\0%03o' $(( (n >> 24) & 255 )) $(( (n >> 16) & 255 )) $(( (n >> 8) & 255 )) $(( n & 255 )))"
        head -c "$hdrlen" "$in" | tail -c +9
        head -c $(( hdrlen + n * item )) "$in" | tail -c +$(( hdrlen + 1 ))
    } | gzip -n -9 >"$tmp"
    mv -f "$tmp" "$out"
    printf 'make-subset: %s: %d of %d items\n' "$out" "$n" "$count"
}

subset train-images-idx3-ubyte 1000
subset train-labels-idx1-ubyte 1000
subset t10k-images-idx3-ubyte 500
subset t10k-labels-idx1-ubyte 500
