# libvirtd for the LXC instances (sourced by up.sh).
# - libvirtd refuses to start without the libvirt-qemu user AND group (normally made by
#   libvirt-daemon-system, which the sandbox does not install).
# - The host mixes cgroup v1 controllers with cgroup2 at /sys/fs/cgroup/unified, where libvirt 9's
#   LXC driver fails ("Unable to create directory /sys/fs/cgroup/unified"): libvirtd runs in a
#   mount namespace of its own without that mount.
# - nova-compute loop-mounts each instance's root filesystem under the instances directory in the
#   host's namespace; libvirtd must see those mounts, so that directory is a shared mount (the
#   host's / is private) and libvirtd's namespace a slave of it.
getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
getent passwd libvirt-qemu >/dev/null || useradd --system -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
for x in $(sbx_leaked_loops); do losetup -d "$x" && log "detached $x (its instance was deleted while spawning)"; done
INSTANCES=$STATE/nova/instances
mountpoint -q "$INSTANCES" || mount --bind "$INSTANCES" "$INSTANCES"
mount --make-shared "$INSTANCES"
start libvirtd unshare -m --propagation slave sh -c \
  'umount /sys/fs/cgroup/unified 2>/dev/null; exec /usr/sbin/libvirtd'
for ((i = 0; i < 60; i++)); do
  virsh -q -c lxc:/// version >/dev/null 2>&1 && break
  alive libvirtd || { logtail libvirtd; die "libvirtd died (logs in $LOG)"; }
  sleep 0.5
done
[ "$i" -lt 60 ] || { logtail libvirtd; die "libvirtd not answering on lxc:/// after 30 s"; }
log "libvirtd (LXC) answering"
