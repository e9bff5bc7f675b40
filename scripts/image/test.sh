#!/usr/bin/env bash
# `npm run image:test`: builds the real Dockerfile from local base images and proves the image by running it
# (backend/image-test/container-image.test.ts). Needs root and buildah + debootstrap (scripts/setup.sh).
#
# Here no container registry is reachable, so the bases are made by scripts/image/base.sh (cached in
# buildah's storage) and passed as NODE_IMAGE / NODE_SLIM_IMAGE; the npm registry and the Debian mirror are
# the ones this machine is configured with (NPM_REGISTRY / DEBIAN_MIRROR), so the mirror build arguments
# are exercised too. Set NODE_IMAGE and NODE_SLIM_IMAGE yourself to build from other bases, or
# IMAGE_TEST_IMAGE=name to test an image built beforehand (it is kept). Every step has a timeout: bases
# 15 min, the build 25 min, the whole vitest run 40 min.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "$(id -u)" -ne 0 ]; then
  echo "image-test: needs root (buildah's storage, debootstrap, the container's /proc); nothing was checked" >&2
  exit 1
fi
started=$SECONDS
if [ -z "${NODE_IMAGE:-}" ] || [ -z "${NODE_SLIM_IMAGE:-}" ]; then
  bases="$(timeout 900 bash scripts/image/base.sh)"
  NODE_IMAGE="$(sed -n 's/^BUILD_IMAGE=//p' <<<"$bases")"
  NODE_SLIM_IMAGE="$(sed -n 's/^RUNTIME_IMAGE=//p' <<<"$bases")"
  echo "image-test: bases ready in $((SECONDS - started)) s"
fi
if [ -z "${DEBIAN_MIRROR:-}" ]; then
  mirror="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -E '/debian/?$' | head -n 1 || true)"
  DEBIAN_MIRROR="${mirror%/}"
  DEBIAN_MIRROR="${DEBIAN_MIRROR%/debian}"
fi
NPM_REGISTRY="${NPM_REGISTRY:-$(npm config get registry)}"
export NODE_IMAGE NODE_SLIM_IMAGE DEBIAN_MIRROR NPM_REGISTRY

status=0
timeout 2400 npx vitest run --config backend/image-test/vitest.config.ts || status=$?
echo "image-test: $((SECONDS - started)) s in all, exit $status"
exit "$status"
