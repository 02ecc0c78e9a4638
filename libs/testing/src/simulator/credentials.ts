import type { ConnectionCredentials } from '@cloudflow/contracts';

export interface DeviceCredential {
  gatewayUrl: string;
  appKey: string;
  model: string;
  serialNumber: string;
  apiToken: string;
  /** Connect to this hub instead of the connectionUrl the gateway hands out (tests pin hubs). */
  hubUrl?: string;
}

export interface ClientCredential {
  gatewayUrl: string;
  appKey: string;
  accountId: string;
  apiToken: string;
  hubUrl?: string;
}

const bearer = (value: object) => `Bearer ${Buffer.from(JSON.stringify(value)).toString('base64')}`;

/** `GET /device/v1.1/devices/enrol` → websocket URL + JWT. */
export async function enrolDevice(c: DeviceCredential, version = '1.1'): Promise<ConnectionCredentials> {
  return getCredentials(
    `${c.gatewayUrl}/device/v${version}/devices/enrol`,
    c.appKey,
    bearer({ model: c.model, serialNumber: c.serialNumber, apiToken: c.apiToken }),
  );
}

/** `GET /client/v1.x/token` → websocket URL + JWT. */
export async function clientToken(c: ClientCredential, version = '1.1'): Promise<ConnectionCredentials> {
  return getCredentials(
    `${c.gatewayUrl}/client/v${version}/token`,
    c.appKey,
    bearer({ accountId: c.accountId, apiToken: c.apiToken }),
  );
}

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

async function getCredentials(
  url: string,
  appKey: string,
  authorization: string,
): Promise<ConnectionCredentials> {
  const res = await fetch(url, { headers: { 'api-key': appKey, authorization } });
  const body = (await res.json().catch(() => undefined)) as ConnectionCredentials | undefined;
  if (!res.ok || !body) throw new HttpStatusError(res.status, body);
  return body;
}
