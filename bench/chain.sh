#!/usr/bin/env bash
# chain.sh — relay throughput of the anti-spam chain (issue 13) next to postfix-full, through the shared
# ../shared/bench/compare.sh with RAMPART_FILTERS=1 (the same Rspamd and clamd for both), and the gateway's
# own CPU per message. The figures in docs/performance.md ("The anti-spam chain against postfix-full")
# come from it.
#
#   bash bench/chain.sh                    # VARIANT=rspamd-av, RUNS=3
#   VARIANT=as-shipped bash bench/chain.sh
#
# VARIANT (each made from examples/gateway.yaml in the run folder, data_dir there too):
#   rspamd-av   the whole chain without greylisting (one client would be delayed; postfix-full has none) and
#               without Rampart's own clamd scan: the shared Rspamd's antivirus module sends attachments to
#               clamd, exactly the work postfix-full does (the comparison the issue asks for)
#   as-shipped  the same with Rampart's clamd filter on too: against this Rspamd every message is scanned twice
#   relay       no chain and no scanning: the bare relay, for the gateway's CPU per message
#   rspamd-only the bare relay and Rspamd's verdict alone (no DNS or domain lists, SPF, DKIM/ARC/DMARC or built-in
#               rules; Rspamd's antivirus module still sends attachments to clamd): what Rspamd and clamd's own
#               time leaves of the bare relay: the yardstick for the chain's own cost, and close to the most a
#               gateway that asks this Rspamd can deliver on this machine
# RUNS (default 3), CONTENDERS (default "postfix-full rampart"; relay: "rampart"), WARMUP (default 1000),
# SCENARIOS as compare.sh, RAMPART_BIN (an already published Rampart). DNS: scripts/tour-dns.sh on 127.0.0.1:5353,
# which the example's dns: names and compare.sh's Rspamd asks (RSPAMD_DNS). Needs ../shared/bench (compare.sh) and Postfix, Rspamd and clamd.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
VARIANT="${VARIANT:-rspamd-av}"
RUNS="${RUNS:-3}"
mkdir -p "$ROOT/bench/results"
RUN="$(mktemp -d "$ROOT/bench/results/chain-$(date +%Y%m%d-%H%M%S).XXXXXX")"
[ "$VARIANT" = relay ] && CONTENDERS="${CONTENDERS:-rampart}"
export CONTENDERS="${CONTENDERS:-postfix-full rampart}" RAMPART_FILTERS=1 WARMUP="${WARMUP:-1000}"

# The build the Debian package installs (scripts/publish.sh), unless RAMPART_BIN names a published Rampart.
GATEWAY="${RAMPART_BIN:-$RUN/build/Rampart}"
[ -n "${RAMPART_BIN:-}" ] || bash scripts/publish.sh "$RUN/build" >/dev/null
cp examples/recipients.txt "$RUN/"
# The example signs outbound mail with the key the README tour makes; the run folder gets its own.
"$GATEWAY" dkim keygen example.test s2026 --out "$RUN/keys" >/dev/null
python3 - "$VARIANT" "$RUN" <<'PY'
import sys
variant, run = sys.argv[1], sys.argv[2]
s = open("examples/gateway.yaml").read().replace("data_dir: ./data", f"data_dir: {run}/data")
def cut(text, start, end):
    a = text.index(start); b = text.index(end, a)
    return text[:a] + text[b:]
s = cut(s, "    # Greylisting after recipient validation", "    # The spam verdict at the end of DATA")
if variant in ("rspamd-av", "relay", "rspamd-only"):
    a = s.index("    # Virus scanning of the whole message by every scanner")
    b = s.index("      on_too_large: reject\n", a) + len("      on_too_large: reject\n")
    s = s[:a] + s[b:]
if variant == "relay":
    s = cut(s, "    # The anti-spam chain, as an internet edge runs it.", "    # Addresses refused before the greeting")
if variant == "rspamd-only":
    s = cut(s, "    # The anti-spam chain, as an internet edge runs it.", "    # The spam verdict at the end of DATA")
    s = s.replace("      on_failure: pass\n", "      on_failure: pass\n      rules: false\n", 1)
open(f"{run}/gateway.yaml", "w").write(s)
PY

setsid bash scripts/tour-dns.sh > "$RUN/tour-dns.log" 2>&1 &
DNS_PID=$!
sampler() {  # the gateway's user+system CPU (clock ticks) every 0.5 s: "epoch ticks"
  while true; do
    pid="$(pgrep -f "$GATEWAY run --config $RUN/gateway.yaml" | head -1 || true)"
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] && echo "$(date +%s.%N) $(awk '{print $14+$15}' "/proc/$pid/stat")" >> "$1"
    sleep 0.5
  done
}
cleanup() { kill -- -"$DNS_PID" 2>/dev/null || true; [ -n "${SAMPLER:-}" ] && kill "$SAMPLER" 2>/dev/null || true; }
trap cleanup EXIT
sleep 1

for n in $(seq 1 "$RUNS"); do
  sampler "$RUN/cpu-$n.txt" & SAMPLER=$!
  RAMPART_CMD="$GATEWAY run --config $RUN/gateway.yaml" \
    bash ../shared/bench/compare.sh > "$RUN/run-$n.md" 2> "$RUN/run-$n.err" || true
  kill "$SAMPLER" 2>/dev/null || true; SAMPLER=
  rm -rf "$RUN/data"
  echo "## run $n ($VARIANT)"
  grep '^| \(postfix-full\|rampart\) |' "$RUN/run-$n.md" | head -6
  # CPU per message of each Rampart burst: the samples nearest its start and end lines in compare.sh's log.
  python3 - "$RUN/cpu-$n.txt" "$RUN/run-$n.err" <<'PY'
import datetime, re, sys
samples = [(float(t), int(c)) for t, c in (l.split() for l in open(sys.argv[1]) if len(l.split()) == 2)]
log = open(sys.argv[2]).read().splitlines()
today = datetime.datetime.now(datetime.timezone.utc).date()
def at(line):
    h, m, s = map(int, re.search(r"\[bench (\d+):(\d+):(\d+)\]", line).groups())
    return datetime.datetime(today.year, today.month, today.day, h, m, s, tzinfo=datetime.timezone.utc).timestamp()
def ticks(t):
    return min(samples, key=lambda x: abs(x[0] - t))[1]
for i, line in enumerate(log):
    m = re.search(r"rampart (\S+): (\d+) msgs", line)
    if m and samples:
        end = next(x for x in log[i + 1:] if "count=" in x)
        used = ticks(at(end) + 1) - ticks(at(line))
        print(f"gateway CPU, {m.group(1)}: {used / 100:.2f} s, {used * 10 / int(m.group(2)):.2f} ms per message (±0.5 s sampling)")
PY
done
echo "reports: $RUN"
