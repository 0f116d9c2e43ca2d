#!/usr/bin/env bash
# Time from `upfront new incident ...` to a built site that shows the banner
# on the homepage and the Special Notice on /downloads/ (two commands), on the
# example site and on a generated corpus. Usage: bench/incident-loop.sh [INCIDENTS]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
shared="$(cd "$here/.." && pwd)/shared/bench"
n="${1:-10000}"
dir="${BENCH_DIR:-/dev/shm/upfront-bench}"
mkdir -p "$dir"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
upfront="$here/target/release/upfront"
corpus="$dir/s$n"
[ -f "$corpus/site.toml" ] || python3 "$shared/gen-corpus.py" "$corpus" --incidents "$n" --letters 3 --seed 1 >/dev/null
rm -rf "$dir/example" && mkdir -p "$dir/example" && cp -r "$here/site.toml" "$here/content" "$dir/example/"

for site in "$dir/example" "$corpus"; do
  out="$dir/out-$(basename "$site")"
  loop="$upfront new incident 'Installers fail to start' --severity critical --affects downloads --summary 'Setup exits at once' --root $site >/dev/null && $upfront build -q --root $site --output $out"
  hyperfine -N --warmup 1 --runs 10 --prepare "rm -f $site/content/incidents/installers-fail-to-start.md" \
    --command-name "new incident + build: $(basename "$site")" "sh -c \"$loop\"" 2>&1 | grep -E 'Benchmark|Time'
  # The last run's site really shows it.
  grep -q 'Installers fail to start' "$out/index.html" && grep -q 'Special Notice' "$out/downloads/index.html" \
    && grep -q 'Installers fail to start' "$out/downloads/index.html" && echo "  verified: banner on / and notice on /downloads/"
  rm -f "$site/content/incidents/installers-fail-to-start.md"
done
