# What the sandbox needs from the machine, checked before anything is installed or started
# (sourced by up.sh): each failure is one line saying what is missing and how to fix it.
need() { "$@" >/dev/null 2>&1; }
fail() { die "$1"; }
kmod() { command -v modprobe >/dev/null && modprobe -q "$1" 2>/dev/null; return 0; }
[ "$(cut -d. -f1 /etc/debian_version 2>/dev/null)" = 12 ] \
  || fail "Debian 12 (bookworm) is needed: its OpenStack Zed packages are what the sandbox runs"
kmod loop
{ [ -e /dev/loop-control ] && need losetup -f; } \
  || fail "no free loop device (Nova mounts each instance's disk with one): modprobe loop, or give the machine /dev/loop-control and /dev/loop*"
kmod bridge
{ need ip link add berthsbx-chk type bridge && ip link del berthsbx-chk; } \
  || fail "the kernel cannot make bridges (the networks' dataplane): modprobe bridge (CONFIG_BRIDGE)"
kmod br_netfilter
[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] \
  || fail "no bridge netfilter (security groups on bridged traffic): modprobe br_netfilter (CONFIG_BRIDGE_NETFILTER)"
kmod vxlan
{ need ip link add berthsbx-vx type vxlan id 4242 local 127.0.0.1 dstport 4789 && ip link del berthsbx-vx; } \
  || fail "the kernel cannot make VXLAN devices (tenant networks): modprobe vxlan (CONFIG_VXLAN)"
{ need ip link add berthsbx-v0 type veth peer name berthsbx-v1 && ip link del berthsbx-v0; } \
  || fail "the kernel cannot make veth pairs (instance and router ports): modprobe veth (CONFIG_VETH)"
{ need ip netns add berthsbx-chk && ip netns del berthsbx-chk; } \
  || fail "cannot make network namespaces (routers, DHCP): needs CONFIG_NET_NS and root"
need iptables -w -n -L FORWARD || fail "iptables does not work (security groups, routers): apt-get install iptables; needs nf_tables or x_tables in the kernel"
grep -q ':memory:' /proc/self/cgroup \
  || fail "no cgroup v1 memory hierarchy (the LXC guests' init expects the hybrid layout): boot with systemd.unified_cgroup_hierarchy=0"
if [ -S /run/libvirt/libvirt-sock ] && ! alive libvirtd && need virsh -c lxc:/// version; then
  fail "a libvirtd that the sandbox did not start is running: stop it (the sandbox runs its own in a separate mount namespace)"
fi
at=$OSLAB; while [ ! -d "$at" ]; do at=$(dirname "$at"); done
free_mb=$(df -Pm "$at" | awk 'NR==2 {print $4}')
min_mb=${BERTH_OSLAB_MIN_FREE_MB:-8192}
[ "$free_mb" -ge "$min_mb" ] \
  || fail "only $free_mb MiB free on $OSLAB's filesystem; the sandbox needs $min_mb MiB (image, Glance, instance disks): free space or set BERTH_OSLAB to a bigger disk"
avail_mb=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
[ "$avail_mb" -ge 3072 ] || fail "only $avail_mb MiB of memory available; the sandbox needs ~3 GiB (+ its instances): stop something"
