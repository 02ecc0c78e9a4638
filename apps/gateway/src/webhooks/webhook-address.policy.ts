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
];

const lists = new Map<AddressClass, BlockList>();
function list(kind: AddressClass): BlockList {
  let l = lists.get(kind);
  if (!l) lists.set(kind, (l = new BlockList()));
  return l;
}
for (const [net, prefix, kind] of V4) list(kind).addSubnet(net, prefix, 'ipv4');
for (const [net, prefix, kind] of V6) list(kind).addSubnet(net, prefix, 'ipv6');

/**
 * IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64
 * 64:ff9b::/96) are judged by the IPv4 address inside, so ::ffff:10.0.0.1 is private.
 */
function embeddedIPv4(v6: string): string | undefined {
  const m = /^(?:::ffff:(?:0:)?|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(v6);
  if (m && isIPv4(m[1])) return m[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(v6);
  if (!hex) return undefined;
  const hi = parseInt(hex[1], 16);
  const lo = parseInt(hex[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** What kind of address `ip` (an IPv4 or IPv6 literal, no brackets) is. */
export function classifyAddress(ip: string): AddressClass {
  if (isIPv4(ip)) return classifyV4(ip);
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  const v6 = ip.toLowerCase().replace(/%.*$/, '');
  const inner = embeddedIPv4(v6);
  if (inner) return classifyV4(inner);
  if (v6 === '::') return 'unspecified';
  if (v6 === '::1') return 'loopback';
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
