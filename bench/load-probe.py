#!/usr/bin/env python3
"""Probes for bench/load.sh (stdlib only).

  load-probe.py latency  ADDR SITE N      edit a note N times; print save -> served ms
  load-probe.py edits    SITE SECONDS     edit notes in a loop (one save every 0.5 s)
  load-probe.py slow     ADDR N SECONDS   hold N slow clients: half send their request
                                          1 byte/s, half read a large page 1 byte/s;
                                          print how many were still connected at the end

Edits replace a marker line in a note's body and are saved by renaming a new
file over the old one, as careful editors do.
"""
import glob
import os
import socket
import statistics
import sys
import threading
import time

MARK = "upfront-load-mark"


def notes(site):
    found = sorted(glob.glob(os.path.join(site, "content", "incidents", "*.md")))
    if not found:
        sys.exit(f"no notes under {site}/content/incidents")
    return found


def save(path, token):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = [l for l in text.split("\n") if MARK not in l]
    while lines and lines[-1] == "":
        lines.pop()
    lines += ["", f"{MARK} {token}", ""]
    tmp = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(path))), ".load-probe.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    os.replace(tmp, path)


def get(addr, path, timeout=10):
    host, port = addr.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n".encode())
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    return b"".join(chunks)


def latency(addr, site, n):
    files = notes(site)
    took = []
    for i in range(n):
        path = files[(i * 7919) % len(files)]
        stem = os.path.basename(path)[:-3]
        token = f"t{time.time_ns()}"
        start = time.monotonic()
        save(path, token)
        while token.encode() not in get(addr, f"/incidents/{stem}/"):
            if time.monotonic() - start > 30:
                sys.exit(f"edit {i} never served")
            time.sleep(0.002)
        took.append((time.monotonic() - start) * 1000)
        time.sleep(0.2)
    took.sort()
    print(f"save->served over {n} edits: median {statistics.median(took):.0f} ms, "
          f"min {took[0]:.0f} ms, max {took[-1]:.0f} ms")


def edits(site, seconds):
    files = notes(site)
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        save(files[(i * 7919) % len(files)], f"e{i}")
        i += 1
        time.sleep(0.5)
    print(f"{i} edits saved")


def slow_writer(addr, seconds, alive):
    host, port = addr.rsplit(":", 1)
    try:
        s = socket.create_connection((host, int(port)), timeout=5)
        request = f"GET / HTTP/1.1\r\nHost: {addr}\r\n\r\n".encode()
        end = time.monotonic() + seconds
        i = 0
        while time.monotonic() < end and i < len(request):
            s.sendall(request[i:i + 1])
            i += 1
            time.sleep(1)
        if time.monotonic() >= end:
            alive.append(1)
        s.close()
    except OSError:
        pass


def slow_reader(addr, seconds, alive):
    host, port = addr.rsplit(":", 1)
    try:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(5)
        s.connect((host, int(port)))
        s.sendall(f"GET /incidents/ HTTP/1.1\r\nHost: {addr}\r\n\r\n".encode())
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if not s.recv(1):
                return
            time.sleep(1)
        alive.append(1)
        s.close()
    except OSError:
        pass


def slow(addr, n, seconds):
    alive = []
    threads = [threading.Thread(target=slow_writer if i % 2 == 0 else slow_reader,
                                args=(addr, seconds, alive)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"{n} slow clients held for {seconds} s; {len(alive)} still connected at the end")


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "latency":
        latency(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "edits":
        edits(sys.argv[2], float(sys.argv[3]))
    elif cmd == "slow":
        slow(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
