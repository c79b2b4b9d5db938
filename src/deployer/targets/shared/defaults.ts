// Where a stack's entry port is published when --bind is not given, for every command in one place:
// on this machine (docker target) only on the loopback address, so a laptop does not offer the
// board to its network; on a VM (berth userdata, the openstack target) on all of the VM's
// addresses, as the original's `-p 80:80`, since the cloud's security group is the fence there.
export const DEFAULT_BIND = { docker: '127.0.0.1', vm: '0.0.0.0' } as const;
