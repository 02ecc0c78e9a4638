import { Injectable } from '@nestjs/common';
import { hkdfSync } from 'node:crypto';
import { AuthConfig } from '../auth.config';
import { aeadDecrypt, aeadEncrypt } from './aead.crypto';
import { keyedHash, keyedHashMatches } from './keyed-hash.crypto';

/** The service's own secrets, all rooted in AUTH_HASH_KEY. */
@Injectable()
export class AuthSecrets {
  private readonly wrappingKey: Buffer;
  private readonly webhookKey: Buffer;

  constructor(private readonly config: AuthConfig) {
    // Separate derived keys per purpose, so the HMAC key is never used as an encryption key
    // directly and a blob of one kind never decrypts as another.
    this.wrappingKey = derive(config.AUTH_HASH_KEY, 'signing-key-wrap/v1');
    this.webhookKey = derive(config.AUTH_HASH_KEY, 'webhook-secret');
  }

  /** The stored form of a random token (APP key, refresh token, account/device API token). */
  hashToken(token: string): string {
    return keyedHash(this.config.AUTH_HASH_KEY, token);
  }

  /** Constant-time check of a presented token; `undefined` (no such row) never matches. */
  tokenMatches(token: string, storedHash: string | undefined): boolean {
    return keyedHashMatches(this.config.AUTH_HASH_KEY, token, storedHash);
  }

  wrap(plaintext: string, associatedData: string): string {
    return aeadEncrypt(this.wrappingKey, Buffer.from(plaintext, 'utf8'), associatedData);
  }

  unwrap(box: string, associatedData: string): string {
    return aeadDecrypt(this.wrappingKey, box, associatedData).toString('utf8');
  }

  /** Webhook signing secrets are needed in clear later (to sign deliveries), so they are encrypted, not hashed. */
  sealWebhookSecret(secret: string, associatedData: string): string {
    return aeadEncrypt(this.webhookKey, Buffer.from(secret, 'utf8'), associatedData);
  }

  openWebhookSecret(box: string, associatedData: string): string {
    return aeadDecrypt(this.webhookKey, box, associatedData).toString('utf8');
  }
}

function derive(root: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', root, 'cloudflow-auth', info, 32));
}
