import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync } from 'node:crypto';
import { aeadDecrypt, aeadEncrypt } from './aead.crypto';

/** An X25519 key pair as raw 32-byte values (base64url public `x`, private `d`). */
export interface BoxKeyPair {
  publicKey: string;
  privateKey: Buffer;
}

export function generateBoxKeyPair(): BoxKeyPair {
  const jwk = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
  return { publicKey: jwk.x!, privateKey: Buffer.from(jwk.d!, 'base64url') };
}

/**
 * Seals a secret to a public key (ephemeral X25519 ECDH + HKDF-SHA256 + AES-256-GCM), so the
 * sealer can write it without being able to read it back. Output: `<ephemeral x>.<aead box>`.
 */
export function seal(recipientPublicKey: string, plaintext: string, associatedData: string): string {
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralX = ephemeral.publicKey.export({ format: 'jwk' }).x!;
  const shared = diffieHellman({
    privateKey: ephemeral.privateKey,
    publicKey: publicKeyObject(recipientPublicKey),
  });
  const key = sealKey(shared, ephemeralX, recipientPublicKey);
  return `${ephemeralX}.${aeadEncrypt(key, Buffer.from(plaintext, 'utf8'), associatedData)}`;
}

/** Opens a sealed secret with the recipient's key pair; throws if anything does not match. */
export function open(recipient: BoxKeyPair, sealed: string, associatedData: string): string {
  const dot = sealed.indexOf('.');
  if (dot <= 0) throw new Error('Unsupported sealed format');
  const ephemeralX = sealed.slice(0, dot);
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', x: recipient.publicKey, d: recipient.privateKey.toString('base64url') },
    format: 'jwk',
  });
  const shared = diffieHellman({ privateKey, publicKey: publicKeyObject(ephemeralX) });
  const key = sealKey(shared, ephemeralX, recipient.publicKey);
  return aeadDecrypt(key, sealed.slice(dot + 1), associatedData).toString('utf8');
}

function publicKeyObject(x: string) {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
}

// Both public keys go into the salt, binding the derived key to this exact exchange.
function sealKey(shared: Buffer, ephemeralX: string, recipientX: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', shared, Buffer.from(`${ephemeralX}.${recipientX}`), 'cloudflow/app-key-seal/v1', 32),
  );
}
