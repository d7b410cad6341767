#!/usr/bin/env bash
# A store on PostgreSQL against its peers, in one run on the same server and file (DESIGN §18):
#  - import of N respondents into PostgreSQL vs `psql \copy` of the same CSV into an untyped (all text) table;
#  - `indicators` from the PostgreSQL store vs from an SQLite store holding the same import.
#   Benchmarks/compare-postgres.sh [N]        (default N = 1000000 respondents)
# Needs: a server (run as root: eval "$(.ci/postgres.sh start /tmp/wbpg)"; or set WELLBEING_TEST_POSTGRES and
# WELLBEING_TEST_POSTGRES_PASSWORD to a database you may create databases from), psql, GNU time.
. "$(dirname "$0")/lib.sh"
n=${1:-1000000}
: "${WELLBEING_TEST_POSTGRES:?start a server first: eval \"\$(.ci/postgres.sh start /tmp/wbpg)\"}"
export PGPASSWORD=${WELLBEING_TEST_POSTGRES_PASSWORD:-${PGPASSWORD:-}}
server=${WELLBEING_TEST_POSTGRES%/*}
data=Benchmarks/data
csv="$(survey_data store "$n")/responses.csv"
swift build -c release --traits PostgreSQL --product wellbeing >/dev/null
echo "file: $csv ($(du -h "$csv" | cut -f1), $n respondents); server: $(psql -X -At "$WELLBEING_TEST_POSTGRES" -c 'SHOW server_version')"
printf '%-44s %10s %14s\n' "what" "seconds" "peak memory"

measure() {  # label, command...
  local label=$1; shift
  local log; log=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$log" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; cat "$log" >&2; }
  read -r seconds kilobytes <"$log" || true
  printf '%-44s %10s %11s MB\n' "$label" "$seconds" "$((kilobytes / 1024))"
  rm -f "$log"
}
fresh_database() {  # name
  psql -X -q "$WELLBEING_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
}

columns=$(head -1 "$csv" | tr -d '\r' | python3 -c 'import sys; print(", ".join("c%d text" % i for i, _ in enumerate(sys.stdin.read().split(","))))')
for run in 1 2 3; do
  fresh_database wb_bench_copy
  psql -X -q "$server/wb_bench_copy" -c "CREATE TABLE responses ($columns)"
  measure "psql \\copy into an untyped table (run $run)" \
    psql -X -q "$server/wb_bench_copy" -c "\\copy responses FROM '$csv' WITH (FORMAT csv, HEADER true)"
  fresh_database wb_bench
  measure "wellbeing import responses → PostgreSQL ($run)" .build/release/wellbeing import responses "$csv" \
    --instrument Surveys/lwc-synthetic.yaml --store "$server/wb_bench"
done
rm -f "$data/bench-pg.sqlite"*
measure "wellbeing import responses → SQLite" .build/release/wellbeing import responses "$csv" \
  --instrument Surveys/lwc-synthetic.yaml --store "$data/bench-pg.sqlite"
period=$(.build/release/wellbeing batches --store "$data/bench-pg.sqlite" --format csv | tail -1 | cut -d, -f7)
for run in 1 2 3; do
  measure "indicators from SQLite (run $run)" .build/release/wellbeing indicators --period "$period" --weights none \
    --store "$data/bench-pg.sqlite" --format json
  measure "indicators from PostgreSQL (run $run)" .build/release/wellbeing indicators --period "$period" --weights none \
    --store "$server/wb_bench" --format json
done
psql -X -q "$WELLBEING_TEST_POSTGRES" -c "DROP DATABASE wb_bench" -c "DROP DATABASE wb_bench_copy"
rm -f "$data/bench-pg.sqlite"*
