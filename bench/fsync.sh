#!/usr/bin/env bash
# fsync.sh — the disk's single-threaded fsync rate (4 KiB write + fsync, repeated), measured on
# the filesystem that holds the bench's run folders (bench/results by default), i.e. where
# acceptance.sh puts the gateway's queue. It delegates to the shared harness:
#     ../shared/bench/fsync-rate.sh   (relative to the project root)
# Knobs: FSYNC_SECONDS (5), FSYNC_MODE (rewrite | append), FSYNC_DIR (default bench/results),
#        SHARED_BENCH (folder holding fsync-rate.sh; default <project root>/../shared/bench).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
SHARED_BENCH="${SHARED_BENCH:-$ROOT/../shared/bench}"
[ -f "$SHARED_BENCH/fsync-rate.sh" ] || { echo "fsync.sh: $SHARED_BENCH/fsync-rate.sh not found (set SHARED_BENCH)" >&2; exit 2; }
export FSYNC_DIR="${FSYNC_DIR:-$HERE/results}"
mkdir -p "$FSYNC_DIR"
exec bash "$SHARED_BENCH/fsync-rate.sh" "$@"
