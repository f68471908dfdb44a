#!/usr/bin/env python3
"""bench/scale.sh's probe: sends one message to 127.0.0.1:PORT, again every 50 ms until it is answered 250 (a refused
connection, a 4xx or a timeout is tried again), and prints "ACCEPTED seconds=S tries=N" where S counts from START
(seconds since the epoch, the moment the gateway was started). Gives up after LIMIT seconds (exit 1).

    scale-probe.py PORT START LIMIT MESSAGE_ID
"""
import smtplib
import sys
import time

port, start, limit, mid = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
body = ("From: <probe@bench.test>\r\nTo: <user@example.test>\r\nSubject: scale probe\r\n"
        "Message-ID: <%s>\r\n\r\nprobe\r\n" % mid)
tries = 0
while time.time() - start < limit:
    tries += 1
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
            s.sendmail("probe@bench.test", ["user@example.test"], body)
        print("ACCEPTED seconds=%.3f tries=%d" % (time.time() - start, tries), flush=True)
        sys.exit(0)
    except (OSError, smtplib.SMTPException):
        time.sleep(0.05)
print("GAVE-UP seconds=%.3f tries=%d" % (time.time() - start, tries), flush=True)
sys.exit(1)
