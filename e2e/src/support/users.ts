import type { TokenPair } from '@cloudflow/contracts';
import { http, type System } from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import type { UserView } from './bodies';
import { expectStatus, type Tenant } from './tenant';

/** A tenant user of role `user` (POST /admin/v1/users), logged in with the OAuth password grant. */
export async function createUserRole(
  sys: System,
  tenant: Tenant,
): Promise<{
  userId: string;
  username: string;
  accessToken: string;
  refreshToken: string;
  headers: Record<string, string>;
}> {
  const username = `clerk-${randomUUID().slice(0, 8)}`;
  const password = `clerk-pass-${randomUUID().slice(0, 8)}`;
  const user = expectStatus(
    'create user',
    await http<UserView>('POST', `${sys.adminUrl}/admin/v1/users`, {
      body: { username, password, timeZone: 'UTC' },
      headers: tenant.adminHeaders,
    }),
    201,
  );
  const form = new URLSearchParams({ grant_type: 'password', username, password }).toString();
  const token = expectStatus(
    'user oauth token',
    await http<TokenPair>('POST', `${sys.gatewayUrl}/auth/oauth/token`, {
      raw: form,
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'api-key': tenant.appKey },
    }),
    200,
  );
  return {
    userId: user.userId,
    username,
    accessToken: token.access_token,
    refreshToken: token.refresh_token,
    headers: { 'api-key': tenant.appKey, authorization: `Bearer ${token.access_token}` },
  };
}

/** The claims of a JWT, read without verifying (the test only looks). */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}

/** Sends raw bytes to `url`'s host and port and returns everything the server answered before closing. */
export function rawHttp(url: string, request: string | Buffer, timeoutMs = 5000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.end(request));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`no close within ${timeoutMs} ms; got ${Buffer.concat(chunks).toString().slice(0, 200)}`),
      );
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString());
    });
  });
}

/** Status and JSON body of a raw HTTP/1.1 answer. */
export function parseRawAnswer(raw: string): { status: number; body: unknown; head: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const text = split >= 0 ? raw.slice(split + 4) : '';
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body, head };
}
