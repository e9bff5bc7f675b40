#!/usr/bin/env bash
# Installs everything the server and the tests need on a fresh Debian 12 machine, idempotently:
# Debian packages (speech engine + model, test speech synthesis, headless Chromium), npm packages
# (`npm ci`), and the H5 app the server serves at `/`.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(
  libpocketsphinx3 pocketsphinx-en-us # default offline speech engine and its English model
  flite sox                           # synthesize and convert test speech
  pocketsphinx-testdata               # recorded human speech (goforward.raw) for the native example test
  chromium                            # headless browser for the H5 end-to-end tests
  mariadb-server redis-server         # MySQL and Redis for the multi-instance tests (started by the tests)
  lame                                # encode test speech as mp3 (Alipay's recorder format)
  python3 make g++                    # better-sqlite3 builds from source (its prebuilt host is unreachable)
)

missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} — run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund

if [ -f frontend/src/main.ts ]; then
  echo "setup: building the H5 app"
  npm run build:h5 -w @realtime-voice/frontend >/dev/null
fi
echo "setup: done"
