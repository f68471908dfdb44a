#!/usr/bin/env bash
# c1-steps.sh — where one session's time goes: one-message sessions one after another (the 4k-c1 scenario of relay.sh),
# each step timed by the client (bench/c1-steps.py), against Rampart relaying to smtp-sink (relay.sh's configuration,
# bench/relay-config.sh) and against a bare smtp-sink in Rampart's place: what the SMTP exchange costs with nothing
# behind it. The difference per step is what the gateway adds (its filters, the spool's write and sync, its threads).
# ROUNDS (3) rounds of SESSIONS (2000) sessions each, the two alternated; the gateway gets 2,000 messages of warm-up
# (smtp-source, 10 sessions) after each start. Prints p50 and mean per step in microseconds, lowest-highest over the
# rounds, and the gateway's CPU time per message.
#
#   bash bench/c1-steps.sh                      # the installed build, published first (scripts/publish.sh)
#   RAMPART_BIN=/path/Rampart bash bench/c1-steps.sh
#
# Uses 127.0.0.1:2525 (the gateway, or the bare sink) and 2626 (the relay's sink): never beside relay.sh or the tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS="${ROUNDS:-3}"
SESSIONS="${SESSIONS:-2000}"
SINK=/usr/sbin/smtp-sink
SOURCE=/usr/sbin/smtp-source
[ -x "$SINK" ] && [ -x "$SOURCE" ] || { echo "c1-steps.sh: smtp-sink and smtp-source (postfix) are needed" >&2; exit 2; }
mkdir -p bench/results
RUN="$(mktemp -d "$PWD/bench/results/c1-steps-$(date +%Y%m%d-%H%M%S).XXXXXX")"
GATEWAY="${RAMPART_BIN:-}"
if [ -z "$GATEWAY" ]; then
  bash scripts/publish.sh "$RUN/build" >/dev/null
  GATEWAY="$RUN/build/Rampart"
fi
bash bench/relay-config.sh "$RUN" "$GATEWAY"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_port() {  # port: until it accepts, at most 10 s
  for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "c1-steps.sh: nothing listens on $1" >&2; exit 1
}
wait_gone() {  # port: until nothing accepts, at most 10 s
  for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 0; sleep 0.1; done
}
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

for round in $(seq 1 "$ROUNDS"); do
  # Rampart, relaying to a sink.
  "$SINK" -c -u nobody 127.0.0.1:2626 1024 > /dev/null 2>&1 & relay_sink=$!; pids+=("$relay_sink")
  rm -rf "$RUN/data"
  $GATEWAY run --config "$RUN/gateway.yaml" > "$RUN/rampart-$round.log" 2>&1 & gw=$!; pids+=("$gw")
  wait_port 2626; wait_port 2525
  "$SOURCE" -s 10 -m 2000 -l 4096 -f a@sender.test -t u@example.test 127.0.0.1:2525
  sleep 1
  before=$(ticks "$gw")
  python3 bench/c1-steps.py 2525 "$SESSIONS" > "$RUN/rampart-$round.txt"
  after=$(ticks "$gw")
  # Ticks are 1/100 s: µs per message over the whole run (the first tenth is not in the step figures, but it is here).
  echo "cpu $(( (after - before) * 10000 / SESSIONS )) $(( (after - before) * 10000 / SESSIONS ))" >> "$RUN/rampart-$round.txt"
  kill "$gw" "$relay_sink"; wait "$gw" 2>/dev/null || true; wait "$relay_sink" 2>/dev/null || true
  wait_gone 2525
  # The bare sink in Rampart's place.
  "$SINK" -c -u nobody 127.0.0.1:2525 1024 > /dev/null 2>&1 & bare=$!; pids+=("$bare")
  wait_port 2525
  python3 bench/c1-steps.py 2525 "$SESSIONS" > "$RUN/sink-$round.txt"
  kill "$bare"; wait "$bare" 2>/dev/null || true
  wait_gone 2525
done

echo "| step | Rampart p50 µs | Rampart mean µs | bare sink p50 µs | bare sink mean µs |"
echo "|---|---:|---:|---:|---:|"
python3 - "$RUN" "$ROUNDS" <<'PY'
import sys
run, rounds = sys.argv[1], int(sys.argv[2])
def load(who):
    figures = {}
    for r in range(1, rounds + 1):
        for line in open(f"{run}/{who}-{r}.txt"):
            name, p50, mean = line.split()
            figures.setdefault(name, []).append((int(p50), int(mean)))
    return figures
def span(values):
    return f"{min(values)}-{max(values)}" if min(values) != max(values) else f"{min(values)}"
rampart, sink = load("rampart"), load("sink")
for name, values in rampart.items():
    if name == "cpu":
        continue
    bare = sink.get(name, [(0, 0)])
    print(f"| {name} | {span([v[0] for v in values])} | {span([v[1] for v in values])} | {span([v[0] for v in bare])} | {span([v[1] for v in bare])} |")
print(f"\ngateway CPU per message (user + system, whole client run): {span([v[0] for v in rampart['cpu']])} µs")
PY
echo "reports: $RUN"
