# bench/lib.sh: shell functions shared by the bench scripts (http.sh, forms.sh, pageweight.sh,
# summary.sh), which source it after `cd` to the repository root. Not run on its own.
# shellcheck shell=bash

stop() { # pid: TERM, then KILL if it has not gone after 5 s
  local pid=$1 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# serve_port OUT ERR PID WHO: the port of an `edubridge serve --listen 127.0.0.1:0` started in the
# background with its stdout in OUT and stderr in ERR, read from its first line (10 s at most).
# Prints it; when the server exits or does not start, says so (messages begin "WHO: ") and fails:
# call it as port=$(serve_port ...) || exit 1.
serve_port() {
  local out=$1 err=$2 pid=$3 who=$4 port="" _
  for _ in $(seq 100); do
    port=$(sed -n 's|^edubridge is serving on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$out")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "$who: edubridge exited:" >&2; cat "$err" >&2; return 1; }
    sleep 0.1
  done
  [ -n "$port" ] || { echo "$who: edubridge did not start" >&2; return 1; }
  echo "$port"
}

# wrk runs as a background job that the script waits for: a signal to the script then stops the
# run at once (bash defers traps while a foreground command runs). The caller's cleanup stops
# $wrk_pid.
in_background() {
  "$@" &
  wrk_pid=$!
  wait "$wrk_pid"
  wrk_pid=""
}

# CPU time (user + system, all threads) in clock ticks of a process and its child processes
# (nginx's workers are children of its master; edubridge has none).
cpu_ticks() {
  local p sum=0
  for p in "$1" $(pgrep -P "$1" || true); do
    sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$sum"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f", 100 * a / b; else print "?" }'; }

# session_cookie BIN DB BASE ROLE: signs in at BASE (http://127.0.0.1:PORT) as an account of ROLE,
# made in DB when it is missing, and prints "sid=..." for a Cookie header: the staff pages (a
# form's summary, say) are for signed-in readers (docs/security.md). Fails when it cannot.
session_cookie() {
  local bin=$1 db=$2 base=$3 role=$4 email="bench-$4@bench.edubridge.test" pw=bench-password-1 jar csrf sid
  printf '%s\n' "$pw" | "$bin" user add --role "$role" "$email" --db "$db" >/dev/null 2>&1 || true
  jar=$(mktemp)
  csrf=$(curl -s -c "$jar" "$base/signin" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "_csrf=$csrf" --data-urlencode "email=$email" \
    --data-urlencode "password=$pw" "$base/signin"
  sid=$(awk '$6 == "sid" { print $7 }' "$jar")
  rm -f "$jar"
  [ -n "$sid" ] || { echo "bench: could not sign in as $email at $base" >&2; return 1; }
  printf 'sid=%s\n' "$sid"
}
