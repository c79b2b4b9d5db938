#!/usr/bin/env bash
# Builds the sandbox's amphora image once and caches it, like guest-image.sh builds
# debian-12-docker: Debian bookworm by debootstrap, then Debian's octavia-agent (amphora-agent)
# and haproxy from the host's own package sources (bookworm-security holds the octavia build the
# controller runs: 11.0.0-2+deb12u1, patched for haproxy 2.6), set up for libvirt-LXC with the
# same /sbin/init wrapper and cloud-init settings as the guest image (guest/), as a bare raw ext4
# filesystem.
#
#   amphora-image.sh [--force]   prints the image's path on its last line
#
# Cache: $BERTH_CACHE (default /var/cache/berth), the file name holds a hash of the recipe.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
export PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8
CACHE=${BERTH_CACHE:-/var/cache/berth}
die() { echo "amphora-image: ERROR: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (debootstrap)"

MIRROR=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
ARCH=$(dpkg --print-architecture)
BASE=systemd-sysv,udev,dbus,cloud-init,python3-cffi-backend,ifupdown,isc-dhcp-client,iproute2,ca-certificates,netbase,tzdata
# octavia-agent depends on haproxy, keepalived, rsyslog, the openstack client, ...
AGENT="octavia-agent haproxy"
SOURCES=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true)
KEY=$( { cat "$0" "$HERE"/guest/init-wrapper.sh "$HERE"/guest/cloud.cfg "$HERE"/amphora/*; echo "$MIRROR $ARCH $BASE $AGENT $SOURCES"; } | sha256sum | cut -c1-16)
IMAGE=$CACHE/amphora-debian-12-$ARCH-$KEY.raw

if [ "${1:-}" != --force ] && [ -s "$IMAGE" ]; then echo "$IMAGE"; exit 0; fi
command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
install -d "$CACHE"
t0=$SECONDS
ROOT=$(mktemp -d /var/tmp/berth-amphora.XXXXXX)
cleanup() {   # never rm into a still-mounted /dev, /proc or /sys of the host
  for m in dev/pts dev sys proc; do umount "$ROOT/$m" 2>/dev/null || umount -l "$ROOT/$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$ROOT" "$IMAGE.tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
LOGF=$CACHE/amphora-image.log
echo "amphora-image: debootstrap bookworm from $MIRROR, then octavia-agent (~4-6 min, log $LOGF)" >&2
debootstrap --variant=minbase --include=$BASE bookworm "$ROOT" "$MIRROR" > "$LOGF" 2>&1 \
  || { tail -n 20 "$LOGF" >&2; die "debootstrap failed ($LOGF)"; }
chroot "$ROOT" dpkg --configure -a >> "$LOGF" 2>&1 || { tail -n 20 "$LOGF" >&2; die "dpkg --configure in the image failed"; }

# The host's package sources (and apt settings) for the agent, so it is the controller's build.
rm -f "$ROOT/etc/apt/sources.list"
cp /etc/apt/sources.list.d/*.sources "$ROOT/etc/apt/sources.list.d/" 2>/dev/null || true
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$ROOT/etc/apt/"
cp /etc/apt/apt.conf.d/99* "$ROOT/etc/apt/apt.conf.d/" 2>/dev/null || true
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"; chmod 755 "$ROOT/usr/sbin/policy-rc.d"
mount -t proc proc "$ROOT/proc"; mount -t sysfs sys "$ROOT/sys"; mount --bind /dev "$ROOT/dev"; mount --bind /dev/pts "$ROOT/dev/pts"
{
  chroot "$ROOT" apt-get update -q &&
  DEBIAN_FRONTEND=noninteractive chroot "$ROOT" apt-get install -y -q --no-install-recommends $AGENT
} >> "$LOGF" 2>&1 || { tail -n 30 "$LOGF" >&2; die "installing $AGENT in the image failed ($LOGF)"; }
for m in dev/pts dev sys proc; do umount "$ROOT/$m"; done
rm -f "$ROOT/usr/sbin/policy-rc.d"
chroot "$ROOT" dpkg-query -W -f='${Package} ${Version}\n' octavia-agent haproxy python3-octavia | tee -a "$LOGF" >&2

# Octavia 11.0.0's amphora-interface hands the interface's index to pyroute2's get_addr() as its
# first argument, the address family: an index above 255 cannot be encoded ("ubyte format requires
# 0 <= number <= 255") and the VIP is never plugged. An LXC amphora's interfaces keep the host's
# index numbers, which pass 255 once the host has made that many interfaces (one run of the tests).
IFACE_PY=$ROOT/usr/lib/python3/dist-packages/octavia/amphorae/backends/utils/interface.py
sed -i 's/ipr\.get_addr(idx)/ipr.get_addr(index=idx)/' "$IFACE_PY"
! grep -q 'get_addr(idx)' "$IFACE_PY" || die "could not mend get_addr(idx) in $IFACE_PY"

# libvirt-LXC, as in the guest image
install -m 755 "$HERE/guest/init-wrapper.sh" "$ROOT/sbin/init"
install -m 644 "$HERE/guest/cloud.cfg" "$ROOT/etc/cloud/cloud.cfg.d/90-berth-sandbox.cfg"
printf 'initial-interval 1;\nbackoff-cutoff 2;\n' >> "$ROOT/etc/dhcp/dhclient.conf"
rm -f "$ROOT/etc/resolv.conf"; : > "$ROOT/etc/resolv.conf"
: > "$ROOT/etc/machine-id"; rm -f "$ROOT"/etc/ssh/ssh_host_*
# the management interface by DHCP (the VIP interface is the agent's, in its namespace)
printf 'auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet dhcp\nsource /etc/network/interfaces.d/*\n' > "$ROOT/etc/network/interfaces"
echo amphora > "$ROOT/etc/hostname"
: > "$ROOT/etc/fstab"

# The agent as Octavia's own images name it; its namespace unit (amphora/); what an LXC guest
# cannot do is off: the certificates' encrypted ramdisk (brd, cryptsetup), Debian's netns unit
# (modprobe ip_vs), the stock haproxy service (the agent runs one unit per load balancer).
ln -sf /lib/systemd/system/octavia-agent.service "$ROOT/etc/systemd/system/amphora-agent.service"
install -m 644 "$HERE/amphora/amphora-netns.service" "$ROOT/etc/systemd/system/amphora-netns.service"
ln -sf /etc/systemd/system/amphora-netns.service "$ROOT/etc/systemd/system/multi-user.target.wants/amphora-netns.service"
for u in octavia-agent-certs-ramfs octavia-agent-netns haproxy keepalived; do
  ln -sf /dev/null "$ROOT/etc/systemd/system/$u.service"
done
mkdir -p "$ROOT/var/lib/octavia" "$ROOT/etc/octavia/certs"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/log/*.log

used=$(du -sm "$ROOT" | cut -f1)
mkfs.ext4 -q -L rootfs -d "$ROOT" "$IMAGE.tmp" "$((used + 300))M" >> "$LOGF" 2>&1 || die "mkfs.ext4 -d failed ($LOGF)"
rm -f "$CACHE"/amphora-debian-12-*.raw
mv "$IMAGE.tmp" "$IMAGE"
echo "amphora-image: built in $((SECONDS - t0)) s: $(du -m --apparent-size "$IMAGE" | cut -f1) MiB image, $used MiB of files" | tee -a "$LOGF" >&2
echo "$IMAGE"
