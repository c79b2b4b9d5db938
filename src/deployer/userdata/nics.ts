// Network interfaces of a VM with several NICs (tiered layout: web on dmz+app, ...). Each NIC is
// found by its MAC (berth chooses the MACs when it creates the ports) and given its planned
// address; only the first gets the default route, so replies leave where the router and the
// floating IP are. A NIC DHCP already configured the same way is left as it is.
import { sq } from './quote.js';

export interface Nic {
  mac: string;
  address: string;
  prefixLength: number;
  /** Set on the first NIC only: the default route goes through it. */
  gateway?: string;
}

export function nicLines(nics: Nic[]): string {
  const out = [
    'nic_of() { local d; for d in /sys/class/net/*; do [ "$(cat "$d/address" 2>/dev/null)" = "$1" ] && { basename "$d"; return 0; }; done; return 1; }',
    'configure_nic() {',
    '  local dev _',
    // Looked for every 0.2 s (30 s in all): a hot-plugged NIC shows up within a second or two.
    '  for _ in $(seq 1 150); do dev=$(nic_of "$1") && break; sleep 0.2; done',
    '  [ -n "${dev:-}" ] || fail "no network interface with MAC $1"',
    '  ip link set dev "$dev" up',
    '  ip -4 addr show dev "$dev" | grep -q " $2/" || ip addr add "$2/$3" dev "$dev"',
    '  if [ -n "${4:-}" ] && ! ip -4 route show default | grep -q .; then ip route replace default via "$4" dev "$dev"; fi',
    '  log "$dev ($1): $2/$3${4:+ via $4}"',
    '}',
  ];
  for (const n of nics) out.push(`configure_nic ${sq(n.mac.toLowerCase())} ${sq(n.address)} ${n.prefixLength}${n.gateway ? ` ${sq(n.gateway)}` : ''}`);
  return out.join('\n');
}
