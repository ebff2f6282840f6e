#!/usr/bin/env bash
# The scenarios of docs/benchmarks.md, one after the other, each beside the bare pass-through in
# the same run: `bench/suite.sh [names...]` (default: all). Each prints its tables (markdown, as
# copied into docs/benchmarks.md) to bench/results/suite-<name>.log and its figures to
# bench/results/suite-<name>.json. Takes about 30 minutes for all; the machine should be idle.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
declare -A RUNS=(
  [t2k]="--chargers 1000 --interval 0.5 --duration 30 --sim-procs 2 --configs bare,no-history,shipped"
  [t5k]="--chargers 1000 --interval 0.2 --duration 30 --sim-procs 2 --configs bare,no-history,shipped"
  [t10k]="--chargers 1000 --interval 0.1 --duration 30 --sim-procs 2 --configs bare,no-history,shipped"
  [flood]="--chargers 500 --interval 0.5 --duration 20 --sim-procs 2 --flood 20 --configs bare,shipped"
  [http]="--chargers 500 --interval 0.5 --duration 20 --sim-procs 2 --http-load 1000 --configs bare,shipped"
  [fleet]="--chargers 18000 --interval 10 --duration 60 --sim-procs 2 --sources 8 --ramp 300 --configs bare,shipped"
)
ORDER=(t2k t5k t10k flood http fleet)
names=("$@"); [ ${#names[@]} -eq 0 ] && names=("${ORDER[@]}")
status=0
for n in "${names[@]}"; do
  args=${RUNS[$n]:-}
  if [ -z "$args" ]; then echo "unknown scenario $n (known: ${ORDER[*]})" >&2; exit 2; fi
  echo "== $n: npm run bench -- $args"
  # shellcheck disable=SC2086
  npm run --silent bench -- $args --out "bench/results/suite-$n.json" > "bench/results/suite-$n.log" 2>&1
  rc=$?
  [ $rc -ne 0 ] && status=$rc
  grep -E '^\|' "bench/results/suite-$n.log"
  echo "== $n exit $rc"
done
exit $status
