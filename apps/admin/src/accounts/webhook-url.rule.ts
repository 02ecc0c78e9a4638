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
    if (NEVER.check(host, type)) return 'never';
    return LOOPBACK.check(host, type) ? 'loopback' : 'other';
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
