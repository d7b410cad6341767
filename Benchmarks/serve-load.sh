#!/usr/bin/env bash
# `wellbeing serve` under load (DESIGN §24): CLIENTS concurrent readers of `indicators` of a store of N respondents
# (period 2025, raked to population margins) while one import of another N respondents (period 2026) runs through
# the same server. Prints p50/p95/max latency (all requests, and those that ran while the import did), errors,
# the import's time and the server's peak memory (VmHWM). Target: p95 <= 1 s, no error, <= 500 MB.
#   Benchmarks/serve-load.sh [SECONDS] [CLIENTS] [N]        (defaults 60, 50, 100000)
#   WELLBEING_BIN=.build/debug/wellbeing Benchmarks/serve-load.sh   (default: a release build with the Server trait)
. "$(dirname "$0")/lib.sh"
seconds=${1:-60}
clients=${2:-50}
n=${3:-100000}
bin=${WELLBEING_BIN:-}
if [ -z "$bin" ]; then
  swift build -c release --traits Server --product wellbeing >/dev/null
  bin=.build/release/wellbeing
fi
data=$(survey_data store "$n")
second="Benchmarks/data/serve-import-$n"
mkdir -p "$second"
[ -f "$second/responses.csv" ] || python3 ../shared/tools/gen_survey.py --n "$n" --waves 1 --first-year 2026 --seed 7 \
  --out "$second" >/dev/null
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; wait "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
store="$work/store.sqlite"
"$bin" import responses "$data/responses.csv" --instrument Surveys/lwc-synthetic.yaml --period 2025 --store "$store" 2>/dev/null
"$bin" import population "$data/population.csv" --margins 'age_band*sex,region' --store "$store" 2>/dev/null
echo "binary: $bin; store: $n respondents (2025, raked); import: $n respondents as 2026; $clients clients, ${seconds} s"
WELLBEING_DATA="$PWD/Surveys" "$bin" serve --port 0 --store "$store" >"$work/address" 2>"$work/server.log" &
server=$!
for _ in $(seq 1 600); do [ -s "$work/address" ] && break; sleep 0.1; done
login=$(head -1 "$work/address" | sed 's/^wellbeing serve: //')
[ -n "$login" ] || { echo "the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
status=0
python3 Benchmarks/serve_load.py "$login" "$server" "$second/responses.csv" lwc-synthetic 2026 \
  --clients "$clients" --seconds "$seconds" || status=$?
"$bin" batches --store "$store" 2>/dev/null | tail -2
exit $status
