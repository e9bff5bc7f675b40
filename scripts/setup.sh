#!/usr/bin/env bash
# Installs everything the server and the tests need on a fresh Debian 12 machine, idempotently:
# Debian packages (speech engine + model, test speech synthesis, headless Chromium, image building), npm packages
# (`npm ci`), and the H5 app the server serves at `/`.
#
# Off Debian (macOS, Windows' Git Bash, another Linux) it says which Debian packages it cannot install
# and what that leaves out, then does what works anywhere Node runs: `npm ci` and the H5 build. It stops
# before changing anything when it cannot do its part (no Node.js 20.11+, packages missing and not root).
# Its decisions are tested with fake commands on PATH: test/setup-script.test.ts.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(
  libpocketsphinx3 pocketsphinx-en-us # default offline speech engine and its English model
  pocketsphinx pocketsphinx-testdata  # the engine's own CLI and recorded human speech (accuracy test, bench,
                                      # the native example's test)
  flite sox                           # synthesize and convert test speech
  chromium                            # headless browser for the H5 end-to-end tests
  mariadb-server redis-server         # MySQL and Redis for the multi-instance tests (started by the tests)
  lame                                # encode test speech as mp3 (Alipay's recorder format)
  python3 make g++                    # better-sqlite3 builds from source (its prebuilt host is unreachable)
  debootstrap buildah                 # npm run image:test: a local Debian base, then build and run the image
)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: Node.js 20.11 or newer (with npm) is needed first (https://nodejs.org); nothing was changed" >&2
  exit 1
fi
node_version="$(node -p 'process.versions.node')"
IFS=. read -r node_major node_minor _ <<<"$node_version"
if [ "$node_major" -lt 20 ] || { [ "$node_major" -eq 20 ] && [ "$node_minor" -lt 11 ]; }; then
  echo "setup: Node.js $node_version is too old: 20.11 or newer is needed; nothing was changed" >&2
  exit 1
fi

if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "setup: missing Debian packages: ${missing[*]}" >&2
      echo "setup: not root, so they cannot be installed from here; nothing was changed. Run as root, or:" >&2
      echo "  sudo apt-get install -y ${missing[*]} && npm run setup" >&2
      exit 1
    fi
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get update -qq || ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
      echo "setup: apt-get could not install: ${missing[*]} (this script is written for Debian 12;" >&2
      echo "  other releases may name a package differently). npm ci and the H5 build were not run." >&2
      exit 1
    fi
  fi
else
  cat >&2 <<EOF
setup: this is not Debian/Ubuntu ($(uname -s 2>/dev/null || echo "unknown system"): no apt-get/dpkg-query), so
  these Debian packages cannot be installed here: ${debian_packages[*]}
  What that leaves out:
  - the pocketsphinx engine (libpocketsphinx3, pocketsphinx-en-us): the backend starts, but that engine
    is unavailable; run the backend in the Docker image, or natively with sherpa-onnx or Tencent Cloud
    (docs/backend.md, "macOS and Windows")
  - the tests that use flite, sox, lame, Chromium, MariaDB or Redis
setup: continuing with what works anywhere Node runs: npm ci and the H5 build.
EOF
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund

if [ -f frontend/src/main.ts ]; then
  echo "setup: building the H5 app"
  npm run build:h5 -w @realtime-voice/frontend >/dev/null
fi
echo "setup: done"
