#!/usr/bin/env bash
# relay.sh — issue 15's relay figures: ../shared/bench/compare.sh with the ceiling, Postfix and Haraka beside Rampart,
# RUNS times, and the gateway's CPU time per delivered message in every scenario. The tables of docs/performance.md
# ("Relay throughput against Postfix and Haraka") come from it.
#
#   bash bench/relay.sh                 # warm: WARMUP=3000, RUNS=3
#   COLD=1 bash bench/relay.sh          # cold: WARMUP=0, the first burst is the first 3,000 messages after start and
#                                       # the second (4k-c50-warm) the next 3,000: warm by this script's own definition
#                                       # (after 3,000 messages), a burst of the same length, in the same process
#   RAMPART_BIN=/path/Rampart bash bench/relay.sh       # an already published build (A/B runs; RAMPART_DLL=/path/Rampart.dll
#                                                       # for a framework-dependent one)
#
# Rampart runs examples/gateway.yaml as the issue states it (bench/relay-config.sh): virus scanning, the anti-spam chain
# and greylisting cut out (the peers have no content filter), recipient validation, the sender filter and the attachment
# filter on, tracking and the admin listener as shipped; data_dir in the run folder.
# CPU per message: a sampler reads the gateway's user+system ticks (/proc/PID/stat) and the sink's running count
# every 0.1 s; a burst's CPU is the ticks between the last sample before the sink's count starts to grow and the
# first one where it has grown by the burst's count, so the idle second between bursts is not counted. With 100 Hz
# ticks and these counts the figure is good to about ±10 µs at 50 sessions and ±20 µs with one.
# Knobs: RUNS (3), COLD (0), CONTENDERS ("ceiling postfix haraka rampart"), SCENARIOS (compare.sh's, with larger
# counts than its defaults so that each Rampart burst lasts long enough to time), RAMPART_BIN, RAMPART_DLL.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
SHARED="$ROOT/../shared/bench"
RUNS="${RUNS:-3}"
COLD="${COLD:-0}"
if [ "$COLD" = 1 ]; then
  export WARMUP=0 SCENARIOS="${SCENARIOS:-4k-c50:4096:50:3000 4k-c50-warm:4096:50:3000 100k-c50:102400:50:1000 4k-c1:4096:1:1000}"
else
  export WARMUP="${WARMUP:-3000}" SCENARIOS="${SCENARIOS:-4k-c50:4096:50:6000 100k-c50:102400:50:2000 4k-c1:4096:1:1000}"
fi
export CONTENDERS="${CONTENDERS:-ceiling postfix haraka rampart}" BODY=filler SOURCE=smtp-source RAMPART_FILTERS=0
mkdir -p "$ROOT/bench/results"
RUN="$(mktemp -d "$ROOT/bench/results/relay-$(date +%Y%m%d-%H%M%S).XXXXXX")"

# The gateway as installed (scripts/publish.sh, as the Debian package), unless RAMPART_BIN (a published Rampart) or
# RAMPART_DLL (a framework-dependent Rampart.dll, run with dotnet) names another build.
if [ -n "${RAMPART_DLL:-}" ]; then GATEWAY="dotnet $RAMPART_DLL"; else GATEWAY="${RAMPART_BIN:-}"; fi
if [ -z "$GATEWAY" ]; then
  bash scripts/publish.sh "$RUN/build" >/dev/null
  GATEWAY="$RUN/build/Rampart"
fi
bash bench/relay-config.sh "$RUN" "$GATEWAY"

sampler() {  # "epoch gateway_ticks sink_count" every 0.1 s while the gateway runs
  local pid sink
  while true; do
    pid="$(pgrep -f "$GATEWAY run --config $RUN/gateway.yaml" | head -1 || true)"
    sink="$(ls -t "$SHARED"/.run/*/sink.out 2>/dev/null | head -1 || true)"
    if [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] && [ -n "$sink" ]; then
      echo "$(date +%s.%N) $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}') $(tail -c 128 "$sink" | tr '\r' '\n' | grep -o 'mesg=[0-9]*' | tail -1 | cut -d= -f2)" >> "$1"
    fi
    sleep 0.1
  done
}
cleanup() { [ -n "${SAMPLER:-}" ] && kill "$SAMPLER" 2>/dev/null || true; }
trap cleanup EXIT

for n in $(seq 1 "$RUNS"); do
  sampler "$RUN/cpu-$n.txt" & SAMPLER=$!
  RAMPART_CMD="$GATEWAY run --config $RUN/gateway.yaml" \
    bash "$SHARED/compare.sh" > "$RUN/run-$n.md" 2> "$RUN/run-$n.err" || true
  kill "$SAMPLER" 2>/dev/null || true; SAMPLER=
  rm -rf "$RUN/data"
  echo "## run $n ($([ "$COLD" = 1 ] && echo cold || echo "warm, $WARMUP warm-up messages"))"
  grep '^| \(ceiling\|postfix\|haraka\|rampart\) |' "$RUN/run-$n.md" || true
  # Cold against warm with bursts of one length: a short burst's ramp-up and tail weigh more than a long one's.
  awk -F'|' '$2 ~ /rampart/ && $3 ~ /^ *4k-c50 *$/ { cold = $5 } $2 ~ /rampart/ && $3 ~ /4k-c50-warm/ { warm = $5 }
    END { if (cold > 0 && warm > 0) printf "first 3,000 after start ÷ the next 3,000: %.0f %%\n", 100 * cold / warm }' "$RUN/run-$n.md"
  python3 - "$RUN/cpu-$n.txt" "$RUN/run-$n.err" "$WARMUP" <<'PY'
import re, sys
rows = []
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 3 and f[2].isdigit():
        rows.append((float(f[0]), int(f[1]), int(f[2])))
bursts = [(m.group(1), int(m.group(2))) for m in re.finditer(r"rampart (\S+): (\d+) msgs", open(sys.argv[2]).read())]
if not rows or not bursts:
    print("gateway CPU: no samples"); sys.exit()
base = rows[0][2]
warmup = int(sys.argv[3])
if warmup > 0:
    bursts.insert(0, ("warm-up", warmup))
for name, count in bursts:
    start = max((r for r in rows if r[2] <= base), key=lambda r: r[0], default=None)
    end = next((r for r in rows if r[2] >= base + count), None)
    if start and end and name != "warm-up":
        used = end[1] - start[1]
        print(f"gateway CPU, {name}: {used / 100:.2f} s for {count} messages, {used * 10000 / count:.0f} µs per message")
    base += count
PY
done
echo "reports: $RUN"
