import { deriveKek, hashSecret, verifyAgainstNothing, verifySecret } from './password.crypto';

describe('argon2id secrets', () => {
  it('hashes with argon2id and a random salt', async () => {
    const a = await hashSecret('s3cret-password');
    const b = await hashSecret('s3cret-password');
    expect(a.startsWith('$argon2id$')).toBe(true);
    expect(a).not.toBe(b);
    expect(a).not.toContain('s3cret-password');
  });

  it('verifies the right secret only, and treats a malformed hash as a mismatch', async () => {
    const h = await hashSecret('1234');
    expect(await verifySecret(h, '1234')).toBe(true);
    expect(await verifySecret(h, '1235')).toBe(false);
    expect(await verifySecret('not-a-hash', '1234')).toBe(false);
    expect(await verifyAgainstNothing('1234')).toBe(false);
  });

  it('derives a 32-byte key that depends on password and salt', async () => {
    const salt = Buffer.alloc(16, 1);
    const k1 = await deriveKek('password-one', salt);
    expect(k1).toHaveLength(32);
    expect((await deriveKek('password-one', salt)).equals(k1)).toBe(true);
    expect((await deriveKek('password-two', salt)).equals(k1)).toBe(false);
    expect((await deriveKek('password-one', Buffer.alloc(16, 2))).equals(k1)).toBe(false);
  });
});
