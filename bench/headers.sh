#!/usr/bin/env bash
# headers.sh — what huge header sections cost the gateway: its peak memory (VmHWM) while 50 clients
# send worst-case header sections in parallel, with the content filters that read headers switched on
# (the header From check reads the header block with MimeKit's HeaderList and keeps only From and Sender;
# the attachment filter parses the message with MimeParser, every header section measured first). One gateway per run, through bench/acceptance.sh, so each VmHWM is that
# run's own peak:
#   baseline       ordinary 4 KiB messages (about 250 bytes of headers)
#   under-cap      a header section just under limits.max_header_size (256 KiB by default): one field
#                  folded over 2000 continuation lines, then thousands of tiny fields ("X-H1: v"), the
#                  most header objects per byte for the parsers; a small multipart body
#   over-cap       the same kind of header section, OVER_KIB (1024) KiB: refused with 552 5.3.4 after
#                  its end, counted by the framer and never stored or parsed
#   over-uncapped  the over-cap message with max_header_size raised to max_message_size (35MiB): what
#                  the cap saves (every message is stored and parsed by both filters)
#   part-headers   a small top-level header section, but a MIME body part whose own header section is
#                  OVER_KIB KiB of tiny fields: the framer does not parse MIME, so it is stored; the
#                  attachment filter stops its parse at max_header_size and refuses it as malformed
#
# Knobs: COUNT (messages per run, default 100), SESSIONS (default 50), OVER_KIB (default 1024),
# PORT (default 2525), RUNS (default "baseline under-cap over-cap over-uncapped part-headers"),
# KEEP_RUN=1, BENCH_OUT (also copy the table there).
# Everything runs on 127.0.0.1. About three minutes on 2 cores, most of it the uncapped runs.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
COUNT="${COUNT:-100}"
SESSIONS="${SESSIONS:-50}"
OVER_KIB="${OVER_KIB:-1024}"
PORT="${PORT:-2525}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/rampart-headers-bench.XXXXXX")"
cleanup() { [ "${KEEP_RUN:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
log() { printf '[headers %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

log "building src/Rampart (Release) once into $WORK/rampart"
dotnet build "$ROOT/src/Rampart" -c Release -o "$WORK/rampart" -nologo -v q > "$WORK/build.log" 2>&1 \
  || { tail -n 30 "$WORK/build.log" >&2; log "build failed"; exit 2; }

# The bench tool writes about 250 bytes of its own fields (From, To, Subject, Date, Message-ID,
# MIME-Version) and then the file: more fields, the empty line, the body. Sizes below count the file's
# header part only; under-cap leaves 2 KiB of room for the tool's fields under 256 KiB.
python3 - "$WORK" "$OVER_KIB" <<'PY'
import sys
work, over_kib = sys.argv[1], int(sys.argv[2])
body = ("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nHello.\r\n"
        "--b\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "AAECAwQFBgcICQ==\r\n--b--\r\n")
def headers(size):
    parts = ["X-Folded: start"] + [f"\tcontinuation {i}" for i in range(2000)]
    text = "\r\n".join(parts) + "\r\n"
    i = 0
    while len(text) < size - 64:
        line = f"X-H{i}: v\r\n"
        text += line
        i += 1
    return text
open(f"{work}/under.mime", "w", newline="").write(headers(254 * 1024) + body)
open(f"{work}/over.mime", "w", newline="").write(headers(over_kib * 1024) + body)
part = ("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n" + headers(over_kib * 1024)
        + "Content-Type: text/plain\r\n\r\nHello.\r\n--b--\r\n")
open(f"{work}/part.mime", "w", newline="").write(part)
PY
log "under.mime $(stat -c %s "$WORK/under.mime") bytes, over.mime $(stat -c %s "$WORK/over.mime") bytes"

FILTERS="attachments: {block: [executable, script, office-macro]}"
run() { # name, mime file (or ""), limits extra
  log "run '$1'"
  local size=4096; [ -n "$2" ] && size=0
  PORT="$PORT" RAMPART_DLL="$WORK/rampart/Rampart.dll" MIME_FILE="$2" LIMITS_EXTRA="$3" LISTENER_EXTRA="$FILTERS" \
    IDLE_CONNECTIONS=0 WARMUP=0 PER_CONNECTION=0 SCENARIOS="$1:$size:$SESSIONS:$COUNT" BENCH_OUT="$WORK/$1.md" \
    bash "$HERE/acceptance.sh" > "$WORK/$1.log" 2>&1
  local row hwm
  row="$(grep "^| $1 " "$WORK/$1.md" 2>/dev/null)" || { tail -30 "$WORK/$1.log" >&2; log "run '$1' failed"; return; }
  hwm="$(sed -n 's/^Gateway peak RSS (VmHWM, whole run): \(.*\) MiB\./\1/p' "$WORK/$1.md")"
  echo "${row%|}| ${hwm:--} |"
}
{
  echo "| scenario | body bytes | sessions | messages | ok | errors | msgs/s | p50 ms | p99 ms | gateway CPU s | error kinds | gateway VmHWM MiB |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
  for r in ${RUNS:-baseline under-cap over-cap over-uncapped part-headers}; do
    case "$r" in
      baseline) run baseline "" "" ;;
      under-cap) run under-cap "$WORK/under.mime" "" ;;
      over-cap) run over-cap "$WORK/over.mime" "" ;;
      over-uncapped) run over-uncapped "$WORK/over.mime" "max_header_size: 35MiB" ;;
      part-headers) run part-headers "$WORK/part.mime" "" ;;
      *) log "unknown run '$r'" ;;
    esac
  done
} | tee "$WORK/table.md"
echo
echo "under.mime: $(stat -c %s "$WORK/under.mime") bytes; over.mime: $(stat -c %s "$WORK/over.mime") bytes (header part + a ~300-byte multipart body)."
[ -n "${BENCH_OUT:-}" ] && cp "$WORK/table.md" "$BENCH_OUT"
exit 0
