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
# The external network's range is routed into the sandbox's bridge: it must not hold an address
# the host needs to reach (package registries, default gateway, name servers).
ext_clash=$(
  { ip -4 route show default | awk '{print $3}'; awk '/^nameserver/ {print $2}' /etc/resolv.conf
    for h in deb.debian.org security.debian.org "$(npm config get registry 2>/dev/null | sed -E 's#^[a-z]+://([^/:]+).*#\1#')"; do
      [ -n "$h" ] && getent ahostsv4 "$h" | awk '{print $1}'; done; } 2>/dev/null | sort -u |
  $PY -c 'import ipaddress, sys; n = ipaddress.ip_network(sys.argv[1]); print(" ".join(a for a in sys.stdin.read().split() if ipaddress.ip_address(a) in n))' "$EXT_CIDR")
[ -z "$ext_clash" ] \
  || fail "the external network $EXT_CIDR holds $ext_clash, which this host must reach (package registries, gateway or DNS): set BERTH_OSLAB_EXT_CIDR to a free /24"
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
