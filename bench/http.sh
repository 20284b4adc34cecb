#!/usr/bin/env bash
# bench/http.sh: how fast edubridge answers its home page, next to nginx serving the same bytes as a
# static file on the same machine (DESIGN.md: "close to nginx"). A bounded run that reports figures;
# it never fails on them.
#
#   make bench                         builds first, then runs this
#   bench/http.sh                      expects ./build/edubridge (set EDUBRIDGE_BIN for another)
#
# Environment: BENCH_SECONDS (each measured run, default 5), BENCH_WARMUP (seconds of unmeasured
# load before each run, default 1), BENCH_CONNECTIONS (default 32), BENCH_THREADS (wrk threads,
# default 1: the client takes one core at most).
#
# Runs one after another, each against an idle server: nginx / (index.html, the reference),
# edubridge /healthz, edubridge /, all with edubridge's access log off; then edubridge / again with
# the access log on (written to a file in the temp dir). Everything lives in a temp dir that is
# removed at the end, and both servers are stopped whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${EDUBRIDGE_BIN:-./build/edubridge}
SECONDS_EACH=${BENCH_SECONDS:-5}
WARMUP=${BENCH_WARMUP:-1}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-1}
NGINX=/usr/sbin/nginx

for tool in "$BIN" "$NGINX" "$(command -v wrk || echo wrk)" "$(command -v curl || echo curl)"; do
  [ -x "$tool" ] || { echo "bench: $tool is missing (make bench builds edubridge; scripts/deps.sh installs the rest)" >&2; exit 2; }
done
BIN=$(realpath "$BIN")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/edubridge-bench.XXXXXX")
eb_pid=""
ng_pid=""
wrk_pid=""
stop() { # pid: TERM, then KILL if it has not gone after 5 s
  local pid=$1 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$wrk_pid"
  stop "$eb_pid"
  stop "$ng_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

commands=()
run() { # records a command as it is run
  commands+=("$*")
  "$@"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() { # url: until it answers, 10 s at most
  local i
  for i in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "bench: nothing answers at $1" >&2
  return 1
}

# Starts edubridge in the background; sets eb_pid and eb_port. Extra arguments go to serve.
start_edubridge() {
  local log=$1; shift
  commands+=("$BIN serve --db $tmp/demo.db --listen 127.0.0.1:0${*:+ $*} >$tmp/edubridge.out 2>$log &")
  "$BIN" serve --db "$tmp/demo.db" --listen 127.0.0.1:0 "$@" >"$tmp/edubridge.out" 2>"$log" &
  eb_pid=$!
  local i
  eb_port=""
  for i in $(seq 100); do
    eb_port=$(sed -n 's|^edubridge is serving on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/edubridge.out")
    [ -n "$eb_port" ] && break
    kill -0 "$eb_pid" 2>/dev/null || { echo "bench: edubridge exited:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$eb_port" ] || { echo "bench: edubridge did not start" >&2; exit 1; }
}

# wrk runs as a background job that the script waits for: a signal to the script then stops the
# run at once (bash defers traps while a foreground command runs).
in_background() {
  "$@" &
  wrk_pid=$!
  wait "$wrk_pid"
  wrk_pid=""
}

# CPU time (user + system, all threads) in clock ticks of a process and its children's processes:
# nginx's workers are children of its master.
cpu_ticks() {
  local p sum=0
  for p in "$@" $(pgrep -P "$1" || true); do
    sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$sum"
}

# wrk against a URL: a warm-up, then the measured run. Sets rps[name] and cpu[name] (the server's
# CPU microseconds per request, which other load on the machine disturbs far less than requests/s);
# keeps wrk's report.
declare -A rps cpu
measure() {
  local name=$1 url=$2 pid=$3 t0 t1 n
  if [ "$WARMUP" != 0 ]; then
    in_background wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "$url" >/dev/null
  fi
  commands+=("wrk -t$THREADS -c$CONNS -d${SECONDS_EACH}s --latency $url")
  t0=$(cpu_ticks "$pid")
  in_background wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_EACH}s" --latency "$url" >"$tmp/wrk-$name.txt"
  t1=$(cpu_ticks "$pid")
  n=$(awk '/ requests in / {print $1}' "$tmp/wrk-$name.txt")
  cpu[$name]=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
  if grep -q 'Non-2xx\|Socket errors' "$tmp/wrk-$name.txt"; then
    echo "bench: errors during $name:" >&2
    grep 'Non-2xx\|Socket errors' "$tmp/wrk-$name.txt" >&2
  fi
  rps[$name]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$tmp/wrk-$name.txt")
}

latency() { # name, percentile line (50% or 99%)
  awk -v p="$2" '$1 == p {print $2}' "$tmp/wrk-$1.txt"
}

hwm_mib() {
  awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f", 100 * a / b; else print "?" }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# --- edubridge, with the demo programme, access log off -------------------------------------------
run "$BIN" demo --db "$tmp/demo.db" >/dev/null
start_edubridge "$tmp/edubridge.err" --no-access-log
eb_url="http://127.0.0.1:$eb_port"
wait_http "$eb_url/healthz"

# --- the same bytes as a static file for nginx --------------------------------------------------
mkdir -p "$tmp/www" "$tmp/nginx"
run curl -fsS -o "$tmp/www/index.html" "$eb_url/"
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

# --- the runs, one after another -----------------------------------------------------------------
measure nginx "$ng_url/" "$ng_pid"
measure healthz "$eb_url/healthz" "$eb_pid"
measure home "$eb_url/" "$eb_pid"
hwm=$(hwm_mib "$eb_pid")
stop "$eb_pid"
stop "$ng_pid"
eb_pid=""
ng_pid=""

# --- home again with the access log on, to a file -----------------------------------------------
start_edubridge "$tmp/access.log"
eb_url="http://127.0.0.1:$eb_port"
wait_http "$eb_url/healthz"
measure home-log "$eb_url/" "$eb_pid"
hwm_log=$(hwm_mib "$eb_pid")
log_lines=$(wc -l <"$tmp/access.log")
stop "$eb_pid"
eb_pid=""

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report ---------------------------------------------------------------------------------
rps_nginx=${rps[nginx]} rps_healthz=${rps[healthz]} rps_home=${rps[home]} rps_home_log=${rps[home-log]}
ratio_home=$(pct "$rps_home" "$rps_nginx")
ratio_healthz=$(pct "$rps_healthz" "$rps_nginx")
ratio_home_log=$(pct "$rps_home_log" "$rps_nginx")
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)

echo
echo "edubridge HTTP bench: $SECONDS_EACH s per run after ${WARMUP} s warm-up, wrk -t$THREADS -c$CONNS, keep-alive"
echo
row() { # label, name, ratio
  printf '%-34s %11s %9s %9s %9s %11s\n' "$1" "${rps[$2]}" "$3" "$(latency "$2" 50%)" "$(latency "$2" 99%)" "${cpu[$2]}"
}
printf '%-34s %11s %9s %9s %9s %11s\n' "run" "requests/s" "of nginx" "p50" "p99" "CPU us/req"
row "nginx /  (static index.html)" nginx "100%"
row "edubridge /healthz" healthz "$ratio_healthz%"
row "edubridge /  (home)" home "$ratio_home%"
row "edubridge /  (home, access log on)" home-log "$ratio_home_log%"
echo
echo "response size: nginx $ng_head B headers + $ng_body B body; edubridge $eb_head B headers + $eb_body B body"
echo "edubridge peak RSS (VmHWM): $hwm MiB (log off, after the healthz and home runs); $hwm_log MiB (log on; $log_lines log lines)"
if [ "$ratio_home" != "?" ] && [ "$ratio_home" -ge 50 ]; then
  echo "target: home >= 50% of nginx: met ($ratio_home%)"
else
  echo "target: home >= 50% of nginx: NOT met ($ratio_home%)"
fi
echo
echo "machine: $(nproc) CPUs, $cpu, $(uname -sr); load average before $load_before, after $load_after"
echo "versions: $("$BIN" version) (tree $(git describe --always --dirty 2>/dev/null || echo unknown)), $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "commands:"
for c in "${commands[@]}"; do echo "  $c"; done
if [ "$WARMUP" != 0 ]; then
  echo "  (each wrk run preceded by wrk -t$THREADS -c$CONNS -d${WARMUP}s on the same URL, not counted)"
fi
