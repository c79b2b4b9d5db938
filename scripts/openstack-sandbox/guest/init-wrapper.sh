#!/bin/sh
# /sbin/init of the sandbox's guest image (libvirt-LXC instance on a host without systemd-machined
# and without cgroup namespaces). libvirt bind-mounts the host's whole cgroup-v1 hierarchies into
# the guest and puts the guest into /machine/lxc-<pid>-<name>.libvirt-lxc only for the controllers
# it manages (not name=systemd, pids, nor cgroup2): left alone, the guest's systemd would build its
# tree at the HOST's hierarchy roots and escape the instance's memory limit. So move PID 1 into the
# per-domain path in every hierarchy, allow the device nodes runc needs, then exec systemd.
cg=$(sed -n 's/^[0-9]*:memory:\(.*\)$/\1/p' /proc/self/cgroup)
case "$cg" in ""|/) ;; *)
  for h in /sys/fs/cgroup/*/; do
    [ -f "${h}cgroup.procs" ] || continue
    [ -d "$h$cg" ] || mkdir -p "$h$cg" 2>/dev/null || continue
    echo $$ > "$h$cg/cgroup.procs" 2>/dev/null
  done
  # runc writes Docker's default device rules (mknod *:*, console 5:1, tun 10:200): libvirt's
  # whitelist lacks them and runc fails without.
  for r in 'c *:* m' 'b *:* m' 'c 5:1 rwm' 'c 10:200 rwm'; do
    echo "$r" > "/sys/fs/cgroup/devices$cg/devices.allow" 2>/dev/null
  done
  t=/run/.cg2
  mkdir -p $t && mount -t cgroup2 cgroup2 $t && {
    mkdir -p "$t$cg" && echo $$ > "$t$cg/cgroup.procs"; umount $t; }
  rmdir $t 2>/dev/null;;
esac
exec /lib/systemd/systemd "$@"
