import { BlockList, isIPv4, isIPv6 } from 'node:net';

export const WEBHOOK_URL_MAX = 2048;

export interface WebhookUrlPolicy {
  /** `http://` on a loopback host is fine (local runs, sandboxes); everywhere else https only. */
  allowLoopbackHttp: boolean;
}

// Addresses a webhook must never reach from inside the cluster (SSRF): private networks,
// link-local (cloud metadata at 169.254.169.254 lives there), unspecified, multicast, reserved.
const NEVER = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NEVER.addSubnet(net, prefix, 'ipv4');
}
NEVER.addAddress('::', 'ipv6');
for (const [net, prefix] of [
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  // Forms that reach an IPv4 address no receiver is published under (issue 12, item 9); the
  // gateway judges them again, by the IPv4 inside, at delivery.
  ['::', 96], // IPv4-compatible (::a00:1 is 10.0.0.1)
  ['::ffff:0:0:0', 96], // IPv4-translated
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48], // local-use NAT64
  ['2002::', 16], // 6to4
  ['2001::', 32], // Teredo
] as const) {
  NEVER.addSubnet(net, prefix, 'ipv6');
}

// Loopback: allowed only where the deployment says so (the receiver is on this machine).
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** What an IP-literal or name host is, as far as can be told without DNS. */
function classify(hostname: string): 'never' | 'loopback' | 'other' {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  // BlockList also matches IPv4-mapped IPv6 (::ffff:10.0.0.1) against the IPv4 rules.
  const type = isIPv4(host) ? 'ipv4' : isIPv6(host) ? 'ipv6' : undefined;
  if (type) {
    // Loopback first: ::1 also lies in the IPv4-compatible ::/96 refused above.
    if (LOOPBACK.check(host, type)) return 'loopback';
    return NEVER.check(host, type) ? 'never' : 'other';
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  return 'other';
}

/**
 * Why `value` is not acceptable as an account's webhook URL, or undefined when it is
 * (CONTRACT.md §8). Only the URL itself is judged here: names are not resolved, so a name
 * pointing at a private address is caught at delivery time, not now.
 */
export function webhookUrlProblem(value: string, policy: WebhookUrlPolicy): string | undefined {
  if (value.length > WEBHOOK_URL_MAX) return `must be at most ${WEBHOOK_URL_MAX} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL such as https://example.com/webhooks';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https';
  // Credentials in a URL would be shown back by every GET of the account.
  if (url.username || url.password) return 'must not contain a user name or password';
  const kind = classify(url.hostname);
  if (kind === 'never') return 'must not point at a private, link-local or unspecified address';
  if (kind === 'loopback') {
    return policy.allowLoopbackHttp ? undefined : 'must not point at a loopback address';
  }
  if (url.protocol === 'http:') {
    return policy.allowLoopbackHttp
      ? 'must use https (http is allowed only on a loopback host)'
      : 'must use https';
  }
  return undefined;
}
