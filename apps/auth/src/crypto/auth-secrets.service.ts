import { Injectable } from '@nestjs/common';
import { hkdfSync } from 'node:crypto';
import { AuthConfig } from '../auth.config';
import { aeadDecrypt, aeadEncrypt } from './aead.crypto';
import { keyedHash } from './keyed-hash.crypto';

/** The service's own secrets, all rooted in AUTH_HASH_KEY. */
@Injectable()
export class AuthSecrets {
  private readonly wrappingKey: Buffer;

  constructor(private readonly config: AuthConfig) {
    // A separate key for wrapping, so the HMAC key is never used as an encryption key directly.
    this.wrappingKey = Buffer.from(
      hkdfSync('sha256', config.AUTH_HASH_KEY, 'cloudflow-auth', 'signing-key-wrap/v1', 32),
    );
  }

  /** The stored form of a random token (APP key, refresh token). */
  hashToken(token: string): string {
    return keyedHash(this.config.AUTH_HASH_KEY, token);
  }

  wrap(plaintext: string, associatedData: string): string {
    return aeadEncrypt(this.wrappingKey, Buffer.from(plaintext, 'utf8'), associatedData);
  }

  unwrap(box: string, associatedData: string): string {
    return aeadDecrypt(this.wrappingKey, box, associatedData).toString('utf8');
  }
}
