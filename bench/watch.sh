#!/usr/bin/env bash
# Save-to-served latency of `upfront serve`, beside `hugo server`, on the same
# corpus and in the same run (shared/bench/watch-latency.py does the timing;
# bench/update-latency.py times `upfront update`).
# Usage: bench/watch.sh [INCIDENTS] [RUNS] [--no-hugo]   (defaults: 10000, 20)
# Corpora and scratch copies go to $BENCH_DIR (default /dev/shm/upfront-bench).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
# The shared bench tools sit beside the repository, or beside the worktrees'
# folder for a git worktree (/work/wt/NAME); $SHARED_BENCH overrides both.
shared="${SHARED_BENCH:-$(cd "$here/.." && pwd)/shared/bench}"
[ -d "$shared" ] || shared="$(cd "$here/../.." && pwd)/shared/bench"
hugo=1
args=()
for a in "$@"; do
  if [ "$a" = --no-hugo ]; then hugo=0; else args+=("$a"); fi
done
n="${args[0]:-10000}"
runs="${args[1]:-20}"
dir="$(mkdir -p "${BENCH_DIR:-/dev/shm/upfront-bench}" && cd "${BENCH_DIR:-/dev/shm/upfront-bench}" && pwd)"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
upfront="$here/target/release/upfront"

corpus="$dir/s$n"
[ -f "$corpus/site.toml" ] || python3 "$shared/gen-corpus.py" "$corpus" --incidents "$n" --letters 3 --seed 1 >/dev/null

fresh() { rm -rf "$dir/scratch" && cp -r "$corpus" "$dir/scratch"; }

measure() { # name edit url-template command...
  local name="$1" edit="$2" url="$3"; shift 3
  fresh
  local line
  line="$(python3 "$shared/watch-latency.py" --content "$dir/scratch" --runs "$runs" --edit "$edit" \
    --url "$url" -- "$@" 2>&1 | tail -1)"
  printf '%-8s %-6s %s\n' "$name" "$edit" "$line"
}

echo "corpus: $n incidents; $runs edits each; save -> new bytes served"
up=(serve --root "$dir/scratch" --port 1112)
# Both poll the note's own page: `serve` swaps in a rebuilt site whole, so
# the new title there means the archive page listing it, the homepage and
# the feed are served new too. (The archive is paginated: polling
# /incidents/ would wait forever for a note listed on a later page.)
measure upfront body  'http://127.0.0.1:1112/incidents/{stem}/' "$upfront" "${up[@]}"
measure upfront title 'http://127.0.0.1:1112/incidents/{stem}/' "$upfront" "${up[@]}"
# update: `upfront update` until the note's page and the feed show it.
fresh
line="$(python3 "$here/bench/update-latency.py" --upfront "$upfront" --content "$dir/scratch" --runs "$runs" \
  --url 'http://127.0.0.1:1112/incidents/{stem}/' --url 'http://127.0.0.1:1112/feed.xml' \
  -- "$upfront" "${up[@]}" 2>&1 | tail -1)"
printf '%-8s %-6s %s\n' upfront update "$line"
# new, resolve: `upfront new incident` / `upfront resolve` until the homepage
# shows (or drops) its banner and its page is served: a component's status changes.
fresh
python3 "$here/bench/lifecycle-latency.py" --upfront "$upfront" --content "$dir/scratch" \
  --runs "$(( runs < 10 ? runs : 10 ))" --base 'http://127.0.0.1:1112' -- "$upfront" "${up[@]}" 2>&1 \
  | grep -E '^(new|resolve)-latency' | while read -r kind rest; do
    printf '%-8s %-6s %s\n' upfront "${kind%%-*}" "$kind $rest"
  done
if [ "$hugo" = 0 ]; then
  echo "hugo: skipped (--no-hugo)"
elif command -v hugo >/dev/null; then
  measure hugo body  'http://127.0.0.1:1313/incidents/{stem}/' "$shared/hugo-serve.sh" "$dir/scratch" 1313
  measure hugo title 'http://127.0.0.1:1313/incidents/'        "$shared/hugo-serve.sh" "$dir/scratch" 1313
else
  echo "hugo: not installed, skipped (apt-get install hugo)"
fi
