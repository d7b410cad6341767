#!/usr/bin/env bash
# Indicators (raked, calibrated SEs) and a full report for a store of N respondents (default 1,000,000).
#   Benchmarks/indicators-and-report.sh [N]
. "$(dirname "$0")/lib.sh"
n=${1:-1000000}
data=$(survey_data store "$n")
swift build -c release --product wellbeing >/dev/null
store="$data/store.sqlite"
if [ ! -f "$store" ]; then
  .build/release/wellbeing import responses "$data/responses.csv" --instrument Surveys/lwc-synthetic.yaml --store "$store" 2>/dev/null
  .build/release/wellbeing import population "$data/population.csv" --margins 'age_band*sex,region' --store "$store" 2>/dev/null
fi
period=$(.build/release/wellbeing batches --store "$store" --format csv | awk -F, 'NR==2 {print $7}')
for run in 1 2 3; do
  /usr/bin/time -f "indicators --format json (run $run): %e s, peak %M KB" .build/release/wellbeing indicators \
    --period "$period" --format json --store "$store" 2>&1 >/dev/null | tail -1
done
for run in 1 2 3; do
  /usr/bin/time -f "report --format both (run $run): %e s, peak %M KB" .build/release/wellbeing report \
    --period "$period" --format both --out "$data/reports" --store "$store" 2>&1 >/dev/null | tail -1
done
