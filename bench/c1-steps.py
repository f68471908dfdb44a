#!/usr/bin/env python3
"""c1-steps.py PORT SESSIONS — one-message SMTP sessions one after another, as smtp-source -s 1 sends them, timing each
step from the client's side: connect to greeting, then each command (EHLO, MAIL, RCPT, DATA, the 4 KiB message with
its final dot, QUIT) to its reply. Prints one line per step: "name p50 mean" in microseconds, the last line the mean
of a whole session. Used by c1-steps.sh; the first tenth of the sessions is not counted (warm-up)."""
import socket
import statistics
import sys
import time

port, sessions = int(sys.argv[1]), int(sys.argv[2])
body = b"From: a@sender.test\r\nTo: u@example.test\r\nSubject: steps\r\n\r\n" + (b"1" * 70 + b"\r\n") * 56 + b".\r\n"
steps = [("ehlo", b"EHLO client.test\r\n"), ("mail", b"MAIL FROM:<a@sender.test>\r\n"), ("rcpt", b"RCPT TO:<u@example.test>\r\n"),
         ("data", b"DATA\r\n"), ("dot", body), ("quit", b"QUIT\r\n")]
taken = {name: [] for name in ["greeting"] + [s[0] for s in steps] + ["session"]}


def reply(sock):
    """Reads until a complete last reply line ("ddd " ... CRLF); bounded by the socket's timeout."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a reply")
        data += chunk
        lines = data.split(b"\r\n")
        if len(lines) > 1 and lines[-2][3:4] == b" ":
            return lines[-2]


for i in range(sessions):
    start = time.perf_counter()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reply(sock)
    mark = time.perf_counter()
    times = {"greeting": mark - start}
    for name, command in steps:
        sock.sendall(command)
        line = reply(sock)
        if line[:1] not in (b"2", b"3"):
            sys.exit(f"c1-steps: {name} refused: {line.decode(errors='replace')}")
        now = time.perf_counter()
        times[name] = now - mark
        mark = now
    sock.close()
    times["session"] = mark - start
    if i >= sessions // 10:
        for name, seconds in times.items():
            taken[name].append(seconds * 1e6)

for name, values in taken.items():
    print(f"{name} {statistics.median(values):.0f} {statistics.fmean(values):.0f}")
