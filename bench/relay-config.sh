#!/usr/bin/env bash
# relay-config.sh RUN GATEWAY — writes RUN/gateway.yaml: examples/gateway.yaml as issue 15 measures it (virus scanning,
# the anti-spam chain and greylisting cut out, as the peers have no content filter; recipient validation, the sender
# filter and the attachment filter on; tracking and the admin listener as shipped; data_dir in RUN), with the recipient
# list beside it and a DKIM key made by GATEWAY (the command that runs Rampart). Used by relay.sh and c1-steps.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ $# -eq 2 ] || { echo "usage: relay-config.sh RUN GATEWAY" >&2; exit 2; }
RUN="$1"
GATEWAY="$2"
cp examples/recipients.txt "$RUN/"
# The example signs outbound mail with the key the README tour makes; the run folder gets its own.
$GATEWAY dkim keygen example.test s2026 --out "$RUN/keys" >/dev/null
python3 - "$RUN" <<'PY'
import sys
run = sys.argv[1]
s = open("examples/gateway.yaml").read().replace("data_dir: ./data", f"data_dir: {run}/data")
def cut(text, start, end):
    a = text.index(start); b = text.index(end, a)
    return text[:a] + text[b:]
s = cut(s, "    # Greylisting after recipient validation", "    # The spam verdict at the end of DATA")
a = s.index("    # Virus scanning of the whole message by every scanner")
b = s.index("      on_too_large: reject\n", a) + len("      on_too_large: reject\n")
s = s[:a] + s[b:]
s = cut(s, "    # The anti-spam chain, as an internet edge runs it.", "    # Addresses refused before the greeting")
open(f"{run}/gateway.yaml", "w").write(s)
PY
