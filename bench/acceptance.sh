#!/usr/bin/env bash
# acceptance.sh — Rampart's own acceptance benchmark: how fast the gateway durably accepts mail
# (fsync before each 250), and how much memory idle connections cost.
#
# Run from anywhere (paths are resolved from this script):
#     bash bench/acceptance.sh
#
# It builds Rampart (Release) and bench/Rampart.Bench into a run folder, writes a YAML config there
# (listener 127.0.0.1:$PORT, accepts example.test, drop-folder delivery, data under the run folder),
# starts the gateway, waits until its port accepts, warms it up, then runs:
#   - acceptance scenarios (default 4 KiB x 50 sessions, 100 KiB x 50 sessions, 4 KiB x 1 session):
#     msgs/s, p50/p99 latency of the reply to the final ".", errors, gateway CPU seconds;
#   - idle: $IDLE_CONNECTIONS connections held open after EHLO; the gateway's VmRSS from
#     /proc/PID/status before and while they are held;
# prints a markdown table (also saved under bench/results/, git-ignored) and stops the gateway.
# Everything runs on 127.0.0.1 only.
#
# Knobs (environment):
#   PORT             listener port (default 2525; must be free)
#   SCENARIOS        "name:body_bytes:sessions:count ..." (default: the three above with
#                    COUNT_4K_C50=5000, COUNT_100K_C50=1000, COUNT_4K_C1=1000)
#   PER_CONNECTION   messages per connection before QUIT + reconnect (default 100, Rampart's default
#                    max messages per connection; 0 = one connection per session for everything)
#   WARMUP           messages sent (10 sessions, 4 KiB) before measuring (default 1000; 0 = none)
#   IDLE_CONNECTIONS connections of the idle test (default 5000; 0 skips it)
#   IDLE_HOLD        seconds they are held (default 20)
#   NOFILE           ulimit -n for the gateway and the bench tool (default 20000)
#   STARTUP_TIMEOUT  seconds to wait for the gateway's port (default 90)
#   BENCH_BASE       folder in which the run folder is made (default bench/results; keep it on the
#                    disk you want to measure: the gateway's queue lives there)
#   RAMPART_DLL      use this prebuilt Rampart.dll instead of building src/Rampart
#   KEEP_RUN=1       keep the run folder (config, logs, queue, drop folder)
#   BENCH_OUT        also copy the markdown report to this file
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"

PORT="${PORT:-2525}"
COUNT_4K_C50="${COUNT_4K_C50:-5000}"
COUNT_100K_C50="${COUNT_100K_C50:-1000}"
COUNT_4K_C1="${COUNT_4K_C1:-1000}"
# Extra YAML for the listener (indented for you) and at the top level, and a MIME file for every message
# (Rampart.Bench --mime-file): bench/antimalware.sh uses these to turn the content filters on.
LISTENER_EXTRA="${LISTENER_EXTRA:-}"
TOP_EXTRA="${TOP_EXTRA:-}"
LIMITS_EXTRA="${LIMITS_EXTRA:-}"
MIME_FILE="${MIME_FILE:-}"
SCENARIOS="${SCENARIOS:-4k-c50:4096:50:$COUNT_4K_C50 100k-c50:102400:50:$COUNT_100K_C50 4k-c1:4096:1:$COUNT_4K_C1}"
PER_CONNECTION="${PER_CONNECTION:-100}"
WARMUP="${WARMUP:-1000}"
IDLE_CONNECTIONS="${IDLE_CONNECTIONS:-5000}"
IDLE_HOLD="${IDLE_HOLD:-20}"
NOFILE="${NOFILE:-20000}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-90}"
BENCH_BASE="${BENCH_BASE:-$HERE/results}"
KEEP_RUN="${KEEP_RUN:-0}"

log() { echo "[acceptance $(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
# CPU seconds (user + system) the process has used so far.
cpu_s() {
  local ticks; ticks="$(getconf CLK_TCK)"
  awk -v t="$ticks" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat" 2>/dev/null
}
field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<" $2" | head -n1; }

command -v dotnet >/dev/null || die "dotnet not found"
case "$PORT" in ''|*[!0-9]*) die "PORT must be a number" ;; esac
port_open "$PORT" && die "something already listens on 127.0.0.1:$PORT; stop it or set PORT"

# Descriptors: 5000 idle connections need 5000+ on each side (the gateway and the bench tool
# both inherit this shell's limit).
if ! ulimit -n "$NOFILE" 2>/dev/null; then
  hard="$(ulimit -Hn)"
  log "warning: cannot raise ulimit -n to $NOFILE (hard limit $hard); using $hard"
  ulimit -n "$hard" 2>/dev/null || true
fi
if [ "$IDLE_CONNECTIONS" -gt 0 ] && [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -le $((IDLE_CONNECTIONS + 100)) ]; then
  log "warning: ulimit -n is $(ulimit -n): too low for $IDLE_CONNECTIONS idle connections"
fi

mkdir -p "$BENCH_BASE"
STAMP="$(date +%Y%m%d-%H%M%S)"
RUN="$(mktemp -d "$BENCH_BASE/run-$STAMP.XXXXXX")" || die "cannot make a run folder under $BENCH_BASE"
GW_PID=""
IDLE_PID=""
cleanup() {
  if alive "$IDLE_PID"; then kill "$IDLE_PID" 2>/dev/null; wait "$IDLE_PID" 2>/dev/null; fi
  if alive "$GW_PID"; then
    log "stopping gateway (pid $GW_PID)"
    kill -TERM "$GW_PID" 2>/dev/null
    for _ in $(seq 1 150); do alive "$GW_PID" || break; sleep 0.1; done
    if alive "$GW_PID"; then log "gateway did not stop in 15 s: SIGKILL"; kill -KILL "$GW_PID" 2>/dev/null; fi
    wait "$GW_PID" 2>/dev/null
  fi
  if [ "$KEEP_RUN" = 1 ]; then log "run folder kept: $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build -------------------------------------------------------------------------------------
if [ -n "${RAMPART_DLL:-}" ]; then
  [ -f "$RAMPART_DLL" ] || die "RAMPART_DLL=$RAMPART_DLL does not exist"
  GW_DLL="$RAMPART_DLL"
else
  log "building src/Rampart (Release) into $RUN/rampart"
  dotnet build "$ROOT/src/Rampart" -c Release -o "$RUN/rampart" -nologo -v q > "$RUN/build-rampart.log" 2>&1 \
    || { tail -n 30 "$RUN/build-rampart.log" >&2; die "Rampart build failed (log above)"; }
  GW_DLL="$RUN/rampart/Rampart.dll"
fi
log "building bench/Rampart.Bench (Release)"
dotnet build "$HERE/Rampart.Bench" -c Release -o "$RUN/bench" -nologo -v q > "$RUN/build-bench.log" 2>&1 \
  || { tail -n 30 "$RUN/build-bench.log" >&2; die "bench build failed (log above)"; }
BENCH=(dotnet "$RUN/bench/Rampart.Bench.dll")

# --- config and start ----------------------------------------------------------------------------
CONFIG="$RUN/rampart.yaml"
cat > "$CONFIG" <<EOF
# Written by bench/acceptance.sh. Loopback only; mail for example.test goes to the drop folder.
hostname: bench.example.test
data_dir: $RUN/data
listeners:
  inbound:
    role: inbound
    address: 127.0.0.1
    port: $PORT
    accepted_domains: [example.test]
    limits:
      max_connections: 20000
      max_connections_per_client: 20000
$(printf '%s\n' "$LIMITS_EXTRA" | sed 's/^/      /')
$(printf '%s\n' "$LISTENER_EXTRA" | sed 's/^/    /')
routes:
  local: {transport: drop, path: drop}
routing:
  - domains: [example.test]
    route: local
$TOP_EXTRA
EOF

log "starting gateway: dotnet $GW_DLL run --config $CONFIG (cwd $RUN)"
( cd "$RUN" && exec dotnet "$GW_DLL" run --config "$CONFIG" ) > "$RUN/gateway.log" 2>&1 &
GW_PID=$!
ready=0
for _ in $(seq 1 $((STARTUP_TIMEOUT * 10))); do
  alive "$GW_PID" || break
  if port_open "$PORT"; then ready=1; break; fi
  sleep 0.1
done
if [ "$ready" != 1 ]; then
  tail -n 40 "$RUN/gateway.log" >&2
  die "gateway did not accept on 127.0.0.1:$PORT within $STARTUP_TIMEOUT s (log above)"
fi
log "gateway pid $GW_PID accepts on 127.0.0.1:$PORT; RSS $(rss_kib "$GW_PID") KiB"

# --- acceptance scenarios ------------------------------------------------------------------------
if [ "$WARMUP" -gt 0 ]; then
  log "warm-up: $WARMUP messages, 10 sessions"
  "${BENCH[@]}" acceptance --host 127.0.0.1 --port "$PORT" --sessions 10 --messages "$WARMUP" --size 4096 \
    --per-connection "$PER_CONNECTION" --label warmup ${MIME_FILE:+--mime-file "$MIME_FILE"} > "$RUN/warmup.txt" 2>&1 \
    || log "warning: warm-up had errors: $(grep '^RESULT' "$RUN/warmup.txt")"
fi

ROWS=()
failed=0
for sc in $SCENARIOS; do
  IFS=: read -r name size sessions count <<<"$sc"
  [ -n "$count" ] || die "bad scenario '$sc' (want name:body_bytes:sessions:count)"
  alive "$GW_PID" || die "gateway died before scenario $name (see $RUN/gateway.log)"
  log "scenario $name: $count messages, body $size B, $sessions sessions"
  cpu0="$(cpu_s "$GW_PID")"
  "${BENCH[@]}" acceptance --host 127.0.0.1 --port "$PORT" --sessions "$sessions" --messages "$count" \
    --size "$size" --per-connection "$PER_CONNECTION" --label "$name" ${MIME_FILE:+--mime-file "$MIME_FILE"} > "$RUN/$name.txt" 2>&1
  rc=$?
  cpu1="$(cpu_s "$GW_PID")"
  cat "$RUN/$name.txt" >&2
  result="$(grep '^RESULT' "$RUN/$name.txt" | tail -n1)"
  if [ -z "$result" ]; then
    ROWS+=("| $name | $size | $sessions | $count | - | - | - | - | - | - | bench failed (rc $rc) |")
    failed=1; continue
  fi
  [ "$rc" = 0 ] || failed=1
  cpu="$(awk -v a="${cpu0:-0}" -v b="${cpu1:-0}" 'BEGIN { printf "%.1f", b - a }')"
  errs="$(grep -E '^  error x' "$RUN/$name.txt" | head -n3 | sed 's/^  //; s/|/\\|/g' | paste -sd ';' -)"
  ROWS+=("| $name | $size | $sessions | $count | $(field ok "$result") | $(field errors "$result") | $(field msgs_per_s "$result") | $(field p50_ms "$result") | $(field p99_ms "$result") | $cpu | ${errs:-} |")
done

# --- idle connections ----------------------------------------------------------------------------
IDLE_ROW=""
if [ "$IDLE_CONNECTIONS" -gt 0 ]; then
  alive "$GW_PID" || die "gateway died before the idle test (see $RUN/gateway.log)"
  sleep 2
  rss0="$(rss_kib "$GW_PID")"
  log "idle: $IDLE_CONNECTIONS connections held $IDLE_HOLD s; gateway RSS before: $rss0 KiB"
  "${BENCH[@]}" idle --host 127.0.0.1 --port "$PORT" --connections "$IDLE_CONNECTIONS" \
    --hold-seconds "$IDLE_HOLD" > "$RUN/idle.txt" 2>&1 &
  IDLE_PID=$!
  # Wait (bounded) for READY, then sample the gateway's RSS every second until the hold ends.
  limit=$(( (IDLE_CONNECTIONS / 10 + 180) * 10 ))
  for _ in $(seq 1 "$limit"); do
    grep -q '^READY' "$RUN/idle.txt" 2>/dev/null && break
    alive "$IDLE_PID" || break
    sleep 0.1
  done
  rss_max=0; rss_last=0; samples=0
  if grep -q '^READY' "$RUN/idle.txt" 2>/dev/null; then
    sleep 1
    for _ in $(seq 1 "$((IDLE_HOLD + 5))"); do
      grep -q '^HELD' "$RUN/idle.txt" && break
      alive "$IDLE_PID" || break
      r="$(rss_kib "$GW_PID")"; [ -n "$r" ] || break
      rss_last="$r"; samples=$((samples + 1))
      [ "$r" -gt "$rss_max" ] && rss_max="$r"
      sleep 1
    done
  fi
  for _ in $(seq 1 600); do alive "$IDLE_PID" || break; sleep 0.1; done
  alive "$IDLE_PID" && kill "$IDLE_PID" 2>/dev/null
  wait "$IDLE_PID" 2>/dev/null
  IDLE_PID=""
  cat "$RUN/idle.txt" >&2
  iresult="$(grep '^RESULT' "$RUN/idle.txt" | tail -n1)"
  opened="$(field opened "$iresult")"; held="$(field open_after_hold "$iresult")"
  per_conn="-"
  if [ -n "$held" ] && [ "$held" -gt 0 ] && [ "$samples" -gt 0 ]; then
    per_conn="$(awk -v a="$rss0" -v b="$rss_last" -v n="$held" 'BEGIN { printf "%.1f", (b - a) / n }')"
  fi
  mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
  IDLE_ROW="| $IDLE_CONNECTIONS | ${opened:--} | ${held:--} | $(mib "$rss0") | $(mib "$rss_last") | $(mib "$rss_max") | $per_conn | $(mib "$(hwm_kib "$GW_PID")") |"
  [ -n "$held" ] && [ "$held" = "$IDLE_CONNECTIONS" ] || failed=1
fi

# --- report --------------------------------------------------------------------------------------
drop_files="$(find "$RUN" -path "*/drop/*" -type f 2>/dev/null | wc -l)"
REPORT="$BENCH_BASE/acceptance-$STAMP.md"
{
  echo "## Rampart acceptance benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (working tree modified)')"
  echo "- machine: $(nproc) CPU ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, kernel $(uname -r)"
  echo "- data dir filesystem: $(df -PT "$RUN" | awk 'NR==2 {print $2" on "$1}'); dotnet $(dotnet --version)"
  echo "- client: Rampart.Bench, lock-step SMTP (no PIPELINING), TCP_NODELAY, $PER_CONNECTION messages per connection (0 = unlimited), warm-up $WARMUP messages"
  echo
  echo "| scenario | body bytes | sessions | messages | ok | errors | msgs/s | p50 ms | p99 ms | gateway CPU s | error kinds |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  printf '%s\n' "${ROWS[@]}"
  if [ -n "$IDLE_ROW" ]; then
    echo
    echo "| idle connections | opened | open after ${IDLE_HOLD} s | RSS before MiB | RSS held MiB | RSS held max MiB | KiB per connection | VmHWM MiB |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
    echo "$IDLE_ROW"
  fi
  echo
  echo "Latency is from sending the final \".\" to reading its reply (the gateway fsyncs before its 250)."
  echo "Gateway CPU s is user+system time of the gateway process during the scenario."
  echo "Files under the drop folder at the end: $drop_files (delivery is asynchronous; informational)."
  echo "Gateway peak RSS (VmHWM, whole run): $(awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$GW_PID/status" 2>/dev/null) MiB."
} > "$REPORT"
echo
cat "$REPORT"
[ -n "${BENCH_OUT:-}" ] && cp "$REPORT" "$BENCH_OUT"
log "report saved: $REPORT"
exit "$failed"
