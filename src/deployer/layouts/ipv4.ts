// IPv4 arithmetic for planned subnets: the n-th host of a CIDR, its prefix length, membership.
export interface Cidr {
  base: number;
  bits: number;
}

/** Prefix lengths a subnet may have: room for a gateway and hosts, and not half the Internet. */
export const SUBNET_BITS = { min: 8, max: 29 } as const;
/** Prefix lengths a rule's source may have: anywhere (/0) to one host (/32). */
export const SOURCE_BITS = { min: 0, max: 32 } as const;

export function parseCidr(cidr: string, range: { min: number; max: number } = SUBNET_BITS): Cidr {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : NaN;
  if (!m || octets.some((o) => o > 255) || !(bits >= range.min && bits <= range.max))
    throw new RangeError(`${cidr} is not an IPv4 CIDR between /${range.min} and /${range.max} (e.g. 192.168.0.0/24)`);
  const addr = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { base: addr - (addr % size), bits };
}

export const formatIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** The n-th address of the subnet (1 = the usual gateway); a host outside it is an error. */
export function hostAt(cidr: string, n: number): string {
  const c = parseCidr(cidr);
  if (n < 1 || n >= 2 ** (32 - c.bits) - 1) throw new RangeError(`host ${n} does not fit in ${cidr}`);
  return formatIp(c.base + n);
}

export const prefixLength = (cidr: string) => parseCidr(cidr).bits;

/** The CIDR in canonical form (host bits cleared), as Neutron stores it. */
export const canonicalCidr = (cidr: string, range: { min: number; max: number } = SUBNET_BITS) => {
  const c = parseCidr(cidr, range);
  return `${formatIp(c.base)}/${c.bits}`;
};

export function overlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  const bits = Math.min(x.bits, y.bits);
  const size = 2 ** (32 - bits);
  return Math.floor(x.base / size) === Math.floor(y.base / size);
}
