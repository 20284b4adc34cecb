#!/usr/bin/env bash
# Runs every fuzz target built in BUILD_DIR for SECONDS each, starting from its corpus in
# tests/fuzz/corpus/NAME (new findings go to a scratch copy, so the committed corpus stays small).
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:?build dir}
seconds=${2:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
status=0
artifacts=$(cd "$build" && pwd)
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue
  name=$(basename "$bin"); name=${name#fuzz_}
  bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin") # absolute: the run happens in a scratch dir
  work=$(mktemp -d)
  [ -d "$root/tests/fuzz/corpus/$name" ] && cp -r "$root/tests/fuzz/corpus/$name/." "$work/"
  dict=()
  [ -f "$root/tests/fuzz/$name.dict" ] && dict=(-dict="$root/tests/fuzz/$name.dict")
  echo "fuzz $name: ${seconds}s"
  if ! (cd "$work" && ASAN_OPTIONS=detect_leaks=1 "$bin" "${dict[@]}" -max_total_time="$seconds" \
        -print_final_stats=1 -artifact_prefix="$artifacts/fuzz-$name-" . 2>&1 | tail -n 12); then
    echo "fuzz $name: FAILED (see $artifacts/fuzz-$name-*)"
    status=1
  fi
  rm -rf "$work"
done
exit $status
