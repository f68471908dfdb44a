#!/usr/bin/env python3
"""The next hop of bench/scale.sh: a small SMTP sink that counts each message by its Message-ID, so that a message
delivered twice is seen (postfix's smtp-sink only counts). Loopback only; no TLS, no CHUNKING; PIPELINING offered.

    scale-sink.py PORT STATUS_FILE

Every second it rewrites STATUS_FILE with one line: "received=N distinct=M duplicates=D first=T last=T" (T: the
wall-clock time, seconds since the epoch, of the first and last message), which the script polls; SIGTERM ends it
after a last write. A message without a Message-ID counts as received and as "noid".
"""
import asyncio
import os
import signal
import sys
import time

seen = {}
stats = {"received": 0, "duplicates": 0, "noid": 0, "first": 0.0, "last": 0.0}


def message_id(lines):
    for line in lines:
        if line in (b"", b"\r\n"):
            break  # end of the header section
        if line[:11].lower() == b"message-id:":
            return line[11:].strip()
    return None


def record(header_lines):
    now = time.time()
    stats["received"] += 1
    if not stats["first"]:
        stats["first"] = now
    stats["last"] = now
    mid = message_id(header_lines)
    if mid is None:
        stats["noid"] += 1
        return
    n = seen.get(mid, 0)
    if n:
        stats["duplicates"] += 1
    seen[mid] = n + 1


async def session(reader, writer):
    writer.write(b"220 scale-sink ESMTP\r\n")
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            verb = line[:4].upper()
            if verb in (b"EHLO",):
                writer.write(b"250-scale-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n")
            elif verb == b"HELO":
                writer.write(b"250 scale-sink\r\n")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                writer.write(b"250 2.0.0 Ok\r\n")
            elif verb == b"DATA":
                writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                await writer.drain()
                header, in_header = [], True
                while True:
                    data = await reader.readline()
                    if not data:
                        return
                    if data == b".\r\n":
                        break
                    if in_header:
                        header.append(data.rstrip(b"\r\n") if data != b"\r\n" else b"")
                        if data == b"\r\n":
                            in_header = False
                record(header)
                writer.write(b"250 2.0.0 Ok: queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 2.0.0 Bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"502 5.5.2 Error: command not recognized\r\n")
            # Replies to pipelined commands go out together when no more input is buffered.
            if not reader._buffer:  # noqa: SLF001 (asyncio's StreamReader buffer: the cheap "more is waiting" test)
                await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


def write_status(path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("received=%d distinct=%d duplicates=%d noid=%d first=%.3f last=%.3f\n" % (
            stats["received"], len(seen), stats["duplicates"], stats["noid"], stats["first"], stats["last"]))
    os.replace(tmp, path)


async def main():
    port, status = int(sys.argv[1]), sys.argv[2]
    server = await asyncio.start_server(session, "127.0.0.1", port, backlog=512)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    write_status(status)
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except asyncio.TimeoutError:
            pass
        write_status(status)
    server.close()
    write_status(status)


if __name__ == "__main__":
    asyncio.run(main())
