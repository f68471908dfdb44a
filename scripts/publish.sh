#!/usr/bin/env bash
# Publishes the program as it is installed (the Debian package's /usr/lib/rampart) and as the benchmarks measure it,
# into OUTPUT_DIR; run it as OUTPUT_DIR/Rampart.
#
#   bash scripts/publish.sh OUTPUT_DIR
#
# Self-contained for linux-x64 and compiled ahead of time to one native executable (NativeAOT; SQLite's library beside
# it): no JIT compiler runs, so a fresh start relays at close to full speed from its first messages. Measured with
# bench/relay.sh (4 KiB x 50 sessions): the first 3,000 messages after a start at 73-95 % of the warm runs' rate
# (89-102 % of the next 3,000 in the same process), against 58-63 % for the ReadyToRun build this replaced (whose hot
# methods the JIT compiled again while mail waited), and about a tenth less CPU per message warm (docs/performance.md,
# "Issue 15, third round"). Costs about two minutes of compiling. Needs the .NET SDK, clang (the native linker;
# scripts/install-test-deps.sh installs it) and the NuGet feed (or a warm package cache) for the linux-x64 runtime pack
# and the ILCompiler package.
# The sources are copied first: the linux-x64 restore never touches the tree's bin/ and obj/, which a build or a test
# run may be using at the same time.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: publish.sh OUTPUT_DIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
stage=$(mktemp -d "${TMPDIR:-/tmp}/rampart-publish.XXXXXX")
trap 'rm -rf "$stage"' EXIT
tar -cf - --exclude=bin --exclude=obj src Directory.Build.props Directory.Packages.props global.json $(ls .editorconfig 2>/dev/null) \
    | tar -xf - -C "$stage"
dotnet publish "$stage/src/Rampart/Rampart.csproj" -c Release -r linux-x64 --self-contained true -nologo -v quiet \
    -p:PublishAot=true \
    -p:DebugType=none -p:DebugSymbols=false -p:SatelliteResourceLanguages=en -o "$out"
