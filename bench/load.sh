#!/usr/bin/env bash
# `upfront serve` under load: wrk with hundreds of connections while edits
# stream in, the server's RSS sampled every second, and save -> served latency
# with and without slow clients hanging on (see docs/src/crash-safety.md, "The preview server under load").
# Usage: bench/load.sh [INCIDENTS] [CONNECTIONS] [SECONDS]   (defaults: 10000, 400, 20)
# Needs wrk (apt-get install wrk) and python3. Scratch goes to $BENCH_DIR
# (default /dev/shm/upfront-bench).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
shared="$(cd "$here/.." && pwd)/shared/bench"
n="${1:-10000}"
conns="${2:-400}"
secs="${3:-20}"
port="${PORT:-1115}"
dir="${BENCH_DIR:-/dev/shm/upfront-bench}"
probe="$here/bench/load-probe.py"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
mkdir -p "$dir"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
upfront="$here/target/release/upfront"

corpus="$dir/s$n"
[ -f "$corpus/site.toml" ] || python3 "$shared/gen-corpus.py" "$corpus" --incidents "$n" --letters 3 --seed 1 >/dev/null
site="$dir/load-scratch"
rm -rf "$site" && cp -r "$corpus" "$site"

log="$dir/load-serve.log"
"$upfront" serve --root "$site" --port "$port" >"$log" 2>&1 &
server=$!
rss_log="$dir/load-rss.log"
cleanup() { kill "$server" 2>/dev/null || true; kill "${sampler:-}" 2>/dev/null || true; }
trap cleanup EXIT
addr="127.0.0.1:$port"
for _ in $(seq 600); do grep -q "serving" "$log" && break; sleep 0.1; done
grep -q "serving $site at http://$addr/" "$log" || { cat "$log"; echo "serve did not start on $addr"; exit 1; }

# RSS every second, in MB, with the phase it was taken in.
phase_file="$dir/load-phase"
echo idle >"$phase_file"
( while kill -0 "$server" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status" 2>/dev/null || echo 0)
    echo "$(date +%s) $(cat "$phase_file") $((rss / 1024))"
    sleep 1
  done ) >"$rss_log" &
sampler=$!

stems=$(ls "$site/content/incidents" | sed -n '1~997p' | sed 's/\.md$//' | head -10 | tr '\n' ' ')
echo "corpus: $n incidents; server $addr (pid $server)"
echo "== save -> served, idle"
python3 "$probe" latency "$addr" "$site" 10

echo "== wrk -t2 -c$conns -d${secs}s while a note is saved every 0.5 s"
echo load >"$phase_file"
python3 "$probe" edits "$site" "$secs" &
editor=$!
# shellcheck disable=SC2086
wrk -t2 -c"$conns" -d"${secs}s" --timeout 10s -s "$here/bench/load.lua" "http://$addr" -- $stems
wait "$editor"
kill -0 "$server" || { echo "the server died"; exit 1; }

echo "== save -> served while 40 slow clients hang on (1 byte/s)"
echo slow >"$phase_file"
python3 "$probe" slow "$addr" 40 25 &
slowpid=$!
sleep 2
python3 "$probe" latency "$addr" "$site" 10
wait "$slowpid"

echo after >"$phase_file"
sleep 3
kill "$sampler" 2>/dev/null || true
echo "== server RSS (MB) per phase: first, min, max, last"
awk '{ p=$2; v=$3; if (!(p in first)) { first[p]=v; min[p]=v; max[p]=v; order[++k]=p }
       if (v<min[p]) min[p]=v; if (v>max[p]) max[p]=v; last[p]=v }
     END { for (i=1;i<=k;i++) { p=order[i]; if (seen[p]++) continue;
           printf "%-5s %5d %5d %5d %5d\n", p, first[p], min[p], max[p], last[p] } }' "$rss_log"
kill -0 "$server" && echo "server alive at the end: yes"
grep -q "panicked" "$log" && { echo "the server panicked:"; grep panicked "$log"; exit 1; }
true
