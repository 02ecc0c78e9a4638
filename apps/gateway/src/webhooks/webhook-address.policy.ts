import { BlockList, isIPv4, isIPv6 } from 'node:net';

export type AddressClass =
  'public' | 'loopback' | 'private' | 'linkLocal' | 'unspecified' | 'multicast' | 'reserved';

// Ranges a webhook must never reach from inside the cluster (SSRF). Loopback is judged apart:
// a deployment may allow it for local receivers.
const V4: Array<[string, number, AddressClass]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'], // carrier-grade NAT
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'linkLocal'], // includes the cloud metadata address 169.254.169.254
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // includes 255.255.255.255
];
const V6: Array<[string, number, AddressClass]> = [
  ['fc00::', 7, 'private'],
  ['fe80::', 10, 'linkLocal'],
  ['fec0::', 10, 'private'], // deprecated site-local
  ['ff00::', 8, 'multicast'],
  ['100::', 64, 'reserved'], // discard prefix
  ['2001:db8::', 32, 'reserved'], // documentation
  ['2001::', 32, 'reserved'], // Teredo: tunnels to an IPv4 address hidden in the bits
  ['2002::', 16, 'reserved'], // 6to4: relays to the IPv4 address in bits 16..47 (issue 12)
  ['64:ff9b:1::', 48, 'private'], // local-use NAT64 (RFC 8215): translates to any IPv4, internal ones too
  ['::', 96, 'reserved'], // IPv4-compatible (deprecated): nothing legitimate uses it
];

const lists = new Map<AddressClass, BlockList>();
function list(kind: AddressClass): BlockList {
  let l = lists.get(kind);
  if (!l) lists.set(kind, (l = new BlockList()));
  return l;
}
for (const [net, prefix, kind] of V4) list(kind).addSubnet(net, prefix, 'ipv4');
for (const [net, prefix, kind] of V6) list(kind).addSubnet(net, prefix, 'ipv6');

/** The eight 16-bit groups of an IPv6 literal (any spelling: `::`, a dotted IPv4 tail). */
function groups(v6: string): number[] {
  let text = v6;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...fill, ...right];
}

/**
 * IPv6 forms that carry an IPv4 address are judged by the IPv4 address inside (so
 * ::ffff:10.0.0.1 is private, whatever the spelling: hex groups, leading zeros, expanded):
 * mapped ::ffff:0:0/96, translated ::ffff:0:0:0/96, IPv4-compatible ::/96, NAT64 64:ff9b::/96
 * and 6to4 2002::/16. A public address inside a compatible or 6to4 form is still refused
 * (`reserved`, by the ranges above): those are tunnels, never a webhook receiver.
 */
function embeddedIPv4(g: number[]): string | undefined {
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && g[5] === 0xffff) return v4(g[6], g[7]);
  if (zero(0, 4) && g[4] === 0xffff && g[5] === 0) return v4(g[6], g[7]);
  if (zero(0, 6) && (g[6] !== 0 || g[7] > 1)) return v4(g[6], g[7]);
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return v4(g[6], g[7]);
  if (g[0] === 0x2002) return v4(g[1], g[2]);
  return undefined;
}

/** What kind of address `ip` (an IPv4 or IPv6 literal, no brackets) is. */
export function classifyAddress(ip: string): AddressClass {
  if (isIPv4(ip)) return classifyV4(ip);
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  const v6 = ip.toLowerCase().replace(/%.*$/, '');
  const g = groups(v6);
  const inner = embeddedIPv4(g);
  if (inner) {
    const kind = classifyV4(inner);
    if (kind !== 'public') return kind;
  }
  if (g.every((x) => x === 0)) return 'unspecified';
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
  for (const kind of ['private', 'linkLocal', 'multicast', 'reserved'] as const)
    if (lists.get(kind)?.check(v6, 'ipv6')) return kind;
  return 'public';
}

function classifyV4(ip: string): AddressClass {
  for (const kind of ['unspecified', 'private', 'loopback', 'linkLocal', 'multicast', 'reserved'] as const) {
    if (lists.get(kind)?.check(ip, 'ipv4')) return kind;
  }
  return 'public';
}
