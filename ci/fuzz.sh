#!/usr/bin/env bash
# Builds the libFuzzer targets of harness/fuzz with Debian's clang++ (ASan and UBSan) into
# build-fuzz/ (or $IPCC_FUZZ_BUILD_DIR) and runs each from its seed corpus for a short time.
# Any crash fails the script; its input is left in build-fuzz/fuzz-work/<target>/crashes/. Fix the
# bug and copy the input into harness/fuzz/regressions/<target>/, where the ordinary tests replay it.
#
#   ci/fuzz.sh                             # every target, 20 s each
#   IPCC_FUZZ_SECONDS=300 ci/fuzz.sh results report
#   build-fuzz/bin/fuzz-results CRASH-FILE  # replays one input
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${IPCC_FUZZ_SECONDS:-20}
build_dir=${IPCC_FUZZ_BUILD_DIR:-build-fuzz}
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(expectations results report cli)

bash ci/deps.sh build
# libFuzzer and the sanitizer runtimes come with clang and libclang-rt-dev.
missing=()
for p in clang libclang-rt-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "ci/fuzz.sh: missing packages (${missing[*]}); run as root or install them" >&2; exit 1; }
  echo "ci/fuzz.sh: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DIPCC_FUZZ=ON -DIPCC_WERROR=OFF >/dev/null
cmake --build "$build_dir" --target ipcc_fuzzers -j "${IPCC_JOBS:-2}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
summary=()
for t in "${targets[@]}"; do
  bin="$build_dir/bin/fuzz-$t"
  [ -x "$bin" ] || { echo "ci/fuzz.sh: no fuzz target '$t' (expectations, results, report, cli)" >&2; exit 2; }
  work="$build_dir/fuzz-work/$t"
  rm -rf "$work/crashes"
  mkdir -p "$work/corpus" "$work/crashes"
  dict=()
  [ -f "harness/fuzz/$t.dict" ] && dict=("-dict=harness/fuzz/$t.dict")
  regressions=()
  [ -d "harness/fuzz/regressions/$t" ] && regressions=("harness/fuzz/regressions/$t")
  echo "== fuzz-$t: ${seconds} s"
  status=0
  # New inputs go into the work corpus (the first folder); the seeds and regressions are only read.
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
         -artifact_prefix="$work/crashes/" "${dict[@]}" \
         "$work/corpus" "harness/fuzz/corpus/$t" "${regressions[@]}" >"$work/log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  cov=$(sed -n "s/.* cov: \([0-9]*\) .*/\1/p" "$work/log" | tail -1)
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    tail -n 40 "$work/log"
    summary+=("$(printf '%-13s CRASH  execs=%s  input: %s' "$t" "${execs:-?}" "$(find "$work/crashes" -type f | head -n 1)")")
  else
    summary+=("$(printf '%-13s ok     execs=%s  exec/s=%s  coverage=%s  corpus=%s' "$t" "${execs:-?}" "${rate:-?}" \
                "${cov:-?}" "$(find "$work/corpus" -type f | wc -l)")")
  fi
done
echo "== fuzz summary (${seconds} s per target)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "ci/fuzz.sh: crashes in: ${failed[*]} (logs in $build_dir/fuzz-work/<target>/log)" >&2
  exit 1
fi
