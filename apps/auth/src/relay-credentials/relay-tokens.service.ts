import { Injectable } from '@nestjs/common';
import {
  TOKEN_AUDIENCES,
  WEBSOCKET_TOKEN_TTL_SECONDS,
  type WebsocketToken,
  type WebsocketTokenRequest,
} from '@cloudflow/contracts';
import { SigningKeysService } from '../tokens/signing-keys.service';
import { websocketClaims } from './websocket-claims';

/**
 * Short-lived websocket JWTs, asked for by the gateway once it has verified the caller's API
 * token. Hubs verify them against the JWKS; nothing is stored.
 */
@Injectable()
export class RelayTokensService {
  constructor(private readonly signingKeys: SigningKeysService) {}

  async websocketToken(request: WebsocketTokenRequest): Promise<WebsocketToken> {
    const { sub, ...claims } = websocketClaims(request);
    const signer = await this.signingKeys.signer();
    const { token } = await signer.sign({
      audience: TOKEN_AUDIENCES.websocket,
      subject: sub,
      ttlSeconds: WEBSOCKET_TOKEN_TTL_SECONDS,
      // ms issue time: a hub refuses tokens minted before their credential's latest revocation.
      claims: { ...claims, ims: Date.now() },
    });
    return { accessToken: token, expiresIn: WEBSOCKET_TOKEN_TTL_SECONDS };
  }
}
