#!/usr/bin/env python3
"""Latency of `upfront update` under a running watcher: from the start of the
command until every polled URL shows the new update's message.

Usage:
  update-latency.py --upfront BIN --content SITE --url TEMPLATE [--url ...]
                    [--runs N] [--settle S] [--log FILE] -- CMD [ARG...]

  --upfront BIN    the upfront binary that runs `update`
  --content SITE   a *scratch copy* of a gen-corpus.py site; notes are edited
                   and restored at the end
  --url TEMPLATE   polled until it holds the marker, e.g.
                   http://127.0.0.1:1112/incidents/{stem}/ (repeatable; all
                   must show it: a watcher publishes a rebuild whole)
  CMD              starts the watcher (own process group, stopped at the end)

Each run appends `--status resolved --reopen --message "...marker..."`
(`completed` for maintenance) to a note spread over the corpus (oldest ..
newest; upcoming maintenance, whose last update lies in the future, is
skipped): a late note on a closed incident, which changes its timeline, its
resolution time, the feeds and the sitemap, but no component's status (that
would render every page again, as every page shows them). The time includes the command
itself (parse, check, atomic write), which is printed apart. Prints a line
per run and a summary with the median and the worst.
"""

import argparse
import os
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


def notes(site):
    """Incident stems a timely update can go to: no drafts, no future updates."""
    inc = os.path.join(site, "content", "incidents")
    now = time.strftime("%Y-%m-%d", time.gmtime())
    out = []
    for name in sorted(os.listdir(inc)):
        if not name.endswith(".md"):
            continue
        head = open(os.path.join(inc, name), encoding="utf-8").read(8192)
        front = head.split("\n---", 1)[0]
        if "draft: true" in front or "slug: " in front:
            continue
        ats = [l.split("at:", 1)[1].strip() for l in front.splitlines() if l.strip().startswith("- at:")]
        if ats and max(ats)[:10] >= now:
            continue
        final = "completed" if "severity: maintenance" in front else "resolved"
        out.append((name[:-3], os.path.join(inc, name), final))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upfront", required=True)
    ap.add_argument("--content", required=True)
    ap.add_argument("--url", action="append", required=True)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--settle", type=float, default=2.0)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--log", default=os.devnull)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("missing -- CMD")

    candidates = notes(a.content)
    n = len(candidates)
    picks = [candidates[min(n - 1, i * (n - 1) // max(1, a.runs - 1))] for i in range(a.runs)]
    originals = {}
    log = open(a.log, "ab")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    results, commands, failed = [], [], 0
    try:
        started = time.monotonic()
        while fetch(a.url[0].format(stem=picks[0][0])) is None:
            if proc.poll() is not None:
                sys.exit("watcher exited early with %s" % proc.returncode)
            if time.monotonic() - started > 300:
                sys.exit("watcher not ready after 300 s")
            time.sleep(0.1)
        time.sleep(a.settle)
        for i, (stem, path, final) in enumerate(picks):
            with open(path, "rb") as f:
                originals.setdefault(path, f.read())
            marker = "updateprobe%d%d" % (os.getpid(), i)
            t0 = time.monotonic()
            done = subprocess.run(
                [a.upfront, "update", stem, "--root", a.content, "--status", final,
                 "--reopen", "--message", "Probe update %s." % marker],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            took_cmd = time.monotonic() - t0
            if done.returncode != 0:
                sys.exit("upfront update %s failed:\n%s" % (stem, done.stderr.decode()))
            urls = [u.format(stem=stem) for u in a.url]
            seen = None
            while time.monotonic() - t0 < a.timeout:
                if all(marker in (fetch(u) or "") for u in urls):
                    seen = time.monotonic() - t0
                    break
                time.sleep(0.005)
            if seen is None:
                failed += 1
                print("run %d %s: TIMEOUT" % (i + 1, stem))
            else:
                results.append(seen)
                commands.append(took_cmd)
                print("run %d %s: %.0f ms (command %.0f ms)" % (i + 1, stem, seen * 1000, took_cmd * 1000))
            time.sleep(a.settle)
    finally:
        for path, orig in originals.items():
            with open(path, "wb") as f:
                f.write(orig)
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    if not results:
        print("update-latency: FAIL no run completed")
        return 1
    print("update-latency: median %.0f ms, min %.0f, max %.0f over %d runs (command alone: median %.0f ms)%s"
          % (statistics.median(results) * 1000, min(results) * 1000, max(results) * 1000, len(results),
             statistics.median(commands) * 1000, ", %d timed out" % failed if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
