#!/usr/bin/env bash
# Builds the sandbox's guest image "debian-12-docker" once and caches it: Debian bookworm by
# debootstrap from Debian's packages (systemd, cloud-init, docker.io, openssh-server, sudo, python3),
# set up for libvirt-LXC (see guest/), as a bare raw ext4 filesystem (no partition table, no
# kernel: LXC guests run on the host's kernel). No loop mount is needed (mkfs.ext4 -d).
#
#   guest-image.sh [--force]   prints the image's path on its last line
#
# The cache file's name holds a hash of everything that goes into the image (this script, guest/,
# the mirror, the architecture), so a change rebuilds and an unchanged recipe is reused across
# runs and across `down --purge`. Cache: $BERTH_CACHE (default /var/cache/berth).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
export PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8
CACHE=${BERTH_CACHE:-/var/cache/berth}
die() { echo "guest-image: ERROR: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (debootstrap)"

# The mirror the host uses (as scripts/base-images.sh does), so the guest gets what the host gets.
MIRROR=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
ARCH=$(dpkg --print-architecture)
# python3-cffi-backend: without it in the first pass debootstrap leaves cloud-init unconfigured.
PKGS=systemd-sysv,udev,dbus,cloud-init,python3-cffi-backend,ifupdown,isc-dhcp-client,iproute2,openssh-server,sudo,docker.io,ca-certificates,netbase
KEY=$( { cat "$0" "$HERE"/guest/*; echo "$MIRROR $ARCH $PKGS"; } | sha256sum | cut -c1-16)
IMAGE=$CACHE/guest-debian-12-docker-$ARCH-$KEY.raw

if [ "${1:-}" != --force ] && [ -s "$IMAGE" ]; then echo "$IMAGE"; exit 0; fi
command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
install -d "$CACHE"
t0=$SECONDS
ROOT=$(mktemp -d /var/tmp/berth-guest.XXXXXX)
trap 'rm -rf "$ROOT" "$IMAGE.tmp"' EXIT
LOGF=$CACHE/guest-image.log
echo "guest-image: debootstrap bookworm from $MIRROR (~3-5 min, log $LOGF)" >&2
debootstrap --variant=minbase --include=$PKGS bookworm "$ROOT" "$MIRROR" > "$LOGF" 2>&1 \
  || { tail -n 20 "$LOGF" >&2; die "debootstrap failed ($LOGF)"; }
# Anything left unconfigured (packages whose postinst needed a later one) is configured now.
chroot "$ROOT" dpkg --configure -a >> "$LOGF" 2>&1 || { tail -n 20 "$LOGF" >&2; die "dpkg --configure in the guest failed"; }
[ "$(chroot "$ROOT" dpkg-query -W -f='${Status}' cloud-init)" = "install ok installed" ] || die "cloud-init is not configured in the guest"

install -m 755 "$HERE/guest/init-wrapper.sh" "$ROOT/sbin/init"          # replaces the link to systemd
install -D -m 644 "$HERE/guest/daemon.json" "$ROOT/etc/docker/daemon.json"
install -m 644 "$HERE/guest/cloud.cfg" "$ROOT/etc/cloud/cloud.cfg.d/90-berth-sandbox.cfg"
# Nova starts an LXC guest without waiting for its port to be wired: the first DHCPDISCOVER may
# be lost, and dhclient's default backoff then waits ~8 s. Retry every 1-2 s instead.
printf 'initial-interval 1;\nbackoff-cutoff 2;\n' >> "$ROOT/etc/dhcp/dhclient.conf"
# A stale resolver makes cloud-init wait 30 s; DHCP fills this in.
rm -f "$ROOT/etc/resolv.conf"; : > "$ROOT/etc/resolv.conf"
# Per-instance identity is made at first boot (systemd: machine id; cloud-init: SSH host keys).
: > "$ROOT/etc/machine-id"; rm -f "$ROOT"/etc/ssh/ssh_host_*
printf 'auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n' > "$ROOT/etc/network/interfaces"
echo debian-12-docker > "$ROOT/etc/hostname"
: > "$ROOT/etc/fstab"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/log/*.log

# Size: what is there plus ~400 MiB of room; Nova grows it to the flavor's disk at each boot.
used=$(du -sm "$ROOT" | cut -f1)
mkfs.ext4 -q -L rootfs -d "$ROOT" "$IMAGE.tmp" "$((used + 400))M" >> "$LOGF" 2>&1 || die "mkfs.ext4 -d failed ($LOGF)"
rm -f "$CACHE"/guest-debian-12-docker-*.raw
mv "$IMAGE.tmp" "$IMAGE"
echo "guest-image: built in $((SECONDS - t0)) s: $(du -m --apparent-size "$IMAGE" | cut -f1) MiB image, $used MiB of files" | tee -a "$LOGF" >&2
echo "$IMAGE"
