import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const FORMAT = 'v1';

/**
 * AES-256-GCM with a fresh 96-bit nonce per message. The associated data binds a ciphertext to
 * the row it belongs to, so a blob copied onto another row does not decrypt.
 * Output: `v1.<iv>.<ciphertext>.<tag>`, each part base64url.
 */
export function aeadEncrypt(key: Buffer, plaintext: Buffer, associatedData: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [FORMAT, iv, ciphertext, cipher.getAuthTag()]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** Throws when the key, the associated data or any byte of the box is wrong. */
export function aeadDecrypt(key: Buffer, box: string, associatedData: string): Buffer {
  const [format, iv, ciphertext, tag, ...rest] = box.split('.');
  if (format !== FORMAT || !iv || ciphertext === undefined || !tag || rest.length)
    throw new Error('Unsupported ciphertext format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}
