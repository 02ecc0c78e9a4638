/** What a POS integration holds: the APP key and the account's credentials (CONTRACT.md §3, §5). */
export interface ClientCredentials {
  /** The gateway, e.g. `https://api.cloudflow.example` or `http://localhost:8080` locally. */
  baseUrl: string;
  appKey: string;
  accountId: string;
  apiToken: string;
}

/** `Authorization: Bearer <base64 of {"accountId","apiToken"}>`, as the Client API expects. */
export function accountBearer(c: Pick<ClientCredentials, 'accountId' | 'apiToken'>): string {
  return `Bearer ${Buffer.from(JSON.stringify({ accountId: c.accountId, apiToken: c.apiToken })).toString('base64')}`;
}
