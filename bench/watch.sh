#!/usr/bin/env bash
# Save-to-served latency of `upfront serve`, beside `hugo server`, on the same
# corpus and in the same run (shared/bench/watch-latency.py does the timing).
# Usage: bench/watch.sh [INCIDENTS] [RUNS]      (defaults: 10000, 20)
# Corpora and scratch copies go to $BENCH_DIR (default /dev/shm/upfront-bench).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
shared="$(cd "$here/.." && pwd)/shared/bench"
n="${1:-10000}"
runs="${2:-20}"
dir="${BENCH_DIR:-/dev/shm/upfront-bench}"
mkdir -p "$dir"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
upfront="$here/target/release/upfront"

corpus="$dir/s$n"
[ -f "$corpus/site.toml" ] || python3 "$shared/gen-corpus.py" "$corpus" --incidents "$n" --letters 3 --seed 1 >/dev/null

measure() { # name edit url-template command...
  local name="$1" edit="$2" url="$3"; shift 3
  rm -rf "$dir/scratch" && cp -r "$corpus" "$dir/scratch"
  local line
  line="$(python3 "$shared/watch-latency.py" --content "$dir/scratch" --runs "$runs" --edit "$edit" \
    --url "$url" -- "$@" 2>&1 | tail -1)"
  printf '%-8s %-6s %s\n' "$name" "$edit" "$line"
}

echo "corpus: $n incidents; $runs edits each; save -> new bytes served"
measure upfront body  'http://127.0.0.1:1112/incidents/{stem}/' "$upfront" serve --root "$dir/scratch" --port 1112
measure upfront title 'http://127.0.0.1:1112/incidents/'        "$upfront" serve --root "$dir/scratch" --port 1112
if command -v hugo >/dev/null; then
  measure hugo body  'http://127.0.0.1:1313/incidents/{stem}/' "$shared/hugo-serve.sh" "$dir/scratch" 1313
  measure hugo title 'http://127.0.0.1:1313/incidents/'        "$shared/hugo-serve.sh" "$dir/scratch" 1313
else
  echo "hugo: not installed, skipped (apt-get install hugo)"
fi
