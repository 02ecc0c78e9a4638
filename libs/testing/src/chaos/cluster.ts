import type { IssuedAppKey, PortalSession, TokenPair } from '@cloudflow/contracts';
import { randomUUID } from 'node:crypto';
import { http, type HttpResult } from '../http-client';
import { startSystem, type System } from '../services';
import { DeviceSimulator } from '../simulator/device-simulator';
import { WebhookReceiver } from '../webhook-receiver';
import type { HistoryWriter } from './history';
import { TEST_CARDS } from './pan-scan';

/**
 * The campaign's cluster: 3 hubs, 2 gateways, one nats-server, Postgres, and several tenants'
 * accounts, each with its own webhook receiver and devices spread over the hubs (failing over to
 * the others), all made through the public APIs as a developer would. Every device frame and
 * every webhook goes into the history as it happens.
 */
export interface ChaosAccount {
  accountId: string;
  apiToken: string;
  appKey: string;
  receiver: WebhookReceiver;
}

export interface ChaosDevice {
  account: ChaosAccount;
  referenceId: string;
  sim: DeviceSimulator;
  /** The campaign's own view: a request of ours is in flight on it (avoids 412 busy dominating). */
  busy: boolean;
}

export interface ChaosCluster {
  sys: System;
  accounts: ChaosAccount[];
  devices: ChaosDevice[];
  hubUrls: string[];
  stop(): Promise<void>;
}

export interface ClusterOptions {
  devices: number;
  accounts: number;
  requestTimeoutSeconds: number;
  history: HistoryWriter;
  log: (line: string) => void;
}

/** The admin API's create answers (CONTRACT.md §9), the fields read here. */
interface CreatedAccount {
  apiToken: string;
  webhookSecret: string;
}
interface CreatedDevice {
  apiToken: string;
}

function ok<T>(what: string, res: HttpResult<T>, ...statuses: number[]): T {
  if (!statuses.includes(res.status))
    throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A tenant through the portal (sign-up, key, company, admin user, OAuth): its APP key and admin headers. */
async function createTenant(
  sys: System,
  name: string,
): Promise<{ appKey: string; adminHeaders: Record<string, string> }> {
  const unique = randomUUID().slice(0, 8);
  const developer = { email: `chaos-${unique}@example.com`, password: `chaos-pass-${unique}` };
  ok('signup', await http('POST', `${sys.adminUrl}/portal/v1/signup`, { body: { name, ...developer } }), 201);
  const { sessionToken } = ok(
    'portal login',
    await http<Pick<PortalSession, 'sessionToken'>>('POST', `${sys.adminUrl}/portal/v1/login`, {
      body: developer,
    }),
    200,
  );
  const portal = { authorization: `Bearer ${sessionToken}` };
  const { appKey } = ok(
    'app key reveal',
    await http<IssuedAppKey>('POST', `${sys.adminUrl}/portal/v1/app-key/reveal`, {
      body: { password: developer.password },
      headers: portal,
    }),
    200,
  );
  ok(
    'company',
    await http('POST', `${sys.adminUrl}/portal/v1/company`, { body: { name }, headers: portal }),
    201,
  );
  const admin = { username: `chaos-${unique}`, password: `admin-pass-${unique}` };
  ok(
    'admin user',
    await http('POST', `${sys.adminUrl}/portal/v1/admin-user`, {
      body: { ...admin, timeZone: 'UTC' },
      headers: portal,
    }),
    201,
  );
  const form = new URLSearchParams({ grant_type: 'password', ...admin }).toString();
  const token = ok(
    'oauth',
    await http<TokenPair>('POST', `${sys.gatewayUrl}/auth/oauth/token`, {
      raw: form,
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'api-key': appKey },
    }),
    200,
  );
  return { appKey, adminHeaders: { 'api-key': appKey, authorization: `Bearer ${token.access_token}` } };
}

export async function startCluster(options: ClusterOptions): Promise<ChaosCluster> {
  const { history, log } = options;
  const sys = await startSystem({
    hubs: 3,
    gateways: 2,
    env: {
      SANDBOX_RATE_PER_SECOND: '100000',
      SANDBOX_USAGE_LIMIT_PER_DAY: '100000000',
      // Webhook retries short enough that "delivered after recovery" is checkable within minutes.
      WEBHOOK_BACKOFF_BASE_MS: '500',
      WEBHOOK_BACKOFF_MAX_MS: '4000',
      WEBHOOK_TIMEOUT_MS: '3000',
      WEBHOOK_LEASE_MS: '5000',
    },
  });
  const hubUrls = sys.hubs.map((h) => `ws://127.0.0.1:${h.port}/ws`);
  const accounts: ChaosAccount[] = [];
  const devices: ChaosDevice[] = [];
  const stop = async () => {
    await Promise.all(devices.map((d) => d.sim.stop().catch(() => undefined)));
    await Promise.all(accounts.map((a) => a.receiver.stop()));
    await sys.stop();
  };
  try {
    // Two tenants, accounts alternating between them: I6 is about accounts of different tenants too.
    const tenants = [await createTenant(sys, 'Chaos Coffee'), await createTenant(sys, 'Chaos Bakery')];
    for (let i = 0; i < options.accounts; i++) {
      const tenant = tenants[i % tenants.length];
      const receiver = await WebhookReceiver.start();
      const accountId = `chaos-${i}-${randomUUID().slice(0, 6)}`;
      const created = ok(
        `account ${accountId}`,
        await http<CreatedAccount>('POST', `${sys.adminUrl}/admin/v1/accounts`, {
          body: { accountId, name: accountId, connectionLimit: 1000, webhookUrl: receiver.url },
          headers: tenant.adminHeaders,
        }),
        201,
      );
      ok(
        'request timeout',
        await http('PATCH', `${sys.adminUrl}/admin/v1/accounts/${accountId}`, {
          body: { requestTimeoutSeconds: options.requestTimeoutSeconds },
          headers: tenant.adminHeaders,
        }),
        200,
      );
      receiver.secret = created.webhookSecret;
      const account: ChaosAccount = {
        accountId,
        apiToken: created.apiToken,
        appKey: tenant.appKey,
        receiver,
      };
      receiver.respond = (d) => {
        const body = d.body ?? {};
        const payload = (body.payload ?? {}) as Record<string, unknown>;
        history.add({
          kind: 'webhook',
          account: accountId,
          requestId:
            d.requestId ?? (typeof body.originatingRequestId === 'string' ? body.originatingRequestId : ''),
          type: typeof body.type === 'string' ? body.type : '?',
          frameId: typeof body.requestId === 'string' ? body.requestId : undefined,
          resultId: typeof payload.id === 'string' ? payload.id : undefined,
          verified: d.verified,
          answered: 200,
        });
        return 200;
      };
      accounts.push(account);
      const perAccount =
        Math.floor(options.devices / options.accounts) + (i < options.devices % options.accounts ? 1 : 0);
      for (let n = 0; n < perAccount; n++) {
        const referenceId = `till-${i}-${n}`;
        const serialNumber = `SN-${accountId}-${n}`;
        const dev = ok(
          `device ${referenceId}`,
          await http<CreatedDevice>('POST', `${sys.adminUrl}/admin/v1/accounts/${accountId}/devices`, {
            body: { referenceId, serialNumber, model: 'CHAOS-1' },
            headers: tenant.adminHeaders,
          }),
          201,
        );
        const k = devices.length;
        const hub = k % hubUrls.length;
        const card = TEST_CARDS[k % TEST_CARDS.length];
        const sim = new DeviceSimulator(
          {
            gatewayUrl: sys.gateways[k % sys.gateways.length].url,
            appKey: tenant.appKey,
            model: 'CHAOS-1',
            serialNumber,
            apiToken: dev.apiToken,
            hubUrl: hubUrls[hub],
          },
          {
            delayMs: 30,
            events: 1,
            cardData: card,
            failoverHubUrls: [...hubUrls.slice(hub + 1), ...hubUrls.slice(0, hub)],
          },
        );
        sim.observe((dir, frame, written) => {
          const payload = frame.payload ?? {};
          history.add({
            kind: 'deviceFrame',
            dir,
            account: accountId,
            device: referenceId,
            type: frame.type,
            frameId: frame.requestId,
            requestId: dir === 'in' ? frame.requestId : (frame.originatingRequestId ?? ''),
            written,
            ...(typeof payload.id === 'string' && dir === 'out' ? { resultId: payload.id } : {}),
          });
        });
        devices.push({ account, referenceId, sim, busy: false });
      }
    }
    log(`${accounts.length} accounts in ${tenants.length} tenants, ${devices.length} devices; connecting`);
    for (let k = 0; k < devices.length; k += 10)
      await Promise.all(devices.slice(k, k + 10).map((d) => d.sim.connect()));
    return { sys, accounts, devices, hubUrls, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
