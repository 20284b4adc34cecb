#!/usr/bin/env bash
# bench/http.sh: how fast edubridge answers its home page, next to nginx serving the same bytes as a
# static file on the same machine (DESIGN.md: "close to nginx"). A bounded run that reports figures;
# it never fails on them.
#
#   make bench                         builds first, then runs this
#   bench/http.sh                      expects ./build/edubridge (set EDUBRIDGE_BIN for another)
#
# Environment: BENCH_SECONDS (each measured run, default 5), BENCH_WARMUP (seconds of unmeasured
# load before each run, default 1), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 32),
# BENCH_THREADS (wrk threads, default 1: the client takes one core at most).
#
# One round is four runs, one after another, each against a server that is otherwise idle:
# nginx / (index.html, the reference), edubridge /healthz and edubridge / with the access log off,
# and edubridge / on a second edubridge with the access log on (written to a file). Rounds
# interleave, so that a burst of other load on the machine hits one round rather than one target;
# the table shows the median over the rounds. With the defaults a run takes about 75 s.
#
# Besides requests/s, each run records the server's CPU time per request (user + system, from
# /proc): on a machine that is busy with other work that figure moves far less than requests/s.
# Everything lives in a temp dir that is removed at the end; the servers are always stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

BIN=${EDUBRIDGE_BIN:-./build/edubridge}
SECONDS_EACH=${BENCH_SECONDS:-5}
WARMUP=${BENCH_WARMUP:-1}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-1}
NGINX=/usr/sbin/nginx

for tool in "$BIN" "$NGINX" "$(command -v wrk || echo wrk)" "$(command -v curl || echo curl)"; do
  [ -x "$tool" ] || { echo "bench: $tool is missing (make bench builds edubridge; scripts/deps.sh installs the rest)" >&2; exit 2; }
done
BIN=$(realpath "$BIN")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/edubridge-bench.XXXXXX")
eb_pid=""   # edubridge, access log off
ebl_pid=""  # edubridge, access log on
ng_pid=""   # nginx master
wrk_pid=""
cleanup() {
  stop "$wrk_pid"
  stop "$eb_pid"
  stop "$ebl_pid"
  stop "$ng_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

commands=()

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() { # url: until it answers, 10 s at most
  local i
  for i in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "bench: nothing answers at $1" >&2
  return 1
}

# Starts edubridge in the background: name (files in the temp dir), stderr file, extra arguments
# for serve. Sets started_pid and started_port.
start_edubridge() {
  local name=$1 err=$2 i
  shift 2
  commands+=("$BIN serve --db $tmp/demo.db --listen 127.0.0.1:0${*:+ $*} >$tmp/$name.out 2>$err &")
  "$BIN" serve --db "$tmp/demo.db" --listen 127.0.0.1:0 "$@" >"$tmp/$name.out" 2>"$err" &
  started_pid=$!
  started_port=""
  for i in $(seq 100); do
    started_port=$(sed -n 's|^edubridge is serving on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/$name.out")
    [ -n "$started_port" ] && break
    kill -0 "$started_pid" 2>/dev/null || { echo "bench: edubridge exited:" >&2; cat "$err" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$started_port" ] || { echo "bench: edubridge did not start" >&2; exit 1; }
  wait_http "http://127.0.0.1:$started_port/healthz"
}

# One run: name, URL, server pid, round. A warm-up, then the measured run; records requests/s and
# the server's CPU microseconds per request, and keeps wrk's report.
declare -A rps cpu
measure() {
  local name=$1 url=$2 pid=$3 r=$4 t0 t1 n out="$tmp/wrk-$1-$4.txt"
  if [ "$WARMUP" != 0 ]; then
    in_background wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "$url" >/dev/null
  fi
  [ "$r" = 1 ] && commands+=("wrk -t$THREADS -c$CONNS -d${SECONDS_EACH}s --latency $url")
  t0=$(cpu_ticks "$pid")
  in_background wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_EACH}s" --latency "$url" >"$out"
  t1=$(cpu_ticks "$pid")
  if grep -q 'Non-2xx\|Socket errors' "$out"; then
    echo "bench: errors during $name, round $r:" >&2
    grep 'Non-2xx\|Socket errors' "$out" >&2
  fi
  n=$(awk '/ requests in / {print $1}' "$out")
  rps[$name,$r]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  cpu[$name,$r]=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
}

hwm_mib() { awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

series() { # kind (rps or cpu), name: the values of every round
  local r out=()
  for r in $(seq "$ROUNDS"); do
    if [ "$1" = rps ]; then out+=("${rps[$2,$r]}"); else out+=("${cpu[$2,$r]}"); fi
  done
  echo "${out[*]}"
}

# p50 and p99 latency from the round with the median requests/s (the last round when the number
# of rounds is even).
latency() {
  local name=$1 m r
  m=$(median $(series rps "$name"))
  for r in $(seq "$ROUNDS"); do
    if [ "$(awk -v a="${rps[$name,$r]}" -v b="$m" 'BEGIN { print (a == b) }')" = 1 ] || [ "$r" = "$ROUNDS" ]; then
      awk '$1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2} END {print p50, p99}' "$tmp/wrk-$name-$r.txt"
      return
    fi
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# --- edubridge with the demo programme: one with the access log off, one with it on ------------
commands+=("$BIN demo --db $tmp/demo.db")
"$BIN" demo --db "$tmp/demo.db" >/dev/null
start_edubridge edubridge "$tmp/edubridge.err" --no-access-log
eb_pid=$started_pid
eb_url="http://127.0.0.1:$started_port"
start_edubridge edubridge-log "$tmp/access.log"
ebl_pid=$started_pid
ebl_url="http://127.0.0.1:$started_port"

# --- the same bytes as a static file for nginx --------------------------------------------------
mkdir -p "$tmp/www" "$tmp/nginx"
commands+=("curl -fsS -o $tmp/www/index.html $eb_url/")
curl -fsS -o "$tmp/www/index.html" "$eb_url/"
chmod -R a+rX "$tmp"
ng_port=$(free_port)
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user $(id -un) $(id -gn);" # as the current user, even as root
cat >"$tmp/nginx.conf" <<EOF
$user_line
worker_processes 2;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    gzip off;
    types { text/html html; }
    default_type application/octet-stream;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server {
        listen 127.0.0.1:$ng_port;
        root $tmp/www;
        index index.html;
    }
}
EOF
commands+=("$NGINX -p $tmp/nginx/ -e $tmp/nginx/error.log -c $tmp/nginx.conf &")
"$NGINX" -p "$tmp/nginx/" -e "$tmp/nginx/error.log" -c "$tmp/nginx.conf" &
ng_pid=$!
ng_url="http://127.0.0.1:$ng_port"
wait_http "$ng_url/"

# Both answer with the same page; the headers differ (edubridge sends its security headers).
read -r ng_head ng_body < <(curl -fs -o /dev/null -w '%{size_header} %{size_download}\n' "$ng_url/")
read -r eb_head eb_body < <(curl -fs -o /dev/null -w '%{size_header} %{size_download}\n' "$eb_url/")
cmp -s "$tmp/www/index.html" <(curl -fs "$ng_url/") || echo "bench: nginx does not serve the saved page" >&2

# --- the rounds ---------------------------------------------------------------------------------
for r in $(seq "$ROUNDS"); do
  measure nginx "$ng_url/" "$ng_pid" "$r"
  measure healthz "$eb_url/healthz" "$eb_pid" "$r"
  measure home "$eb_url/" "$eb_pid" "$r"
  measure home-log "$ebl_url/" "$ebl_pid" "$r"
done
hwm=$(hwm_mib "$eb_pid")
hwm_log=$(hwm_mib "$ebl_pid")
log_lines=$(wc -l <"$tmp/access.log")
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report ---------------------------------------------------------------------------------
declare -A med medcpu
for name in nginx healthz home home-log; do
  med[$name]=$(printf '%.0f' "$(median $(series rps "$name"))")
  medcpu[$name]=$(printf '%.1f' "$(median $(series cpu "$name"))")
done
ratio_home=$(pct "${med[home]}" "${med[nginx]}")
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)

echo
echo "edubridge HTTP bench: median of $ROUNDS rounds; each run $SECONDS_EACH s after a ${WARMUP} s warm-up; wrk -t$THREADS -c$CONNS, keep-alive"
echo
row() { # label, name
  local lat
  lat=$(latency "$2")
  printf '%-34s %11s %9s %9s %9s %11s   %s\n' "$1" "${med[$2]}" "$(pct "${med[$2]}" "${med[nginx]}")%" \
    ${lat:-? ?} "${medcpu[$2]}" "$(series rps "$2")"
}
printf '%-34s %11s %9s %9s %9s %11s   %s\n' "run" "requests/s" "of nginx" "p50" "p99" "CPU us/req" "requests/s by round"
row "nginx /  (static index.html)" nginx
row "edubridge /healthz" healthz
row "edubridge /  (home)" home
row "edubridge /  (home, access log on)" home-log
echo
by_round=()
for r in $(seq "$ROUNDS"); do by_round+=("$(pct "${rps[home,$r]}" "${rps[nginx,$r]}")%"); done
echo "home / nginx by round: ${by_round[*]}"
echo "by CPU per request (steadier on a busy machine): home costs $(awk -v a="${medcpu[home]}" -v b="${medcpu[nginx]}" 'BEGIN { printf "%.2f", a / b }')x nginx, healthz $(awk -v a="${medcpu[healthz]}" -v b="${medcpu[nginx]}" 'BEGIN { printf "%.2f", a / b }')x, home with the access log $(awk -v a="${medcpu[home-log]}" -v b="${medcpu[nginx]}" 'BEGIN { printf "%.2f", a / b }')x"
echo "response size: nginx $ng_head B headers + $ng_body B body; edubridge $eb_head B headers + $eb_body B body"
echo "edubridge peak RSS (VmHWM) after all rounds: $hwm MiB (access log off); $hwm_log MiB (access log on; $log_lines log lines)"
if [ "$ratio_home" != "?" ] && [ "$ratio_home" -ge 50 ]; then
  echo "target: home >= 50% of nginx: met ($ratio_home%)"
else
  echo "target: home >= 50% of nginx: NOT met ($ratio_home%)"
fi
echo
echo "machine: $(nproc) CPUs, $cpu, $(uname -sr); load average before $load_before, after $load_after"
echo "versions: $("$BIN" version) (tree $(git describe --always --dirty 2>/dev/null || echo unknown)), $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "commands (the wrk runs repeat each round, each after wrk -t$THREADS -c$CONNS -d${WARMUP}s on the same URL):"
for c in "${commands[@]}"; do echo "  $c"; done
