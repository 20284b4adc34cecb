#!/usr/bin/env bash
# bench/forms.sh: how fast edubridge serves the needs survey and stores answers. A bounded run that
# reports figures; it never fails on them (exit 2 when it cannot run, 1 when the set-up breaks).
#
#   bench/forms.sh                 expects ./build/edubridge (set EDUBRIDGE_BIN for another)
#
# Part 1, survey pages against the empty-page reference (DESIGN.md: a survey page "at a rate close
# to" the trivial page; target >= 50 % of /healthz). Rounds of runs, one after another, each
# `wrk -t1 -c32 -d5s --latency` after a 1 s warm-up: GET /healthz (the reference of bench/http.sh),
# the intro page GET /s/needs-survey, a question page GET /s/needs-survey/r/TOKEN/p/8?i=0 of a draft
# made first (page 8, teachers' skills and training: the largest question page, 8.2 KB of radio
# buttons; BENCH_PAGE picks another; the draft has pages 1 and 2 answered), and
# the same question page with `Accept-Encoding: gzip` (what browsers send: the server compresses
# each page as it sends it). wrk sends no Accept-Encoding otherwise. Medians over the rounds.
#
# Part 2, durable submissions through the JSON API (target >= 5,000 per second): wrk with a Lua
# script that POSTs one valid needs-survey answer set (checked first with curl: it must get 201)
# to /api/v1/forms/needs-survey/submissions, one client thread, -c 64, 256 and 512, 10 s each, in
# rounds. The Lua script counts the 201s and every other status; after each run the script waits
# until the database stops growing and counts the submitted rows with the sqlite3 CLI. A 201 is
# sent only after the commit, so rows >= 201s always; rows can exceed the 201s by the requests that
# were in flight when wrk stopped (it closes its connections without reading those answers), at
# most one per connection.
#
# When the API misses its target and perf is installed (or BENCH_PROFILE=1), one more run at
# -c256 is profiled: perf record --call-graph dwarf on the server for 4 s, then perf stat of the
# write-path syscalls for 4 s, and the report prints where the time goes (BENCH_PROFILE=0: never).
#
# Environment: BENCH_SECONDS (part 1 runs, 5), BENCH_WARMUP (1), BENCH_ROUNDS (part 1, 3),
# BENCH_CONNECTIONS (part 1, 32), BENCH_PAGE (the question page, 8), BENCH_API_SECONDS (10), BENCH_API_CONNECTIONS ("64 256 512"),
# BENCH_API_ROUNDS (3), BENCH_SERVE_ARGS (more arguments for `edubridge serve`, e.g. --workers 1),
# BENCH_PROFILE (auto). With the defaults a run takes about 3.5 minutes. Needs wrk, curl, sqlite3,
# python3; perf for the profile. Everything lives in a temp dir that is removed at the end (the
# database too); the server is always stopped, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

BIN=${EDUBRIDGE_BIN:-./build/edubridge}
SECONDS_EACH=${BENCH_SECONDS:-5}
PAGE=${BENCH_PAGE:-8}
WARMUP=${BENCH_WARMUP:-1}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_CONNECTIONS:-32}
API_SECONDS=${BENCH_API_SECONDS:-10}
API_CONNS=${BENCH_API_CONNECTIONS:-64 256 512}
API_ROUNDS=${BENCH_API_ROUNDS:-3}
SERVE_ARGS=${BENCH_SERVE_ARGS:-}
PROFILE=${BENCH_PROFILE:-auto}
API_TARGET=5000
FORM=needs-survey

for tool in "$BIN" "$(command -v wrk || echo wrk)" "$(command -v curl || echo curl)" \
            "$(command -v sqlite3 || echo sqlite3)" "$(command -v python3 || echo python3)"; do
  [ -x "$tool" ] || { echo "bench: $tool is missing (ninja -C build builds edubridge; scripts/deps.sh installs the rest)" >&2; exit 2; }
done
BIN=$(realpath "$BIN")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/edubridge-forms.XXXXXX")
eb_pid=""
wrk_pid=""
perf_pid=""
cleanup() {
  stop "$perf_pid"
  stop "$wrk_pid"
  stop "$eb_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

commands=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the server -------------------------------------------------------------------------------
db=$tmp/demo.db
commands+=("$BIN demo --db $db")
"$BIN" demo --db "$db" >/dev/null
# shellcheck disable=SC2086 # SERVE_ARGS is a list of words
commands+=("$BIN serve --db $db --listen 127.0.0.1:0 --no-access-log${SERVE_ARGS:+ $SERVE_ARGS} &")
# shellcheck disable=SC2086
"$BIN" serve --db "$db" --listen 127.0.0.1:0 --no-access-log $SERVE_ARGS >"$tmp/serve.out" 2>"$tmp/serve.err" &
eb_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's|^edubridge is serving on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.out")
  [ -n "$port" ] && break
  kill -0 "$eb_pid" 2>/dev/null || { echo "bench: edubridge exited:" >&2; cat "$tmp/serve.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "bench: edubridge did not start" >&2; exit 1; }
base="http://127.0.0.1:$port"
workers=$(sed -n 's|.*(\([0-9]*\) workers.*|\1|p' "$tmp/serve.out")

# A draft with pages 1 (consent) and 2 (about you) answered; the question page is BENCH_PAGE (8 by
# default: the largest question page of the walk in bench/pageweight.sh; page 3, the role's
# "Specify other.", is asked only when the role is "Other").
loc=$(curl -fs -o /dev/null -X POST --data 'lang=en' -w '%{redirect_url}' "$base/s/$FORM/start")
draft=${loc%/p/*}
draft=${draft#"$base"}
code=$(curl -s -o /dev/null -X POST -w '%{http_code}' "$base$draft/p/1" --data 'i=0&go=next&f-consent=yes')
[ "$code" = 303 ] || { echo "bench: answering page 1 of the draft gave $code" >&2; exit 1; }
code=$(curl -s -o /dev/null -X POST -w '%{http_code}' "$base$draft/p/2" \
  --data 'i=0&go=next&f-role=teacher&f-respondent_name=Ana+Nowak&f-email=ana.nowak%40example.org&f-phone=')
[ "$code" = 303 ] || { echo "bench: answering page 2 of the draft gave $code" >&2; exit 1; }
page_url="$base$draft/p/$PAGE?i=0"
commands+=("curl -X POST --data lang=en $base/s/$FORM/start; curl -X POST --data 'i=0&go=next&f-consent=yes' $base$draft/p/1; curl -X POST --data 'i=0&go=next&f-role=teacher&...' $base$draft/p/2")
for u in "$base/healthz" "$base/s/$FORM" "$page_url"; do
  c=$(curl -s -o /dev/null -w '%{http_code}' "$u")
  [ "$c" = 200 ] || { echo "bench: $u answers $c" >&2; exit 1; }
done
curl -s -o /dev/null -H 'Accept-Encoding: gzip' -D "$tmp/gzhead" "$page_url"
grep -qi '^content-encoding: gzip' "$tmp/gzhead" || echo "bench: the question page is not gzipped when asked" >&2
read -r size_healthz < <(curl -s -o /dev/null -w '%{size_download}\n' "$base/healthz")
read -r size_intro < <(curl -s -o /dev/null -w '%{size_download}\n' "$base/s/$FORM")
read -r size_page < <(curl -s -o /dev/null -w '%{size_download}\n' "$page_url")
read -r size_page_gz < <(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{size_download}\n' "$page_url")

us_per() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "?" }'; }
wrk_rps() { awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$1"; }
wrk_lat() { awk '$1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2} END {print p50, p99}' "$1"; }

# --- part 1: pages against /healthz ---------------------------------------------------------------
declare -A rps cpu lat
measure() { # name url round [wrk args]: warm-up, then the measured run
  local name=$1 url=$2 r=$3 t0 t1 n out="$tmp/wrk-$1-$3.txt"
  shift 3
  [ "$WARMUP" != 0 ] && in_background wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$@" "$url" >/dev/null
  [ "$r" = 1 ] && commands+=("wrk -t1 -c$CONNS -d${SECONDS_EACH}s --latency${*:+ $*} $url")
  t0=$(cpu_ticks "$eb_pid")
  in_background wrk -t1 -c"$CONNS" -d"${SECONDS_EACH}s" --latency "$@" "$url" >"$out"
  t1=$(cpu_ticks "$eb_pid")
  if grep -q 'Non-2xx\|Socket errors' "$out"; then
    echo "bench: errors during $name, round $r:" >&2
    grep 'Non-2xx\|Socket errors' "$out" >&2
  fi
  n=$(awk '/ requests in / {print $1}' "$out")
  rps[$name,$r]=$(wrk_rps "$out")
  cpu[$name,$r]=$(us_per $((t1 - t0)) "$n")
  lat[$name,$r]=$(wrk_lat "$out")
}
series() { # array name round-count: the values of every round
  local -n arr=$1
  local r out=()
  for r in $(seq "$3"); do out+=("${arr[$2,$r]}"); done
  echo "${out[*]}"
}
median_round() { # name rounds: the round whose requests/s is the median (the last when even)
  local m r
  m=$(median $(series rps "$1" "$2"))
  for r in $(seq "$2"); do
    if [ "$(awk -v a="${rps[$1,$r]}" -v b="$m" 'BEGIN { print (a == b) }')" = 1 ]; then echo "$r"; return; fi
  done
  echo "$2"
}

for r in $(seq "$ROUNDS"); do
  measure healthz "$base/healthz" "$r"
  measure intro "$base/s/$FORM" "$r"
  measure page "$page_url" "$r"
  measure page-gzip "$page_url" "$r" -H 'Accept-Encoding: gzip'
done
load_mid=$(cut -d' ' -f1-3 /proc/loadavg)

# --- part 2: durable submissions through the API ----------------------------------------------------
# One valid answer set, the demo's field names; a select_multiple as an array, numbers as numbers.
cat >"$tmp/answers.json" <<'EOF'
{"role": "teacher", "respondent_name": "Ana Nowak", "email": "ana.nowak@example.org", "phone": "+48 600 123 456",
 "institution_name": "Szkoła Podstawowa nr 7", "institution_kind": "school", "education_type": "formal",
 "country": "PL", "region": "Mazowieckie", "area": "rural", "learners": 300, "teachers": 25,
 "age_ranges": ["age_6_11", "age_12_15"], "devices": 40, "device_types": ["laptop", "tablet"],
 "maintainer": "staff", "connection": "fixed_slow", "reliability": "often_interrupted",
 "teachers_confident": "3", "teachers_find_content": "4", "teachers_online_safety": "2",
 "training_share": "pct_1_25", "training_needs": ["online_safety", "coding_robotics"], "training_mode": "in_person",
 "tech_frequency": "weekly", "learners_find_info": "3", "learners_safe_online": "4",
 "tech_purposes": ["presenting", "practice"], "barriers": ["cost_devices", "connectivity", "electricity"],
 "biggest_barrier": "connectivity", "help_most": "devices", "digital_plan": "in_progress",
 "anything_else": "We share one projector.", "consent": "yes", "contact_pilot": "yes"}
EOF
api_url="$base/api/v1/forms/$FORM/submissions"
python3 - "$tmp/answers.json" "$tmp/post.lua" <<'EOF'
import json, sys
body = json.dumps(json.load(open(sys.argv[1], encoding='utf-8')), ensure_ascii=False, separators=(',', ':'))
assert ']==]' not in body
open(sys.argv[2], 'w', encoding='utf-8').write('''-- POSTs one needs-survey answer set; counts 201s and every other status per thread.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[''' + body + ''']==]
created, other = 0, 0
function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); o = o + t:get("other") end
  io.write(string.format("status 201: %d, other: %d\\n", c, o))
end
''')
EOF
commands+=("curl -X POST -H 'Content-Type: application/json' --data-binary @answers.json $api_url   # must be 201")
check=$(curl -s -o "$tmp/check.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary @"$tmp/answers.json" "$api_url")
if [ "$check" != 201 ]; then
  echo "bench: the answer set is refused ($check):" >&2
  cat "$tmp/check.json" >&2
  exit 1
fi

rows() { sqlite3 "$db" "PRAGMA busy_timeout = 5000; SELECT count(*) FROM submissions WHERE form_id = '$FORM' AND status = 'submitted';" | tail -1; }
rows_settled() { # the count once two reads 300 ms apart agree (commits of requests still in flight)
  local a b
  a=$(rows)
  for _ in $(seq 50); do
    sleep 0.3
    b=$(rows)
    [ "$a" = "$b" ] && { echo "$b"; return; }
    a=$b
  done
  echo "$b"
}

declare -A arps alat acpu acreated aother arows aerr
api_run() { # connections round [out]: one measured run; fills the a* arrays
  local c=$1 r=$2 out=${3:-$tmp/api-$1-$2.txt} before after t0 t1
  before=$(rows_settled)
  t0=$(cpu_ticks "$eb_pid")
  in_background wrk -t1 -c"$c" -d"${API_SECONDS}s" --latency -s "$tmp/post.lua" "$api_url" >"$out"
  t1=$(cpu_ticks "$eb_pid")
  after=$(rows_settled)
  arps[$c,$r]=$(wrk_rps "$out")
  alat[$c,$r]=$(wrk_lat "$out")
  acreated[$c,$r]=$(sed -n 's/^status 201: \([0-9]*\), other: .*/\1/p' "$out")
  aother[$c,$r]=$(sed -n 's/^status 201: [0-9]*, other: \([0-9]*\)/\1/p' "$out")
  arows[$c,$r]=$((after - before))
  acpu[$c,$r]=$(us_per $((t1 - t0)) "${acreated[$c,$r]}")
  aerr[$c,$r]=$( (grep -E 'Socket errors|Non-2xx' "$out" || true) | tr -s ' ' | paste -sd ';' -)
}

# A short warm-up (its rows are counted out by the next run's "before").
in_background wrk -t1 -c64 -d2s -s "$tmp/post.lua" "$api_url" >/dev/null
for r in $(seq "$API_ROUNDS"); do
  for c in $API_CONNS; do
    [ "$r" = 1 ] && commands+=("wrk -t1 -c$c -d${API_SECONDS}s --latency -s post.lua $api_url")
    api_run "$c" "$r"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
hwm=$(awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$eb_pid/status")
db_mib=$(du -cm "$db" "$db-wal" 2>/dev/null | awk 'END {print $1}')

# --- the report ---------------------------------------------------------------------------------
echo
echo "edubridge forms bench, part 1: survey pages against /healthz; median of $ROUNDS rounds, each run ${SECONDS_EACH} s after a ${WARMUP} s warm-up, wrk -t1 -c$CONNS, keep-alive"
echo
printf '%-44s %11s %10s %9s %9s %11s   %s\n' "run" "requests/s" "of healthz" "p50" "p99" "CPU us/req" "requests/s by round"
declare -A med
row() { # label name
  local m mr
  m=$(printf '%.0f' "$(median $(series rps "$2" "$ROUNDS"))")
  med[$2]=$m
  mr=$(median_round "$2" "$ROUNDS")
  printf '%-44s %11s %10s %9s %9s %11s   %s\n' "$1" "$m" "$(pct "$m" "${med[healthz]}")%" ${lat[$2,$mr]} \
    "$(median $(series cpu "$2" "$ROUNDS"))" "$(series rps "$2" "$ROUNDS" | sed 's/ / \/ /g')"
}
med[healthz]=$(printf '%.0f' "$(median $(series rps healthz "$ROUNDS"))")
row "GET /healthz ($size_healthz B)" healthz
row "GET /s/$FORM intro ($size_intro B)" intro
row "GET question page $PAGE ($size_page B)" page
row "GET question page $PAGE, gzip ($size_page_gz B)" page-gzip
for name in intro page page-gzip; do
  by=()
  for r in $(seq "$ROUNDS"); do by+=("$(pct "${rps[$name,$r]}" "${rps[healthz,$r]}")%"); done
  m=$(pct "${med[$name]}" "${med[healthz]}")
  printf '%s / healthz by round: %s; target >= 50%%: %s\n' "$name" "${by[*]}" "$([ "$m" != "?" ] && [ "$m" -ge 50 ] && echo "met ($m%)" || echo "NOT met ($m%)")"
done

echo
echo "part 2: durable submissions, POST $api_url (valid answer set, 201 after the commit);"
echo "wrk -t1 -c N -d${API_SECONDS}s; $API_ROUNDS round(s); server: $workers workers${SERVE_ARGS:+ ($SERVE_ARGS)}"
echo
printf '%-12s %11s %9s %9s %11s %9s %9s %11s %10s   %s\n' "connections" "requests/s" "p50" "p99" "201s" "non-201" "rows" "rows - 201" "CPU us/sub" "requests/s by round"
api_best=0
for c in $API_CONNS; do
  vals=() created=0 other=0 nrows=0 extra=() cpus=() errs=""
  for r in $(seq "$API_ROUNDS"); do
    vals+=("${arps[$c,$r]}")
    created=$((created + acreated[$c,$r]))
    other=$((other + aother[$c,$r]))
    nrows=$((nrows + arows[$c,$r]))
    extra+=("$((arows[$c,$r] - acreated[$c,$r]))")
    cpus+=("${acpu[$c,$r]}")
    [ -n "${aerr[$c,$r]}" ] && errs+=" round $r: ${aerr[$c,$r]}"
  done
  m=$(printf '%.0f' "$(median "${vals[@]}")")
  [ "$m" -gt "$api_best" ] && api_best=$m
  mr=1
  for r in $(seq "$API_ROUNDS"); do [ "${arps[$c,$r]}" = "$m" ] && mr=$r; done
  printf '%-12s %11s %9s %9s %11s %9s %9s %11s %10s   %s\n' "$c" "$m" ${alat[$c,$mr]} "$created" "$other" "$nrows" \
    "$(echo "${extra[*]}" | sed 's/ /, /g')" "$(median "${cpus[@]}")" "$(echo "${vals[*]}" | sed 's/ / \/ /g')"
  [ -n "$errs" ] && echo "  wrk reported:$errs"
done
echo "(201s, non-201 and rows: totals over the rounds; rows - 201: each round, the requests in flight when wrk stopped, committed after it hung up)"
bad_rows=""
for c in $API_CONNS; do
  for r in $(seq "$API_ROUNDS"); do
    d=$((arows[$c,$r] - acreated[$c,$r]))
    if [ "$d" -lt 0 ] || [ "$d" -gt "$c" ]; then bad_rows+=" -c$c round $r: rows - 201 = $d;"; fi
  done
done
if [ -z "$bad_rows" ]; then
  echo "rows against 201s: every 201 has its row, and the extra rows are at most one per connection: consistent"
else
  echo "rows against 201s: INCONSISTENT:$bad_rows (fewer rows than 201s would be a lost answer)"
fi
if [ "$api_best" -ge "$API_TARGET" ]; then
  echo "target: >= $API_TARGET submissions/s: met (best median $api_best/s)"
else
  echo "target: >= $API_TARGET submissions/s: NOT met (best median $api_best/s)"
fi

# --- profile when the target is missed -----------------------------------------------------------
if [ "$PROFILE" = 1 ] || { [ "$PROFILE" = auto ] && [ "$api_best" -lt "$API_TARGET" ] && command -v perf >/dev/null; }; then
  echo
  echo "profile: one more run, wrk -t1 -c256 -d10s; perf on the server from second 1 to 5, perf stat from 6 to 10"
  in_background wrk -t1 -c256 -d10s -s "$tmp/post.lua" "$api_url" >"$tmp/api-profile.txt" &
  prof_wrk=$!
  sleep 1
  perf record -q -F 499 --call-graph dwarf,16384 -p "$eb_pid" -o "$tmp/perf.data" -- sleep 4 >/dev/null 2>&1 || echo "bench: perf record failed" >&2
  # The files the server writes while it stores answers (SQLite's deleted etilqs_* temp file is the
  # journal of its statements and savepoints).
  find "/proc/$eb_pid/fd" -maxdepth 1 -type l -printf '%l\n' 2>/dev/null |
    grep -v 'socket:\|pipe:\|anon_inode:\|/dev/null\|serve\.\(out\|err\)' | sort | uniq -c >"$tmp/open-files.txt" || true
  perf stat -x, -e 'syscalls:sys_enter_pwrite64,syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync,syscalls:sys_enter_clock_nanosleep,syscalls:sys_enter_writev,syscalls:sys_enter_fcntl' \
    -p "$eb_pid" -o "$tmp/perf-stat.txt" -- sleep 4 >/dev/null 2>&1 || echo "bench: perf stat failed (tracepoints unreadable?)" >&2
  wait "$prof_wrk" 2>/dev/null || true
  commands+=("perf record -F 499 --call-graph dwarf,16384 -p PID -o perf.data -- sleep 4   # during wrk -t1 -c256 -d10s -s post.lua")
  commands+=("perf report -i perf.data --children --stdio -g none --sort symbol")
  commands+=("perf stat -e 'syscalls:sys_enter_{pwrite64,fdatasync,fsync,clock_nanosleep,writev,fcntl}' -p PID -- sleep 4")
  echo "requests/s during the profiled run: $(wrk_rps "$tmp/api-profile.txt") (perf's own cost included)"
  echo "where the server's CPU goes (share of its samples spent in each function and what it calls; selected frames):"
  perf report -i "$tmp/perf.data" --children --stdio -g none --sort symbol --percent-limit 2 2>/dev/null |
    awk '/^ +[0-9.]+%/ { sub(/\[\.\] |\[k\] /, ""); print }' |
    grep -E ' (flush|api_submit|answers_from_json|engine_check_all|engine_eval|submission_insert_in|values_index|put_list|sqlite3_step|sqlite3BtreeInsert|sqlite3BtreeIndexMoveto|sqlite3VdbeHalt|sqlite3BtreeBeginTrans|sqlite3_exec|sqlite3PagerWrite|__libc_pwrite64|__libc_pwrite|__x64_sys_pwrite64|ext4_buffered_write_iter|__x64_sys_fdatasync|clock_nanosleep|__clock_nanosleep|busy_handler|on_request|writev|__x64_sys_writev|readv|epoll_wait|_int_malloc|expr_eval)( |$)' |
    awk '!seen[$3]++ { printf "  %7s  %s\n", $1, $3 }' | head -30
  echo "syscalls in 4 s (perf stat), and per response (writev = responses sent):"
  awk -F, '/syscalls:/ { sub(/syscalls:sys_enter_/, "", $3); n[$3] = $1 } END {
      for (k in n) printf "  %-16s %10s  %8.1f per response\n", k, n[k], (n["writev"] > 0 ? n[k] / n["writev"] : 0) }' "$tmp/perf-stat.txt" | sort
  echo "files the server had open during the run (count of descriptors, path):"
  sed 's/^/  /' "$tmp/open-files.txt"
fi

echo
echo "database after the runs: $db_mib MiB (db + WAL), on $(findmnt -n -o FSTYPE -T "$tmp" 2>/dev/null || echo '?') ($(findmnt -n -o SOURCE -T "$tmp" 2>/dev/null || echo '?')); SQLite WAL, synchronous=FULL"
echo "edubridge peak RSS (VmHWM): $hwm MiB"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(uname -sr); load average before $load_before, after part 1 $load_mid, after part 2 $load_after"
echo "versions: $("$BIN" version) (tree $(git describe --always --dirty 2>/dev/null || echo unknown)), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), SQLite $(sqlite3 --version | cut -d' ' -f1)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "commands (part 1's wrk runs repeat each round, each after wrk -t1 -c$CONNS -d${WARMUP}s on the same URL; part 2 after one wrk -t1 -c64 -d2s warm-up):"
for c in "${commands[@]}"; do echo "  $c"; done
