#!/usr/bin/env bash
# Installs what edubridge needs on a fresh Debian 12 machine, and nothing that is already there.
# Debian packages through apt-get (with sudo when not root); npm packages for the browser tests
# from the lock file in tests/browser. Safe to run again: it only acts on what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build and runtime libraries, test tools, fuzzing runtime, benchmark peers, the browser.
packages=(
  build-essential pkg-config meson ninja-build clang libclang-rt-14-dev
  libevent-dev libsqlite3-dev sqlite3 libjansson-dev libsodium-dev zlib1g-dev
  libzip-dev libexpat1-dev libxlsxwriter-dev libglpk-dev libcurl4-openssl-dev
  libgsl-dev
  libqrencode-dev
  libcmocka-dev
  nginx-light wrk curl
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

# Node.js and npm may come from Debian or from NodeSource (whose nodejs bundles npm and conflicts
# with Debian's npm package): ask for them only when the commands are missing.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Browser-test packages, pinned by the lock file; skipped when already in place.
if [ -f tests/browser/package-lock.json ] && [ ! -d tests/browser/node_modules/playwright-core ]; then
  echo "deps: installing npm packages for the browser tests"
  (cd tests/browser && npm ci --no-audit --no-fund --silent)
fi
