#!/bin/sh
# Checks out Yjs 13.6.31 with lib0 0.2.117 beside it, for the optional Yjs reference of `tandem-bench codec` and
# `tandem-bench doc` (Benchmarks/yjs_reference.mjs). Nothing is installed and nothing is committed: the checkout goes
# into a git-ignored folder (default .yjs/ at the repository root).
#
#   Benchmarks/yjs_setup.sh YJS_GIT LIB0_GIT [DEST]
#
# YJS_GIT and LIB0_GIT are git repositories or URLs holding yjs/yjs and dmonad/lib0 (bare mirrors work, e.g.
# https://github.com/yjs/yjs.git and https://github.com/dmonad/lib0.git). Afterwards:
#
#   TANDEM_YJS=$PWD/.yjs/yjs .build/release/tandem-bench --suite codec,doc
#
# Override the versions with YJS_REF / LIB0_REF (a tag or a commit).
set -eu
if [ $# -lt 2 ]; then
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
yjs_git=$1
lib0_git=$2
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${3:-$root/.yjs}
yjs_ref=${YJS_REF:-v13.6.31}
lib0_ref=${LIB0_REF:-v0.2.117}

# Exports `ref` of repository $1 (a path or URL) into the empty folder $3.
checkout() {
    case $1 in
        http*://*|git@*)
            tmp=$(mktemp -d)
            git clone --quiet --bare --filter=blob:none "$1" "$tmp/repo.git"
            git --git-dir="$tmp/repo.git" archive "$2" | tar -x -C "$3"
            rm -rf "$tmp" ;;
        *)
            if [ -d "$1/.git" ]; then gitdir=$1/.git; else gitdir=$1; fi
            git --git-dir="$gitdir" archive "$2" | tar -x -C "$3" ;;
    esac
}

rm -rf "$dest/yjs" "$dest/lib0"
mkdir -p "$dest/yjs" "$dest/lib0"
checkout "$yjs_git" "$yjs_ref" "$dest/yjs"
checkout "$lib0_git" "$lib0_ref" "$dest/lib0"
# Yjs's sources import 'lib0/…'; Node resolves that from yjs/node_modules/lib0 through lib0's package.json exports.
mkdir -p "$dest/yjs/node_modules"
ln -sfn ../../lib0 "$dest/yjs/node_modules/lib0"
echo "Yjs $(sed -n 's/^ *"version": "\(.*\)",$/\1/p' "$dest/yjs/package.json" | head -1) with lib0 $(sed -n 's/^ *"version": "\(.*\)",$/\1/p' "$dest/lib0/package.json" | head -1) in $dest"
echo "export TANDEM_YJS=$dest/yjs"
