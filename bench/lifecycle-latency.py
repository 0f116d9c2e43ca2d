#!/usr/bin/env python3
"""Latency of opening and resolving an incident under a running watcher:
`upfront new incident` until the homepage shows its banner and its page is
served, then `upfront resolve` until its page shows the resolution and the
homepage's banner is gone. Opening or resolving changes a component's
status, which the homepage shows.

Usage:
  lifecycle-latency.py --upfront BIN --content SITE --base URL [--runs N]
                       [--component ID] [--settle S] [--wait poll|reload]
                       -- CMD [ARG...]

  --content SITE   a *scratch copy* of a site; the probe notes are removed
                   at the end
  --base URL       where CMD serves the site, e.g. http://127.0.0.1:1112
  CMD              starts the watcher (own process group, stopped at the end)
  --wait poll      (default) fetch both pages every 5 ms until they show it
  --wait reload    as a browser with live reload does: fetch them each time
                   the serve's event stream announces a rebuild. On a
                   2-core machine, polling takes CPU from the rebuild it
                   waits for; this mode does not.

Prints a line per run and two summary lines (new, resolve) with the median
and the worst, from the start of the command to the bytes served; the
command's own time is printed apart.
"""

import argparse
import http.client
import os
import queue
import threading
import signal
import statistics
import subprocess
import sys
import time
import urllib.request


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode("utf-8", "replace")
    except Exception:
        return None


def first_component(site):
    for line in open(os.path.join(site, "site.toml"), encoding="utf-8"):
        line = line.strip()
        if line.startswith("id"):
            return line.split("=", 1)[1].strip().strip('"')
    sys.exit("no component in site.toml")


class Reloads:
    """Follows serve's live-reload stream (/__upfront/events): a queue of
    the generations it announces, as a browser tab hears them."""

    def __init__(self, base):
        host = base.split("://", 1)[1].rstrip("/")
        self.events = queue.Queue()
        conn = http.client.HTTPConnection(host, timeout=None)
        conn.request("GET", "/__upfront/events")
        self.stream = conn.getresponse()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.stream:
            if line.startswith(b"data:"):
                self.events.put(line[5:].strip())

    def drain(self):
        while not self.events.empty():
            self.events.get_nowait()

    def wait(self, timeout):
        try:
            self.events.get(timeout=timeout)
            return True
        except queue.Empty:
            return False


def timed(cmd, ready, timeout, reloads=None):
    """Runs cmd, then checks ready() until true, every 5 ms or (reloads)
    at each rebuild announced: (total, command) seconds."""
    if reloads:
        reloads.drain()
    t0 = time.monotonic()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.monotonic() - t0
    if done.returncode != 0:
        sys.exit("%s failed:\n%s" % (" ".join(cmd), done.stderr.decode()))
    while time.monotonic() - t0 < timeout:
        if ready():
            return time.monotonic() - t0, took
        if reloads:
            reloads.wait(timeout - (time.monotonic() - t0))
        else:
            time.sleep(0.005)
    return None, took


def summary(name, results, commands):
    if not results:
        print("%s: FAIL no run completed" % name)
        return
    print("%s: median %.0f ms, min %.0f, max %.0f over %d runs (command alone: median %.0f ms)"
          % (name, statistics.median(results) * 1000, min(results) * 1000, max(results) * 1000,
             len(results), statistics.median(commands) * 1000))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upfront", required=True)
    ap.add_argument("--content", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--component")
    ap.add_argument("--settle", type=float, default=2.0)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--wait", choices=["poll", "reload"], default="poll")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("missing -- CMD")
    component = a.component or first_component(a.content)
    home = a.base + "/"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            start_new_session=True)
    made = []
    opened, resolved, open_cmd, resolve_cmd, failed = [], [], [], [], 0
    try:
        started = time.monotonic()
        while fetch(home) is None:
            if proc.poll() is not None:
                sys.exit("watcher exited early with %s" % proc.returncode)
            if time.monotonic() - started > 300:
                sys.exit("watcher not ready after 300 s")
            time.sleep(0.1)
        time.sleep(a.settle)
        reloads = Reloads(a.base) if a.wait == "reload" else None
        for i in range(a.runs):
            marker = "probe%d%d" % (os.getpid(), i)
            slug = "lifecycle-" + marker
            made.append(os.path.join(a.content, "content", "incidents", slug + ".md"))
            page = "%s/incidents/%s/" % (a.base, slug)
            banner = 'id="b-%s"' % slug
            took, c = timed(
                [a.upfront, "new", "incident", "Lifecycle " + marker, "--root", a.content,
                 "--severity", "major", "--affects", component, "--message", "Opened " + marker],
                lambda: banner in (fetch(home) or "") and marker in (fetch(page) or ""),
                a.timeout, reloads)
            if took is None:
                failed += 1
                print("run %d new: TIMEOUT" % (i + 1))
                continue
            opened.append(took)
            open_cmd.append(c)
            time.sleep(a.settle)
            done = "Resolved" + marker
            took2, c2 = timed(
                [a.upfront, "resolve", slug, "--root", a.content, "--message", done],
                lambda: done in (fetch(page) or "") and banner not in (fetch(home) or ""),
                a.timeout, reloads)
            if took2 is None:
                failed += 1
                print("run %d resolve: TIMEOUT" % (i + 1))
                continue
            resolved.append(took2)
            resolve_cmd.append(c2)
            print("run %d: new %.0f ms (command %.0f), resolve %.0f ms (command %.0f)"
                  % (i + 1, took * 1000, c * 1000, took2 * 1000, c2 * 1000))
            time.sleep(a.settle)
    finally:
        for path in made:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    summary("new-latency", opened, open_cmd)
    summary("resolve-latency", resolved, resolve_cmd)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
