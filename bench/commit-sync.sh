#!/usr/bin/env bash
# commit-sync.sh — what making one spool commit durable costs on the file system that holds the bench's run folders
# (bench/results: where relay.sh and acceptance.sh put the gateway's queue), by three ways of doing it; the C program
# bench/commit-sync.c does each commit as the gateway does (overwrite a spare, rename it into active/) and times it.
#
#   syncfs  syncfs(2) over the spool: what Rampart does (SyncBarrier), for one message or for a group
#   file    fsync(2) of the message's file after the rename: durable for the rename too only where the file system
#           journals it (ext4 with its journal, XFS, btrfs); not enough on ext4 without a journal
#   dirs    fsync of the file, then of active/ and spare/: what a file system without a journal needs
#
# each with DIRTY KiB appended to a log file before every commit (0 4 64 by default): a gateway's log and tracking
# database dirty the same file system between two commits, and syncfs flushes them too. ROUNDS (3) rounds of COMMITS
# (2000) commits each, the ways alternated; prints p50 / p90 / p99 in microseconds with the spread over rounds.
# COMMIT_DIR measures on another file system instead (the one that will hold a gateway's data folder).
# Needs a C compiler (cc: clang or gcc). Run from anywhere: bash bench/commit-sync.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS="${ROUNDS:-3}"
COMMITS="${COMMITS:-2000}"
DIRTY="${DIRTY:-0 4 64}"
BASE="${COMMIT_DIR:-$PWD/bench/results}"
mkdir -p "$BASE"
WORK="$(mktemp -d "$BASE/commit-sync.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cc -O2 -o "$WORK/commit-sync" bench/commit-sync.c

source_dev="$(findmnt -no SOURCE -T "$WORK" 2>/dev/null || true)"
fstype="$(findmnt -no FSTYPE -T "$WORK" 2>/dev/null || echo unknown)"
journal=""
if [ "$fstype" = ext4 ] && [ -n "$source_dev" ]; then
  if ls -d "/proc/fs/jbd2/$(basename "$source_dev")"-* >/dev/null 2>&1; then journal=" (with a journal)"; else journal=" (without a journal)"; fi
fi
echo "file system: $fstype$journal on ${source_dev:-?}, $COMMITS commits per round, $ROUNDS rounds"

declare -A results
for round in $(seq 1 "$ROUNDS"); do
  for dirty in $DIRTY; do
    for mode in 0 1 2; do
      run="$WORK/run-$round-$dirty-$mode"
      mkdir "$run"
      results["$dirty $mode"]+="$("$WORK/commit-sync" "$run" "$mode" "$COMMITS" "$dirty");"
      rm -rf "$run"
    done
  done
done

names=(syncfs file dirs)
echo
echo "| KiB dirtied between commits | way | p50 µs | p90 µs | p99 µs |"
echo "|---:|---|---:|---:|---:|"
for dirty in $DIRTY; do
  for mode in 0 1 2; do
    # Each column as "lowest-highest" over the rounds.
    echo "${results["$dirty $mode"]}" | tr ';' '\n' | awk -v d="$dirty" -v w="${names[$mode]}" '
      NF == 3 { for (i = 1; i <= 3; i++) { if (n == 0 || $i < lo[i]) lo[i] = $i; if (n == 0 || $i > hi[i]) hi[i] = $i } n++ }
      END { printf "| %s | %s | %d-%d | %d-%d | %d-%d |\n", d, w, lo[1], hi[1], lo[2], hi[2], lo[3], hi[3] }'
  done
done
