#!/usr/bin/env bash
# Indicators (raked, calibrated SEs) with wellbeing and with R's survey package on the same file, in one run.
#   Benchmarks/compare-indicators.sh [N]      (default N = 100000; R needs minutes)
# Needs R: apt-get install -y --no-install-recommends r-base-core r-cran-survey
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
data=Benchmarks/data
mkdir -p "$data/ind-$n"
if [ ! -f "$data/ind-$n/responses.csv" ]; then
  python3 ../shared/tools/gen_survey.py --n "$n" --waves 1 --out "$data/ind-$n" >/dev/null
fi
swift build -c release --product wellbeing >/dev/null
store="$data/ind-$n/store.sqlite"
rm -f "$store"*
.build/release/wellbeing import responses "$data/ind-$n/responses.csv" --instrument Surveys/lwc-synthetic.yaml --store "$store" 2>/dev/null
.build/release/wellbeing import population "$data/ind-$n/population.csv" --margins 'age_band*sex,region' --store "$store" 2>/dev/null
period=$(.build/release/wellbeing batches --store "$store" --format csv | awk -F, 'NR==2 {print $7}')
for run in 1 2 3; do
  /usr/bin/time -f "wellbeing indicators (run $run): %e s, peak %M KB" .build/release/wellbeing indicators \
    --period "$period" --weights raked --format json --store "$store" >/dev/null 2>"$data/ind-$n/time.log" || true
  tail -1 "$data/ind-$n/time.log"
done
Rscript Benchmarks/indicators.R "$data/ind-$n/responses.csv" "$data/ind-$n/population.csv"
