#!/usr/bin/env bash
# bench/summary.sh: how long the summary of a form takes over many answer sets: the counts of one
# select question and one cross-tab (the issue's target: at most 1 s each over 1,000,000 answer
# sets of the needs survey), timed in-process (bench/time_summary) and over HTTP with curl against
# a running server. A bounded run that reports figures; it never fails on them.
#
#   ninja -C build && bench/summary.sh        1,000,000 answer sets (about 15 minutes to generate,
#                                             about 5 GB of disk for the database and its WAL)
#   BENCH_COUNT=100000 bench/summary.sh       fewer
#   BENCH_DB=/var/tmp/summary.db bench/summary.sh
#                                             keeps the database there and reuses it when it holds
#                                             BENCH_COUNT answer sets already
#
# Environment: BENCH_COUNT (default 1000000), BENCH_RUNS (timed runs of each, default 5),
# BENCH_SEED (default 20260101), BENCH_DB (see above; default a temp dir removed at the end),
# EDUBRIDGE_BIN (default ./build/edubridge; the bench tools are looked for in its build dir).
#
# The form is data/forms/needs-survey.md; the select question is `connection` (6 choices, every
# respondent), the cross-tab `connection` by `area` (4 choices); further figures: a select_multiple
# by the 55-choice `country`, a number (`learners`) in quartile ranges by `area`, and the page of
# every question at once.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

BIN=${EDUBRIDGE_BIN:-./build/edubridge}
COUNT=${BENCH_COUNT:-1000000}
RUNS=${BENCH_RUNS:-5}
SEED=${BENCH_SEED:-20260101}
FORM=data/forms/needs-survey.md
FORM_ID=needs-survey
Q=connection
BY=area

for tool in "$BIN" "$(command -v curl || echo curl)" "$(command -v sqlite3 || echo sqlite3)"; do
  [ -x "$tool" ] || { echo "bench: $tool is missing (ninja -C build builds edubridge; scripts/deps.sh installs the rest)" >&2; exit 2; }
done
BIN=$(realpath "$BIN")
GEN=$(dirname "$BIN")/bench/gen_submissions
TIME=$(dirname "$BIN")/bench/time_summary
for tool in "$GEN" "$TIME"; do
  [ -x "$tool" ] || { echo "bench: $tool is missing (ninja -C build builds it)" >&2; exit 2; }
done
[ -f "$FORM" ] || { echo "bench: $FORM is missing" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/edubridge-summary.XXXXXX")
DB=${BENCH_DB:-$tmp/summary.db}
eb_pid=""
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cleanup() {
  if [ -n "$eb_pid" ] && kill -0 "$eb_pid" 2>/dev/null; then
    kill -TERM "$eb_pid" 2>/dev/null || true
    wait "$eb_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

commands=()
run() { # records a command as it is run
  commands+=("$*")
  "$@"
}

# --- the database ---------------------------------------------------------------------------------
have=0
if [ -f "$DB" ]; then
  have=$(sqlite3 "$DB" "SELECT COUNT(*) FROM submissions WHERE form_id = '$FORM_ID' AND status = 'submitted'" 2>/dev/null || echo 0)
fi
if [ "$have" = "$COUNT" ]; then
  echo "bench: reusing $DB ($have answer sets)"
  commands+=("(earlier, reused) $BIN form import $FORM --db $DB" "(earlier, reused) $GEN $DB $FORM_ID $COUNT $SEED")
else
  rm -f "$DB" "$DB-wal" "$DB-shm"
  run "$BIN" form import "$FORM" --db "$DB" >/dev/null 2>&1
  gen_start=$(date +%s.%N)
  run "$GEN" "$DB" "$FORM_ID" "$COUNT" "$SEED"
  gen_s=$(awk -v a="$gen_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
  echo "bench: generated in ${gen_s} s"
fi
rows=$(sqlite3 "$DB" "SELECT COUNT(*) FROM submission_values")
db_mib=$(awk -v b="$(stat -c %s "$DB")" 'BEGIN { printf "%.0f", b / 1048576 }')
index_mib=$(sqlite3 "$DB" "SELECT printf('%.0f', SUM(pgsize) / 1048576.0) FROM dbstat WHERE name LIKE 'submission_values%'" 2>/dev/null || echo "?")
echo "bench: $COUNT answer sets, $rows value rows; database $db_mib MiB, of which the value index $index_mib MiB"

# --- in-process ----------------------------------------------------------------------------------
echo
echo "In-process (bench/time_summary):"
# (Recorded by hand: run's record would be lost in the pipeline's subshell.)
commands+=("$TIME $DB $FORM_ID $Q $BY learners $RUNS --json-scan" "$TIME $DB $FORM_ID training_needs country '' $RUNS")
"$TIME" "$DB" "$FORM_ID" "$Q" "$BY" learners "$RUNS" --json-scan
"$TIME" "$DB" "$FORM_ID" training_needs country "" "$RUNS" | grep -E 'crosstab|join'

# --- over HTTP -----------------------------------------------------------------------------------
"$BIN" serve --db "$DB" --listen 127.0.0.1:0 --no-access-log >"$tmp/serve.out" 2>"$tmp/serve.err" &
eb_pid=$!
commands+=("$BIN serve --db $DB --listen 127.0.0.1:0 --no-access-log &")
port=""
for _ in $(seq 100); do
  port=$(sed -n 's|^edubridge is serving on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.out")
  [ -n "$port" ] && break
  kill -0 "$eb_pid" 2>/dev/null || { echo "bench: edubridge exited:" >&2; cat "$tmp/serve.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "bench: edubridge did not start" >&2; exit 1; }
base="http://127.0.0.1:$port/forms/$FORM_ID/summary"
# Summaries are for signed-in readers: a partner's session (a session row more, no other cost).
cookie=$(session_cookie "$BIN" "$DB" "http://127.0.0.1:$port" partner) || exit 1
commands+=("session_cookie $BIN $DB http://127.0.0.1:$port partner   (bench/lib.sh: sign in with curl)")


echo
echo "Over HTTP (curl, one request at a time; the first request of each, unmeasured, warms the worker):"
printf '%-52s %10s %10s %8s %8s\n' "page" "median ms" "fastest" "bytes" "gzip"
for query in "?q=$Q" "?q=$Q&by=$BY" "?q=training_needs&by=country" "?q=learners&by=$BY" ""; do
  url="$base$query"
  [ "$query" = "?q=$Q" ] && commands+=("curl -s -H 'Cookie: sid=…' -o /dev/null -w '%{http_code} %{time_total}\\n' '$url'")
  for _ in 1 2; do curl -s -H "Cookie: $cookie" -o /dev/null "$url"; done # both workers
  times=()
  for _ in $(seq "$RUNS"); do
    out=$(curl -s -H "Cookie: $cookie" -o /dev/null -w '%{http_code} %{time_total}' "$url")
    [ "${out%% *}" = 200 ] || { echo "bench: $url answered ${out%% *}" >&2; exit 1; }
    times+=("$(awk -v t="${out#* }" 'BEGIN { printf "%.1f", t * 1000 }')")
  done
  bytes=$(curl -s -H "Cookie: $cookie" "$url" | wc -c)
  gz=$(curl -s -H "Cookie: $cookie" -H 'Accept-Encoding: gzip' "$url" | wc -c)
  printf '%-52s %10s %10s %8s %8s\n' "/forms/$FORM_ID/summary$query" "$(median "${times[@]}")" \
    "$(printf '%s\n' "${times[@]}" | sort -g | head -1)" "$bytes" "$gz"
done

echo
echo "Target: at most 1 s each for the select question and the cross-tab."
echo "Machine: $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r)"
echo "Load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "SQLite $(sqlite3 --version | cut -d' ' -f1); tree $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' with changes'); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "Commands:"
for c in "${commands[@]}"; do echo "  $c"; done
