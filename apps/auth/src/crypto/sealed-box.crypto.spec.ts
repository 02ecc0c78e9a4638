import { aeadDecrypt, aeadEncrypt } from './aead.crypto';
import { generateBoxKeyPair, open, seal } from './sealed-box.crypto';

describe('sealed box (X25519 + HKDF + AES-256-GCM)', () => {
  it('opens what was sealed to the key pair', () => {
    const pair = generateBoxKeyPair();
    const sealed = seal(pair.publicKey, 'cf_sbx_secret', 'app-key:1');
    expect(sealed).not.toContain('cf_sbx_secret');
    expect(open(pair, sealed, 'app-key:1')).toBe('cf_sbx_secret');
  });

  it('uses a fresh ephemeral key each time', () => {
    const pair = generateBoxKeyPair();
    expect(seal(pair.publicKey, 'same', 'a')).not.toBe(seal(pair.publicKey, 'same', 'a'));
  });

  it('refuses another key pair, other associated data and a tampered box', () => {
    const pair = generateBoxKeyPair();
    const sealed = seal(pair.publicKey, 'cf_sbx_secret', 'app-key:1');
    expect(() => open(generateBoxKeyPair(), sealed, 'app-key:1')).toThrow();
    expect(() => open(pair, sealed, 'app-key:2')).toThrow();
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3], 'base64url');
    ct[0] ^= 1;
    parts[3] = ct.toString('base64url');
    expect(() => open(pair, parts.join('.'), 'app-key:1')).toThrow();
  });
});

describe('aead', () => {
  it('round-trips and rejects a wrong key', () => {
    const key = Buffer.alloc(32, 7);
    const box = aeadEncrypt(key, Buffer.from('hello'), 'ad');
    expect(aeadDecrypt(key, box, 'ad').toString()).toBe('hello');
    expect(() => aeadDecrypt(Buffer.alloc(32, 8), box, 'ad')).toThrow();
    expect(() => aeadDecrypt(key, `v2${box.slice(2)}`, 'ad')).toThrow('Unsupported ciphertext format');
  });
});
