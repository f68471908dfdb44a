#!/usr/bin/env bash
# rspamd-client.sh — bench/rspamd-client.cs against the shared Rspamd and clamd of ../shared/bench (filters.sh, as
# compare.sh starts them, with scripts/tour-dns.sh for its DNS): Rampart's RspamdClient and HttpClient alternated,
# RUNS pairs at 50 checks in flight and one pair with one, a 4 KiB MIME message from mime-message.py.
#   bash bench/rspamd-client.sh            # RUNS=3
# Uses the bench ports (3310, 11332-11334, 5353): not while compare.sh, chain.sh or the tests run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
HERE="$(cd ../shared/bench && pwd)"
RUNS="${RUNS:-3}"
RUN="$(mktemp -d "${TMPDIR:-/tmp}/rspamd-client.XXXXXX")"
# What filters.sh expects from compare.sh.
PEERS="$HERE/.peers" NOTES="$RUN/notes.txt"
RSPAMD_WORKERS="$(nproc)" RSPAMD_MILTER=inet RSPAMD_HS_CACHE="$PEERS/rspamd-hs" RSPAMD_DNS=127.0.0.1:5353 CLAMD_CACHE=0
CLAMD_PORT=3310 RSPAMD_MILTER_PORT=11332 RSPAMD_NORMAL_PORT=11333 RSPAMD_CONTROLLER_PORT=11334
find_tool() { command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || true; }
CLAMD="$(find_tool clamd)" RSPAMD="$(find_tool rspamd)"
log() { echo "[rspamd-client $(date +%H:%M:%S)] $*" >&2; }
note() { echo "$*" >> "$NOTES"; log "note: $*"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_pid_gone() { local i; for ((i = 0; i < $2 * 10; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; return 1; }
# shellcheck source=../../shared/bench/filters.sh
source "$HERE/filters.sh"

setsid bash scripts/tour-dns.sh > "$RUN/tour-dns.log" 2>&1 &
DNS_PID=$!
trap 'stop_filters; kill -- -"$DNS_PID" 2>/dev/null || true; rm -rf "$RUN"' EXIT
python3 "$HERE/mime-message.py" 4096 > "$RUN/message.eml"
start_filters || { echo "rspamd-client.sh: the filters did not start" >&2; exit 1; }
dotnet build bench/rspamd-client.cs -nologo -v quiet >/dev/null
for n in $(seq 1 "$RUNS"); do
  for mode in rampart httpclient; do dotnet run --no-build bench/rspamd-client.cs -- "$mode" "$RUN/message.eml" 3000 50; done
done
for mode in rampart httpclient; do dotnet run --no-build bench/rspamd-client.cs -- "$mode" "$RUN/message.eml" 1000 1; done
