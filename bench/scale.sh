#!/usr/bin/env bash
# scale.sh — Rampart at scale (issue 15): a queue of 100,000 messages while the next hop is down, and 10,000 idle
# connections. Its own ports and data folder (nothing shared with the tests or ../shared/bench/compare.sh):
# inbound 127.0.0.1:3525, next hop 127.0.0.1:3626, admin API 127.0.0.1:3825, data under bench/results/.
#
#     bash bench/scale.sh            # MODE=queue (default): fill, wait, restart, drain; a markdown table
#     MODE=idle bash bench/scale.sh  # 10,000 idle connections: RSS before and held, KiB per connection
#
# MODE=queue:
#   1. publishes Rampart (scripts/publish.sh, the installed build) and builds bench/Rampart.Bench; starts the gateway with its next hop down
#      (nothing listens on 3626), retry_initial 5m;
#   2. fills MESSAGES messages (Rampart.Bench acceptance, SESSIONS sessions, BODY bytes each; a unique Message-ID
#      each); every one is tried once, finds the hop down and is deferred;
#   3. waits WAIT s and measures the gateway's RSS and CPU meanwhile;
#   4. stops it (SIGTERM) and starts it again on the same data folder: the time from the start to the first 250
#      (bench/scale-probe.py retries every 50 ms), and to the end of the queue's recovery (event 2050);
#   5. measures RSS and CPU for WAIT s again, with the queue loaded;
#   6. starts the next hop (bench/scale-sink.py, which counts each Message-ID) and runs `rampart queue flush`
#      through the admin API, as an administrator would; measures the drain rate, the CPU and the peak RSS (VmHWM)
#      until the sink has them all;
#   7. checks exactly once: the sink saw every accepted message (the fill's and the probe's) once, none twice, and
#      active/ is empty.
# Exit 0 when every check passed, 1 when one failed, 2 when it could not run.
#
# Knobs (environment): MESSAGES (100000), SESSIONS (50), BODY (2048), WAIT (60), DRAIN_TIMEOUT (1800 s),
#   IDLE_CONNECTIONS (10000), IDLE_HOLD (20), NOFILE (30000), PORT (3525), HOP_PORT (3626), ADMIN_PORT (3825),
#   BENCH_BASE (bench/results), RAMPART_BIN (a published Rampart) or RAMPART_DLL (a
#   framework-dependent Rampart.dll) instead of publishing, KEEP_RUN (0; 1 keeps
#   the run folder: config, logs, queue), BENCH_OUT (also copy the report there), LABEL (a name for the report).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
MODE="${MODE:-queue}"
MESSAGES="${MESSAGES:-100000}"
SESSIONS="${SESSIONS:-50}"
BODY="${BODY:-2048}"
WAIT="${WAIT:-60}"
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-1800}"
IDLE_CONNECTIONS="${IDLE_CONNECTIONS:-10000}"
IDLE_HOLD="${IDLE_HOLD:-20}"
NOFILE="${NOFILE:-30000}"
PORT="${PORT:-3525}"
HOP_PORT="${HOP_PORT:-3626}"
ADMIN_PORT="${ADMIN_PORT:-3825}"
BENCH_BASE="${BENCH_BASE:-$HERE/results}"
KEEP_RUN="${KEEP_RUN:-0}"
LABEL="${LABEL:-}"

log() { echo "[scale $(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
mib() { awk -v k="${1:-0}" 'BEGIN { printf "%.0f", k / 1024 }'; }
cpu_s() {
  local ticks; ticks="$(getconf CLK_TCK)"
  awk -v t="$ticks" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat" 2>/dev/null
}
now() { date +%s.%N; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<" $2" | head -n1; }

command -v dotnet >/dev/null || die "dotnet not found"
command -v python3 >/dev/null || die "python3 not found"
case "$MODE" in queue|idle) ;; *) die "MODE is queue or idle" ;; esac
for p in "$PORT" "$HOP_PORT" "$ADMIN_PORT"; do port_open "$p" && die "something already listens on 127.0.0.1:$p"; done
ulimit -n "$NOFILE" 2>/dev/null || { log "warning: cannot raise ulimit -n to $NOFILE; using $(ulimit -Hn)"; ulimit -n "$(ulimit -Hn)"; }

mkdir -p "$BENCH_BASE"
STAMP="$(date +%Y%m%d-%H%M%S)"
RUN="$(mktemp -d "$BENCH_BASE/scale-$STAMP.XXXXXX")" || die "cannot make a run folder under $BENCH_BASE"
GW_PID=""; SINK_PID=""; IDLE_PID=""
stop_gateway() {
  alive "$GW_PID" || return 0
  kill -TERM "$GW_PID" 2>/dev/null
  for _ in $(seq 1 300); do alive "$GW_PID" || break; sleep 0.1; done
  if alive "$GW_PID"; then log "gateway did not stop in 30 s: SIGKILL"; kill -KILL "$GW_PID" 2>/dev/null; fi
  wait "$GW_PID" 2>/dev/null
  GW_PID=""
}
cleanup() {
  for p in "$IDLE_PID" "$SINK_PID"; do alive "$p" && { kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; }; done
  stop_gateway
  if [ "$KEEP_RUN" = 1 ]; then log "run folder kept: $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build ---------------------------------------------------------------------------------------
# The gateway as installed (scripts/publish.sh, as the Debian package), unless RAMPART_BIN (a published Rampart) or
# RAMPART_DLL (a framework-dependent Rampart.dll, run with dotnet) names another build.
if [ -n "${RAMPART_DLL:-}" ]; then
  [ -f "$RAMPART_DLL" ] || die "RAMPART_DLL=$RAMPART_DLL does not exist"
  GW=(dotnet "$RAMPART_DLL")
elif [ -n "${RAMPART_BIN:-}" ]; then
  [ -x "$RAMPART_BIN" ] || die "RAMPART_BIN=$RAMPART_BIN is not an executable"
  GW=("$RAMPART_BIN")
else
  log "publishing the installed build (scripts/publish.sh) into $RUN/rampart"
  bash "$ROOT/scripts/publish.sh" "$RUN/rampart" > "$RUN/build-rampart.log" 2>&1 \
    || { tail -n 30 "$RUN/build-rampart.log" >&2; die "Rampart publish failed (log above)"; }
  GW=("$RUN/rampart/Rampart")
fi
log "building bench/Rampart.Bench (Release)"
dotnet build "$HERE/Rampart.Bench" -c Release -o "$RUN/bench" -nologo -v q > "$RUN/build-bench.log" 2>&1 \
  || { tail -n 30 "$RUN/build-bench.log" >&2; die "bench build failed (log above)"; }
BENCH=(dotnet "$RUN/bench/Rampart.Bench.dll")

CONFIG="$RUN/rampart.yaml"
cat > "$CONFIG" <<EOF
# Written by bench/scale.sh. Loopback only; example.test goes to the next hop on $HOP_PORT (down until the drain).
hostname: scale.example.test
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
routes:
  hop:
    transport: smtp
    hosts: ["127.0.0.1:$HOP_PORT"]
    tls: none
    max_connections: 20
routing:
  - domains: [example.test]
    route: hop
admin:
  listen: 127.0.0.1:$ADMIN_PORT
EOF

# Starts the gateway; sets GW_PID and START (epoch seconds, just before the exec).
start_gateway() {
  START="$(now)"
  ( cd "$RUN" && exec "${GW[@]}" run --config "$CONFIG" ) >> "$RUN/gateway-$1.log" 2>&1 &
  GW_PID=$!
}
wait_port() {
  for _ in $(seq 1 1800); do
    alive "$GW_PID" || break
    port_open "$PORT" && return 0
    sleep 0.1
  done
  tail -n 40 "$RUN"/gateway-*.log >&2
  die "gateway did not accept on 127.0.0.1:$PORT"
}
# Samples RSS every second for $1 s; prints "last max" in KiB.
sample_rss() {
  local last=0 max=0 r
  for _ in $(seq 1 "$1"); do
    r="$(rss_kib "$GW_PID")"; [ -n "$r" ] || break
    last="$r"; [ "$r" -gt "$max" ] && max="$r"
    sleep 1
  done
  echo "$last $max"
}

# --- idle ----------------------------------------------------------------------------------------
if [ "$MODE" = idle ]; then
  start_gateway idle; wait_port; sleep 5
  rss0="$(rss_kib "$GW_PID")"
  log "idle: $IDLE_CONNECTIONS connections held $IDLE_HOLD s; RSS before $rss0 KiB"
  "${BENCH[@]}" idle --host 127.0.0.1 --port "$PORT" --connections "$IDLE_CONNECTIONS" --hold-seconds "$IDLE_HOLD" \
    --setup-seconds 300 > "$RUN/idle.txt" 2>&1 &
  IDLE_PID=$!
  for _ in $(seq 1 3000); do grep -q '^READY' "$RUN/idle.txt" 2>/dev/null && break; alive "$IDLE_PID" || break; sleep 0.1; done
  read -r rss_last rss_max < <(sample_rss "$IDLE_HOLD")
  for _ in $(seq 1 600); do alive "$IDLE_PID" || break; sleep 0.1; done
  wait "$IDLE_PID" 2>/dev/null; IDLE_PID=""
  cat "$RUN/idle.txt" >&2
  result="$(grep '^RESULT' "$RUN/idle.txt" | tail -n1)"
  held="$(field open_after_hold "$result")"
  per="-"; [ -n "$held" ] && [ "$held" -gt 0 ] && per="$(awk -v a="$rss0" -v b="$rss_last" -v n="$held" 'BEGIN { printf "%.1f", (b - a) / n }')"
  REPORT="$BENCH_BASE/scale-idle-$STAMP.md"
  {
    echo "## Rampart: $IDLE_CONNECTIONS idle connections, $(date -u '+%Y-%m-%d %H:%M UTC') ${LABEL}"
    echo
    echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (modified)')"
    echo
    echo "| idle connections | open after ${IDLE_HOLD} s | RSS before MiB | RSS held MiB | RSS held max MiB | KiB per connection | VmHWM MiB |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
    echo "| $IDLE_CONNECTIONS | ${held:--} | $(mib "$rss0") | $(mib "$rss_last") | $(mib "$rss_max") | $per | $(mib "$(hwm_kib "$GW_PID")") |"
  } | tee "$REPORT"
  [ -n "${BENCH_OUT:-}" ] && cp "$REPORT" "$BENCH_OUT"
  [ "$held" = "$IDLE_CONNECTIONS" ] && [ "$rss_max" -lt $((250 * 1024)) ] && exit 0
  exit 1
fi

# --- queue: fill with the next hop down -----------------------------------------------------------
start_gateway first; wait_port; sleep 5
rss_empty="$(rss_kib "$GW_PID")"
log "gateway up (RSS $rss_empty KiB); filling $MESSAGES messages of $BODY B over $SESSIONS sessions, next hop down"
cpu0="$(cpu_s "$GW_PID")"; t0="$(now)"
"${BENCH[@]}" acceptance --host 127.0.0.1 --port "$PORT" --sessions "$SESSIONS" --messages "$MESSAGES" --size "$BODY" \
  --deadline-seconds 3600 --label fill > "$RUN/fill.txt" 2>&1
t1="$(now)"; cpu1="$(cpu_s "$GW_PID")"
cat "$RUN/fill.txt" >&2
fill="$(grep '^RESULT' "$RUN/fill.txt" | tail -n1)"
accepted="$(field ok "$fill")"; [ -n "$accepted" ] || die "the fill gave no result (see $RUN/fill.txt)"
fill_rate="$(field msgs_per_s "$fill")"; fill_cpu="$(minus "$cpu1" "$cpu0")"
queued_files() { find "$RUN/data/queue/active" -maxdepth 1 -type f ! -name '*.*' 2>/dev/null | wc -l; }
# The last attempts of the fill finish (each is deferred at once: the destination is set aside).
sleep 5
log "filled: $accepted accepted, $(queued_files) in active/; waiting $WAIT s"
cpu2="$(cpu_s "$GW_PID")"
read -r rss_wait1 rss_wait1_max < <(sample_rss "$WAIT")
cpu3="$(cpu_s "$GW_PID")"
wait1_cpu="$(minus "$cpu3" "$cpu2")"
hwm_fill="$(hwm_kib "$GW_PID")"
down_events="$(grep -c "\[3005\]" "$RUN/gateway-first.log" 2>/dev/null || true)"

# --- restart with the queue on disk ----------------------------------------------------------------
log "stopping the gateway"
ts="$(now)"; stop_gateway; stop_s="$(minus "$(now)" "$ts")"
queued="$(queued_files)"
start_gateway second
python3 "$HERE/scale-probe.py" "$PORT" "$START" 600 "probe.$STAMP@bench.test" > "$RUN/probe.txt" 2>&1
probe="$(cat "$RUN/probe.txt")"; log "probe: $probe"
first_250="$(field seconds " $probe")"
probe_ok=0; grep -q '^ACCEPTED' "$RUN/probe.txt" && probe_ok=1
# The end of recovery: its log line ("Queue recovered", event 2050) when this build writes one (the first start wrote
# it for the empty queue); a build without it recovers before its listeners open, so the first 250 marks it.
recovered_s="${first_250:--}"
if grep -q 'Queue recovered' "$RUN/gateway-first.log"; then
  recovered_s="-"
  for _ in $(seq 1 6000); do
    if grep -q 'Queue recovered' "$RUN/gateway-second.log"; then recovered_s="$(minus "$(now)" "$START")"; break; fi
    alive "$GW_PID" || break
    sleep 0.1
  done
fi
cpu4="$(cpu_s "$GW_PID")"
read -r rss_wait2 rss_wait2_max < <(sample_rss "$WAIT")
cpu5="$(cpu_s "$GW_PID")"
wait2_cpu="$(minus "$cpu5" "$cpu4")"
per_msg="$(awk -v a="$rss_empty" -v b="$rss_wait2" -v n="$queued" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1024 / n; else print "-" }')"

# --- the next hop returns: flush and drain ----------------------------------------------------------
expected=$((accepted + probe_ok))
python3 "$HERE/scale-sink.py" "$HOP_PORT" "$RUN/sink.status" > "$RUN/sink.log" 2>&1 &
SINK_PID=$!
for _ in $(seq 1 100); do port_open "$HOP_PORT" && break; sleep 0.1; done
log "next hop up; flushing $expected messages"
cpu6="$(cpu_s "$GW_PID")"; tf="$(now)"
( cd "$RUN" && "${GW[@]}" queue flush --config "$CONFIG" ) > "$RUN/flush.txt" 2>&1 || log "warning: flush: $(tail -n3 "$RUN/flush.txt")"
flush_s="$(minus "$(now)" "$tf")"
status=""; got=0; drain_rss_max=0
deadline=$(( $(date +%s) + DRAIN_TIMEOUT ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  status="$(cat "$RUN/sink.status" 2>/dev/null)"
  got="$(field distinct " $status")"; got="${got:-0}"
  r="$(rss_kib "$GW_PID")"; [ -n "$r" ] && [ "$r" -gt "$drain_rss_max" ] && drain_rss_max="$r"
  [ "$got" -ge "$expected" ] && break
  alive "$GW_PID" || break
  sleep 1
done
cpu7="$(cpu_s "$GW_PID")"; drain_cpu="$(minus "$cpu7" "$cpu6")"
# Anything delivered twice arrives late: give the stragglers a few seconds, then read the final counts.
for _ in $(seq 1 10); do [ "$(queued_files)" = 0 ] && break; sleep 1; done
sleep 3
status="$(cat "$RUN/sink.status")"
first_at="$(field first " $status")"; last_at="$(field last " $status")"
drain_s="$(minus "$last_at" "$tf")"
drain_rate="$(awk -v n="$(field distinct " $status")" -v s="$drain_s" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }')"
hwm_second="$(hwm_kib "$GW_PID")"
left="$(queued_files)"
dups="$(field duplicates " $status")"; distinct="$(field distinct " $status")"; noid="$(field noid " $status")"
ok=1
[ "$distinct" = "$expected" ] && [ "$dups" = 0 ] && [ "$noid" = 0 ] && [ "$left" = 0 ] && [ "$accepted" = "$MESSAGES" ] || ok=0

REPORT="$BENCH_BASE/scale-queue-$STAMP.md"
{
  echo "## Rampart: a queue of $MESSAGES with the next hop down, $(date -u '+%Y-%m-%d %H:%M UTC') ${LABEL}"
  echo
  echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (modified)'); $(nproc) CPU, $(df -PT "$RUN" | awk 'NR==2 {print $2}'), dotnet $(dotnet --version)"
  echo "- fill: Rampart.Bench, $SESSIONS sessions, $BODY B bodies; next hop 127.0.0.1:$HOP_PORT closed (connection refused)"
  echo
  echo "| phase | figure |"
  echo "|---|---:|"
  echo "| fill: accepted / msgs/s / gateway CPU s | $accepted / $fill_rate / $fill_cpu |"
  echo "| fill: \"destination set aside\" log lines | $down_events |"
  echo "| waiting ${WAIT} s after the fill: RSS MiB (max) / CPU s | $(mib "$rss_wait1") ($(mib "$rss_wait1_max")) / $wait1_cpu |"
  echo "| fill: peak RSS (VmHWM) MiB | $(mib "$hwm_fill") |"
  echo "| stop (SIGTERM) s | $stop_s |"
  echo "| restart: queued in active/ | $queued |"
  echo "| restart: first 250 after start s | ${first_250:-none} |"
  echo "| restart: recovery done after start s | $recovered_s |"
  echo "| waiting ${WAIT} s after restart: RSS MiB (max) / CPU s | $(mib "$rss_wait2") ($(mib "$rss_wait2_max")) / $wait2_cpu |"
  echo "| memory per queued message (RSS after restart − empty gateway $(mib "$rss_empty") MiB) bytes | $per_msg |"
  echo "| flush command s | $flush_s |"
  echo "| drain: delivered / s / msgs/s / gateway CPU s | $distinct / $drain_s / $drain_rate / $drain_cpu |"
  echo "| drain: peak RSS sampled MiB / VmHWM since restart MiB | $(mib "$drain_rss_max") / $(mib "$hwm_second") |"
  echo "| exactly once: expected / distinct / duplicates / no id / left in active/ | $expected / $distinct / $dups / $noid / $left |"
  echo "| result | $([ $ok = 1 ] && echo PASS || echo FAIL) |"
} | tee "$REPORT"
[ -n "${BENCH_OUT:-}" ] && cp "$REPORT" "$BENCH_OUT"
[ $ok = 1 ] && exit 0
exit 1
