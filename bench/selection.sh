#!/usr/bin/env bash
# bench/selection.sh: how long the need index, its 1,000-draw sensitivity analysis and a selection
# take over 100,000 generated institutions (the issue's target: at most 5 s for all three on this
# machine), timed in-process by bench/time_selection. A bounded run that reports figures; it never
# fails on them.
#
#   ninja -C build && bench/selection.sh        about 30 s
#   BENCH_COUNT=20000 bench/selection.sh        fewer institutions
#
# Environment: BENCH_COUNT (default 100000), BENCH_DRAWS (default 1000), BENCH_RUNS (timed runs of
# each setting, default 3), BENCH_SEED (default 20260101), EDUBRIDGE_BIN (default ./build/edubridge;
# time_selection is looked for in its build dir).
#
# Settings: the sensitivity analysis on 1 thread and on 2 (the result is the same: each draw has its
# own generator), and once more with the aggregation varied too (geometric means cost exp and log).
# The institutions: 40 countries, 30% informal, 40% rural, 8 indicators in 4 domains, about 4% of
# values missing (bench/time_selection.c says how they are drawn). The selection: 10 institutions,
# at most 2 per country, at least 3 informal, at least 40% rural, consent required.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

BIN=${EDUBRIDGE_BIN:-./build/edubridge}
COUNT=${BENCH_COUNT:-100000}
DRAWS=${BENCH_DRAWS:-1000}
RUNS=${BENCH_RUNS:-3}
SEED=${BENCH_SEED:-20260101}
TIME=$(dirname "$BIN")/bench/time_selection
[ -x "$TIME" ] || { echo "bench: $TIME is missing (ninja -C build builds it)" >&2; exit 2; }
TIME=$(realpath "$TIME")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

commands=()
# figure NAME OUTPUT: the wall milliseconds on the line that starts with NAME; cpu NAME OUTPUT: its
# CPU milliseconds (every thread of the process)
figure() { printf '%s\n' "$2" | sed -n "s/^$1[^:]*: \([0-9.]*\) ms.*/\1/p"; }
cpu() { printf '%s\n' "$2" | sed -n "s/^$1[^:]*: [0-9.]* ms (cpu \([0-9.]*\) ms).*/\1/p"; }

run_setting() { # label threads [--vary-agg]
  local label=$1 threads=$2 extra=${3:-} out i idx=() sens=() sel=() all=() allcpu=()
  commands+=("$TIME $COUNT $DRAWS $SEED $threads${extra:+ $extra}")
  for i in $(seq "$RUNS"); do
    out=$("$TIME" "$COUNT" "$DRAWS" "$SEED" "$threads" $extra) || { echo "bench: time_selection failed" >&2; return 0; }
    [ "$i" = 1 ] && last_out=$out
    idx+=("$(figure 'need index' "$out")")
    sens+=("$(figure sensitivity "$out")")
    sel+=("$(figure selection "$out")")
    all+=("$(figure 'all three' "$out")")
    allcpu+=("$(cpu 'all three' "$out")")
  done
  printf '%-38s %8s %12s %10s %10s %10s %10s\n' "$label" "$(median "${idx[@]}")" "$(median "${sens[@]}")" \
    "$(median "${sel[@]}")" "$(median "${all[@]}")" "$(printf '%s\n' "${all[@]}" | sort -g | head -1)" \
    "$(median "${allcpu[@]}")"
}

echo "bench: $COUNT institutions, $DRAWS draws, $RUNS runs of each setting (wall-clock medians in ms;"
echo "       'fastest' is the fastest run of all three, 'cpu' the median CPU time of all three, every thread)"
printf '%-38s %8s %12s %10s %10s %10s %10s\n' "setting" "index" "sensitivity" "selection" "all three" "fastest" "cpu"
last_out=""
run_setting "weights and normalisation, 1 thread" 1
first_out=$last_out
run_setting "weights and normalisation, 2 threads" 2
run_setting "also aggregation, 1 thread" 1 --vary-agg

echo
echo "What the first run found:"
printf '%s\n' "$first_out" | sed 's/^/  /'
echo
echo "Target: at most 5 s for all three."
echo "Machine: $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r)"
echo "Load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "GLPK $(dpkg-query -W -f='${Version}' libglpk40 2>/dev/null || echo '?'); tree $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' with changes'); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "Commands:"
for c in "${commands[@]}"; do echo "  $c"; done
