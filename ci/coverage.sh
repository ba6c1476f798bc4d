#!/usr/bin/env bash
# Line coverage of the harness and the reports by the project's own tests: builds with
# -DIPCC_COVERAGE=ON into build-coverage/ (or $IPCC_COVERAGE_BUILD_DIR), runs every CTest, and writes
# build-coverage/coverage.info and the HTML report build-coverage/coverage-html/index.html.
# Prints the line coverage of harness/ and reports/ and of both together, and fails when the tests
# fail or when both together are below $IPCC_COVERAGE_MIN percent (default 85).
#
# Counted: the sources under harness/ and reports/, headers included, with every instrumented file
# at zero to start with (a file no test reaches counts, it is not left out). Not counted: the tests
# themselves (*/tests/*), harness/fuzz/ and harness/gate/bench/ (tools, not run by the tests) and system
# headers. The case processes and supervisors end with _exit(); they write their counters through
# harness/caselib/coverage.h first.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build_dir=${IPCC_COVERAGE_BUILD_DIR:-build-coverage}
min=${IPCC_COVERAGE_MIN:-85}

bash ci/deps.sh build
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DIPCC_COVERAGE=ON -DIPCC_MECHANISMS= >/dev/null
ninja -C "$build_dir" ${IPCC_JOBS:+-j "$IPCC_JOBS"}

# lcov 1.16's geninfo defines some subroutines twice, and perl says so on every run: not a problem.
lcov_q() { lcov --quiet "$@" 2> >(grep -v ' redefined at /usr/bin/geninfo' >&2); }
lcov_q --zerocounters --directory "$build_dir"
lcov_q --capture --initial --directory "$build_dir" --output-file "$build_dir/coverage-base.info"

tests_status=0
# Serial, as in ci/test.sh: several tests look at the whole machine.
# IPCC_CTEST_ARGS adds ctest arguments, e.g. IPCC_CTEST_ARGS='-LE mutation' to leave out the long
# mutation test (its coverage is then missing from the figures).
# shellcheck disable=SC2086
(cd "$build_dir" && ctest --output-on-failure --timeout 900 ${IPCC_CTEST_ARGS:-}) || tests_status=$?

lcov_q --capture --directory "$build_dir" --output-file "$build_dir/coverage-tests.info"
lcov_q --add-tracefile "$build_dir/coverage-base.info" --add-tracefile "$build_dir/coverage-tests.info" \
               --output-file "$build_dir/coverage-all.info"
lcov_q --remove "$build_dir/coverage-all.info" '/usr/*' '*/tests/*' "$src/harness/fuzz/*" \
               "$src/harness/gate/bench/*" "$src/$build_dir/*" --output-file "$build_dir/coverage.info"
genhtml --quiet --title ipcconform --legend "$build_dir/coverage.info" --output-directory "$build_dir/coverage-html"

# "hit total" of the lines of the files under the given folders.
line_counts() {
  local out="$build_dir/coverage-part.info"
  local patterns=()
  for d in "$@"; do patterns+=("$src/$d/*"); done
  lcov_q --extract "$build_dir/coverage.info" "${patterns[@]}" --output-file "$out"
  awk -F: '/^LH:/ {hit += $2} /^LF:/ {found += $2} END {print hit + 0, found + 0}' "$out"
}
percent() { awk -v h="$1" -v f="$2" 'BEGIN {printf "%.1f", (f > 0 ? 100 * h / f : 0)}'; }

read -r h_hit h_all < <(line_counts harness)
read -r r_hit r_all < <(line_counts reports)
read -r c_hit c_all < <(line_counts harness reports)
combined=$(percent "$c_hit" "$c_all")
echo "== line coverage (report: $build_dir/coverage-html/index.html)"
printf 'harness/            %6s%%  (%d of %d lines)\n' "$(percent "$h_hit" "$h_all")" "$h_hit" "$h_all"
printf 'reports/            %6s%%  (%d of %d lines)\n' "$(percent "$r_hit" "$r_all")" "$r_hit" "$r_all"
printf 'harness/+reports/   %6s%%  (%d of %d lines; the minimum is %s%%)\n' "$combined" "$c_hit" "$c_all" "$min"

# The weakest files first, to know where tests are missing.
echo "== least covered files (harness/, reports/)"
awk -v src="$src/" '
  /^SF:/ {file = substr($0, 4); sub("^" src, "", file)}
  /^LH:/ {hit = substr($0, 4)}
  /^LF:/ {found = substr($0, 4)}
  /^end_of_record/ {
    if ((file ~ /^(harness|reports)\//) && found > 0) printf "%6.1f%%  %5d of %5d  %s\n", 100 * hit / found, hit, found, file
  }' "$build_dir/coverage.info" | sort -n | head -n 12

if [ "$tests_status" -ne 0 ]; then
  echo "ci/coverage.sh: the tests failed (ctest status $tests_status)" >&2
  exit 1
fi
if awk -v c="$combined" -v m="$min" 'BEGIN {exit !(c + 0 < m + 0)}'; then
  echo "ci/coverage.sh: line coverage of harness/ and reports/ is ${combined}%, below the minimum of ${min}%" >&2
  exit 1
fi
