#!/usr/bin/env bash
# Runs the fuzz targets for a while each, one after another.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#
# Builds with cargo-fuzz on the stable toolchain (`-s none`: libFuzzer's
# coverage guidance without a sanitizer, which would need nightly). New
# inputs go to fuzz/corpus/<target>/ (not committed), seeds are read from
# fuzz/seeds/<target>/ (committed), crashes land in fuzz/artifacts/<target>/
# and make the script exit non-zero. Logs: fuzz/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
command -v cargo-fuzz >/dev/null || { echo "fuzz: cargo-fuzz is not installed (cargo install cargo-fuzz)" >&2; exit 1; }
cargo fuzz build -s none
mkdir -p logs
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "seeds/$t"
  echo "fuzz: $t for ${secs}s"
  # -timeout: an input taking over 10 s counts as a hang; -rss_limit_mb: so does
  # one allocating a gigabyte (a YAML bomb must be refused, not expanded).
  if ! cargo fuzz run -s none "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len=16384 \
      -print_final_stats=1 >"logs/$t.log" 2>&1; then
    echo "fuzz: $t FAILED, see fuzz/logs/$t.log and fuzz/artifacts/$t/" >&2
    grep -m1 -A3 "panicked at\|ERROR: libFuzzer" "logs/$t.log" >&2 || true
    status=1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "logs/$t.log" | sed "s/^/fuzz: $t /" || true
done
exit $status
