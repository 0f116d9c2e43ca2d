#!/usr/bin/env bash
# Full-build benchmark: upfront (release) against the Hugo peer site, on the
# same generated corpora, in one run. Prints a table of medians and peak RSS.
#
# Usage: bench/build.sh [--100k] [--runs N] [--no-build] [--work DIR]
#   --100k      also the 100,000-incident corpus (~220 MB of Markdown, slow)
#   --runs N    timed runs per command and size (default 7; 3 for 100k)
#   --no-build  use target/release/upfront as it is
#   --work DIR  where corpora and outputs go (default /dev/shm/upfront-bench:
#               tmpfs, because the disk here is too noisy to compare CPU work)
# Needs: hyperfine, python3, /work/shared/bench (or UPFRONT_BENCH_TOOLS=dir).
# Hugo is optional: without `hugo` its column says "skipped".
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${UPFRONT_BENCH_TOOLS:-$repo/../shared/bench}"
[ -d "$tools" ] || tools=/work/shared/bench
work=/dev/shm/upfront-bench
runs=7
sizes=(1000 10000)
build=1
# A fixed moment, so every run renders the same site.
now=2025-07-01T00:00:00Z

while [ "$#" -gt 0 ]; do
  case "$1" in
    --100k) sizes+=(100000) ;;
    --runs) runs="$2"; shift ;;
    --no-build) build=0 ;;
    --work) work="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench/build.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

for tool in hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "bench/build.sh: $tool is required (apt-get install $tool)" >&2; exit 1; }
done
[ -x "$tools/gen-corpus.py" ] || { echo "bench/build.sh: no gen-corpus.py in $tools (set UPFRONT_BENCH_TOOLS)" >&2; exit 1; }

if [ "$build" = 1 ]; then
  (cd "$repo" && cargo build --release --quiet)
fi
upfront="$repo/target/release/upfront"

have_hugo=0
if command -v hugo >/dev/null; then
  have_hugo=1
else
  echo "hugo not found: the Hugo side is skipped (apt-get install hugo to compare)"
fi

mkdir -p "$work"
# hugo-build.sh makes its temp skeleton under TMPDIR: keep it on the same tmpfs.
export TMPDIR="$work"

# Peak resident set size in KiB of one run of "$@".
peak_rss() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null
    tail -n 1 "$work/rss"
  else
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
  fi
}

rows="$work/rows.tsv"
: >"$rows"
for n in "${sizes[@]}"; do
  site="$work/s$n"
  if [ ! -f "$site/.complete" ]; then
    echo "generating $n incidents in $site"
    "$tools/gen-corpus.py" "$site" --incidents "$n" --letters 3 --seed 1 --force >/dev/null
    touch "$site/.complete"
  fi
  r=$runs
  [ "$n" -ge 100000 ] && [ "$runs" -gt 3 ] && r=3
  up_out="$work/out-upfront-$n"
  hugo_out="$work/out-hugo-$n"
  up_cmd="$upfront build --quiet --root $site --output $up_out --now $now"
  hugo_cmd="$tools/hugo-build.sh $site $hugo_out"
  cmds=(-n upfront "$up_cmd")
  [ "$have_hugo" = 1 ] && cmds+=(-n hugo "$hugo_cmd")
  echo "== $n incidents"
  hyperfine --style basic --warmup 1 --runs "$r" \
    --prepare "rm -rf $up_out $hugo_out" \
    --export-json "$work/hyperfine-$n.json" "${cmds[@]}"
  rm -rf "$up_out" "$hugo_out"
  up_rss=$(peak_rss $up_cmd)
  hugo_rss=-
  if [ "$have_hugo" = 1 ]; then
    hugo_rss=$(peak_rss $hugo_cmd)
  fi
  rm -rf "$up_out" "$hugo_out"
  printf '%s\t%s\t%s\t%s\n' "$n" "$work/hyperfine-$n.json" "$up_rss" "$hugo_rss" >>"$rows"
done

python3 - "$rows" <<'EOF'
import json, sys
print()
print("| incidents | upfront median | Hugo median | Hugo / upfront | upfront peak RSS | Hugo peak RSS |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
for line in open(sys.argv[1]):
    n, path, up_rss, hugo_rss = line.rstrip("\n").split("\t")
    medians = {r["command"]: r["median"] for r in json.load(open(path))["results"]}
    up = medians["upfront"]
    hugo = medians.get("hugo")
    mb = lambda kib: "-" if kib == "-" else f"{int(kib) / 1024:.0f} MB"
    print(f"| {int(n):,} | {up * 1000:.0f} ms | "
          + (f"{hugo * 1000:.0f} ms | {hugo / up:.1f}x" if hugo else "skipped | -")
          + f" | {mb(up_rss)} | {mb(hugo_rss)} |")
EOF
