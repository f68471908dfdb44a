#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need (idempotent), builds once, runs every
# test project, and ends with the totals alone on the last line: "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh || { echo "installing test dependencies failed"; echo "0 passed, 1 failed"; exit 1; }

results=".ci/results"
rm -rf "$results"
mkdir -p "$results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! dotnet build Rampart.slnx -c Release -nologo -v quiet; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# The installed build (scripts/publish.sh: one native executable, compiled ahead of time), compiled once here: the
# process tests run it (RAMPART_PUBLISHED, see tests/Rampart.Testing.Gateway/RampartProcess.cs) and the Debian package
# test packs it. What a customer runs is what the tests exercise.
published=".ci/published"
rm -rf "$published"
if ! bash scripts/publish.sh "$published" > "$results/publish.log" 2>&1; then
  cat "$results/publish.log"
  echo "publish failed"
  echo "0 passed, 1 failed"
  exit 1
fi
export RAMPART_PUBLISHED="$PWD/$published"

# Each test project writes its own TRX; the totals below are read from them, not from console text.
dotnet test Rampart.slnx -c Release --no-build -nologo \
  --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 5m -- RunConfiguration.TestSessionTimeout=3600000
status=$?

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed); e=$(get error)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done
if [ "$files" -eq 0 ]; then failed=$((failed + 1)); echo "no test results were written"; fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "dotnet test exited with $status"; fi

# The RFC 7208 suite's pass count (Policy.Tests Spf/Rfc7208ConformanceTests), read from its test's output.
grep -ho 'RFC 7208 suite: [0-9]* of [0-9]* passed' "$results"/*.trx 2>/dev/null | head -n 1

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
