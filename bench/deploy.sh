#!/usr/bin/env bash
# Time to public: `upfront deploy s3://…` against a local S3 server (moto), on a
# generated 1,000-incident site: a first deploy, the same build again, the
# scheduled rebuild 5 minutes later with nothing new, and
# `upfront new incident … && upfront deploy …` (the figure SPEC §10 aims at:
# under 2 s from the command to the last byte uploaded).
# Usage: bench/deploy.sh [INCIDENTS]   (default 1000)
# Needs moto_server (pip install 'moto[server]'). Scratch goes to $BENCH_DIR
# (default /dev/shm/upfront-bench).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
shared="$(cd "$here/.." && pwd)/shared/bench"
[ -d "$shared" ] || shared=/work/shared/bench   # from a worktree under /work/wt/
n="${1:-1000}"
dir="$(mkdir -p "${BENCH_DIR:-/dev/shm/upfront-bench}" && cd "${BENCH_DIR:-/dev/shm/upfront-bench}" && pwd)"
command -v moto_server >/dev/null || { echo "bench/deploy.sh: moto_server is missing: pip install 'moto[server]'" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
upfront="$here/target/release/upfront"

site="$dir/deploy-s$n"
rm -rf "$site"
python3 "$shared/gen-corpus.py" "$site" --incidents "$n" --letters 3 --seed 1 >/dev/null

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs -X PUT "http://127.0.0.1:$port/status-bench" >/dev/null

export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
deploy=("$upfront" deploy s3://status-bench --root "$site" --base-url https://status.acme.com)

files="$(cd "$site" && "$upfront" build -q --root . >/dev/null && find public -type f ! -name .upfront-output | wc -l)"
bytes="$(find "$site/public" -type f ! -name .upfront-output -printf '%s\n' | awk '{s+=$1} END {print s}')"
echo "site: $n incidents, $files files, $bytes bytes (moto on 127.0.0.1:$port)"
printf '%-12s %s\n' step "what deploy printed (wall clock of the whole command in [])"

run() { # name command...
  local name="$1"; shift
  local start end out
  start="$(date +%s.%N)"
  out="$("$@" | tail -1)"
  end="$(date +%s.%N)"
  printf '%-12s %s [%.2f s]\n' "$name" "${out#upfront: deployed to s3://status-bench: }" "$(echo "$end - $start" | bc)"
}

t0="$(date -u +%Y-%m-%dT%H:%M:00Z)"
t5="$(date -u -d "$t0 + 5 minutes" +%Y-%m-%dT%H:%M:00Z)"
t6="$(date -u -d "$t0 + 6 minutes" +%Y-%m-%dT%H:%M:00Z)"
run first "${deploy[@]}" --now "$t0"
run identical "${deploy[@]}" --now "$t0"          # the same build again: 0 uploads
run scheduled "${deploy[@]}" --now "$t5"          # the 5-minute rebuild, nothing new
run one-update sh -c '"$1" new incident "Checkout errors" --root "$2" --at "$3" --severity major --affects downloads --message "We are investigating." >/dev/null && shift 3 && "$@"' \
  sh "$upfront" "$site" "$t6" "${deploy[@]}" --now "$t6"
