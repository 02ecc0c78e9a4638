/** What `GET /client/v1.x/token` and `GET /device/v1.x/devices/enrol` return (CONTRACT.md §5, §6). */
export interface ConnectionCredentials {
  connectionType: 'websocket';
  connectionUrl: string;
  tokenType: 'jwt';
  accessToken: string;
}

/** Claims of the short-lived websocket JWT (audience TOKEN_AUDIENCES.websocket). */
export interface WebsocketClaims {
  /** `client` for a POS account, `device` for a terminal. */
  kind: 'client' | 'device';
  /** The tenant both belong to. */
  tid: string;
  /** The CloudFlow account. */
  acc: string;
  /** For a device: its referenceId. For a client: the accountId. */
  sub: string;
  /** Clients: the APP key the token was issued under, so sync payments are billed to it. */
  akid?: string;
  /**
   * When auth minted the token, ms since the epoch on auth's clock (`iat` has only seconds). A
   * hub refuses, and closes, sockets whose token was minted before its credential's latest
   * revocation (`AccessRevokedEvent.at`, the same clock).
   */
  ims?: number;
}

/** Seconds within which the websocket JWT must be presented (CONTRACT.md §7). */
export const WEBSOCKET_TOKEN_TTL_SECONDS = 300;
