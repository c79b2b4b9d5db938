#!/usr/bin/env bash
# Makes the base images offline (no registry is reachable here), so the Dockerfiles in images/
# build with --build-arg *_BASE=berth-base/...:
#   berth-base/debian:bookworm  Debian 12 minbase from the Debian mirror (debootstrap -> docker import)
#   berth-base/node:20          the above plus this host's Node 20 binary, stripped of its debug
#                               symbols (what node:20-bookworm-slim gives; images/node takes it from there)
# The pair is cached as a `docker save` tarball under $BERTH_CACHE (default /var/cache/berth), so a
# re-run on the same machine only `docker load`s it (seconds), and a run with both images present
# does nothing. --force rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ci/lib.sh
export DOCKER_BUILDKIT=0 # the legacy builder: the docker client here may lack buildx
CACHE=${BERTH_CACHE:-/var/cache/berth}
# BERTH_BASE_REPO (default berth-base) names them otherwise, to try a new recipe out on a shared
# Engine without replacing the images others build on (berth build then needs --build-arg NODE_BASE=...).
BASE_REPO=${BERTH_BASE_REPO:-berth-base}
DEBIAN_IMAGE=$BASE_REPO/debian:bookworm
NODE_IMAGE=$BASE_REPO/node:20
NODE_BIN=$(command -v node)
NODE_VERSION=$("$NODE_BIN" --version)
# Bump RECIPE when what goes into the images changes, so old cached tarballs are not reused.
RECIPE=2
TARBALL=$CACHE/base-images-r$RECIPE-node$NODE_VERSION-$(dpkg --print-architecture).tar

have() { docker image inspect "$1" >/dev/null 2>&1; }
# The node base carries the RECIPE it was made by: one made by an older recipe is made again.
current() { [ "$(docker image inspect -f '{{index .Config.Labels "berth.base-recipe"}}' "$1" 2>/dev/null)" = "$RECIPE" ]; }

[[ $NODE_VERSION == v20.* ]] || die "the host's node is $NODE_VERSION; the node base needs Node 20"
curl -fsS --max-time 3 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null \
  || die "the Docker Engine is not running (start it: bash scripts/docker-engine.sh start)"

if [ "${1:-}" != --force ]; then
  if have "$DEBIAN_IMAGE" && current "$NODE_IMAGE"; then echo "base images present"; exit 0; fi
  if [ -f "$TARBALL" ]; then
    echo "loading base images from $TARBALL"; docker load -i "$TARBALL"; exit 0
  fi
fi

# The same mirror the host uses (read from its apt sources), so images reach what the host reaches.
mirror() {
  awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null \
    || true
}
MIRROR=$(mirror); MIRROR=${MIRROR:-http://deb.debian.org/debian}

make_debian() {
  apt_install debootstrap
  local rootfs; rootfs=$(mktemp -d /var/tmp/berth-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' RETURN
  echo "debootstrap bookworm (minbase) from $MIRROR ..."
  debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >/var/tmp/berth-debootstrap.log 2>&1 \
    || { tail -n 20 /var/tmp/berth-debootstrap.log >&2; die "debootstrap failed"; }
  # apt inside images uses the host's sources and settings (deb822 file, snapshot options).
  rm -f "$rootfs/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/"
  cp /etc/apt/apt.conf.d/* "$rootfs/etc/apt/apt.conf.d/" 2>/dev/null || true
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import \
    -c 'CMD ["/bin/bash"]' -c 'ENV LANG=C.UTF-8' \
    -m "Debian bookworm minbase, made by berth scripts/base-images.sh" - "$DEBIAN_IMAGE"
}

make_node() {
  local ctx; ctx=$(mktemp -d /var/tmp/berth-node.XXXXXX)
  trap 'rm -rf "$ctx"' RETURN
  # Debian's binary carries debug symbols (~12 MB) that the official image's does not.
  if command -v strip >/dev/null; then strip -o "$ctx/node" "$NODE_BIN"; else cp "$NODE_BIN" "$ctx/node"; fi
  cp images/base/node.Dockerfile "$ctx/Dockerfile"
  # No network needed: the binary only links libc, libstdc++ and libgcc_s, all in minbase.
  docker build -q --network=none --build-arg BASE="$DEBIAN_IMAGE" --label "berth.base-recipe=$RECIPE" \
    -t "$NODE_IMAGE" "$ctx"
}

# Only the node base changed since recipe 1: a Debian base already here is kept (--force remakes it).
if [ "${1:-}" = --force ] || ! have "$DEBIAN_IMAGE"; then step "base image $DEBIAN_IMAGE"; make_debian; fi
step "base image $NODE_IMAGE ($NODE_VERSION)"; make_node
docker run --rm --network=none "$NODE_IMAGE" node -e 'console.log("node", process.version, "runs in the base")'
install -d "$CACHE"
rm -f "$CACHE"/base-images-*.tar
docker save -o "$TARBALL.tmp" "$DEBIAN_IMAGE" "$NODE_IMAGE" && mv "$TARBALL.tmp" "$TARBALL"
echo "cached $TARBALL ($(du -h "$TARBALL" | cut -f1))"
