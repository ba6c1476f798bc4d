#!/usr/bin/env bash
# The benchmark programs (docs/benchmarks.md): builds (ci/build.sh), then runs every
# build/bin/ipcconform-bench-* program with 5 repetitions, prints its console table (mean, median,
# stddev and cv of the repetitions) and writes results/bench/<program>.json. About 2 minutes on an
# idle 2-vCPU machine, once the build is done.
#
#   bash ci/bench.sh
#   IPCC_BENCH_FILTER='pipe|shm' bash ci/bench.sh     # a --benchmark_filter regex for every program
#   IPCC_BENCH_NO_BUILD=1 bash ci/bench.sh            # use the build folder as it is
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${IPCC_BUILD_DIR:-build}
if [ "${IPCC_BENCH_NO_BUILD:-0}" != 1 ]; then
  bash ci/build.sh
fi
out=results/bench
mkdir -p "$out"

filter=()
if [ -n "${IPCC_BENCH_FILTER:-}" ]; then
  filter=("--benchmark_filter=$IPCC_BENCH_FILTER")
fi

# program:minimum time per repetition in seconds (empty: the program's own; the suite runs once).
# The suite goes last: it loads both CPUs with the conformance run.
programs=(isolation: latency:0.3 throughput:0.1 suite:)
ran=0
for entry in "${programs[@]}"; do
  name=ipcconform-bench-${entry%%:*}
  min_time=${entry#*:}
  bin=$build_dir/bin/$name
  if [ ! -x "$bin" ]; then
    echo "ci/bench.sh: $bin is missing (is libbenchmark-dev installed? ci/deps.sh build)" >&2
    exit 1
  fi
  if [ "${#filter[@]}" -gt 0 ] && [ -z "$("$bin" --benchmark_list_tests=true "${filter[@]}" 2>/dev/null)" ]; then
    echo "==== $name: nothing matches IPCC_BENCH_FILTER, skipped"
    continue
  fi
  args=(--benchmark_repetitions=5 --benchmark_report_aggregates_only=true
        "--benchmark_out=$out/$name.json" --benchmark_out_format=json)
  if [ -n "$min_time" ]; then
    args+=("--benchmark_min_time=$min_time")
  fi
  echo "==== $name"
  t0=$SECONDS
  "$bin" "${args[@]}" "${filter[@]}"
  echo "==== $name: done in $((SECONDS - t0)) s, $out/$name.json"
  ran=$((ran + 1))
done
if [ "$ran" -eq 0 ]; then
  echo "ci/bench.sh: no benchmark matches IPCC_BENCH_FILTER='${IPCC_BENCH_FILTER:-}'" >&2
  exit 1
fi
echo "==== benchmarks: $ran programs in ${SECONDS} s, results in $out/"
