import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress } from './webhook-address.policy';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Name → addresses; the real one asks the system resolver, tests inject their own. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/** A webhook URL that passed the vetter, with the one address the request must connect to. */
export interface VettedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** The vetter's "no": recorded as the attempt's error; no connection was made. */
export class WebhookRefused extends Error {}

/**
 * The SSRF check at delivery time (CONTRACT.md §8). Admin checks the URL's text when it is set;
 * here the name is resolved and every address it has must be acceptable (one private answer
 * among public ones is how DNS-rebinding attacks start). The caller then connects to the vetted
 * address itself, so a second lookup cannot answer differently.
 */
export class WebhookTargetVetter {
  constructor(
    private readonly allowLoopbackHttp: boolean,
    private readonly resolve: Resolver = systemResolver,
  ) {}

  async vet(raw: string): Promise<VettedTarget> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new WebhookRefused('webhook URL is not a valid absolute URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.allowLoopbackHttp)) {
      throw new WebhookRefused('webhook URL must use https');
    }
    if (url.username || url.password) throw new WebhookRefused('webhook URL must not contain credentials');
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const literal = isIP(host);
    let addresses: ResolvedAddress[];
    if (literal) addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
    else {
      try {
        addresses = await this.resolve(host);
      } catch (error) {
        throw new WebhookRefused(
          `could not resolve ${host}: ${(error as NodeJS.ErrnoException).code ?? 'lookup failed'}`,
        );
      }
    }
    if (addresses.length === 0) throw new WebhookRefused(`could not resolve ${host}: no addresses`);
    for (const { address } of addresses) {
      const kind = classifyAddress(address);
      if (kind === 'public') {
        if (url.protocol === 'http:')
          throw new WebhookRefused('webhook URL must use https (http is allowed only on loopback)');
        continue;
      }
      if (kind === 'loopback' && this.allowLoopbackHttp) continue;
      throw new WebhookRefused(`webhook address ${address} is ${describe(kind)} and refused`);
    }
    return { url, address: addresses[0].address, family: addresses[0].family };
  }
}

function describe(kind: string): string {
  return kind === 'linkLocal' ? 'link-local' : kind;
}
