#!/usr/bin/env bash
# scripts/deps.sh [EXTRA_PACKAGE...]: install missing Debian build dependencies.
# Runs apt-get when root or when sudo works without a password; otherwise
# names the missing packages and fails.
set -euo pipefail

pkgs=(lua5.4 lua-penlight lua-argparse check pkg-config zlib1g-dev libpng-dev gcc make "$@")

if ! command -v dpkg-query >/dev/null 2>&1; then
    # Not Debian: check for the tools themselves and say what is needed.
    if command -v lua5.4 >/dev/null && lua5.4 -e 'require "pl.template"; require "argparse"' 2>/dev/null \
        && pkg-config --exists check zlib libpng 2>/dev/null; then
        exit 0
    fi
    echo "deps: error: need Lua 5.4 with Penlight and argparse, Check, zlib, libpng and pkg-config" >&2
    exit 1
fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
    apt_get=(apt-get)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    apt_get=(sudo apt-get)
else
    echo "deps: error: missing packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${apt_get[@]}" update -qq >/dev/null || ! "${apt_get[@]}" install -y -qq "${missing[@]}" >/dev/null; then
    echo "deps: error: apt-get could not install: ${missing[*]}" >&2
    exit 1
fi
