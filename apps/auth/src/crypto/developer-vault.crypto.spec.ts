import { randomUUID } from 'node:crypto';
import { createVault, unlockVault } from './developer-vault.crypto';
import { open, seal } from './sealed-box.crypto';

describe('developer vault', () => {
  const developerId = randomUUID();

  it('reveals a key sealed to the developer only with the right password', async () => {
    const vault = await createVault(developerId, 'correct horse battery');
    expect(vault.passwordHash.startsWith('$argon2id$')).toBe(true);
    const sealed = seal(vault.boxPublicKey, 'cf_sbx_the-key', 'app-key:k1');

    const box = await unlockVault(developerId, 'correct horse battery', vault);
    expect(box).toBeDefined();
    expect(open(box!, sealed, 'app-key:k1')).toBe('cf_sbx_the-key');

    expect(await unlockVault(developerId, 'wrong horse battery', vault)).toBeUndefined();
  });

  it('stores the private key only encrypted, bound to its developer', async () => {
    const vault = await createVault(developerId, 'correct horse battery');
    const box = (await unlockVault(developerId, 'correct horse battery', vault))!;
    expect(vault.boxPrivateKeyEnc).not.toContain(box.privateKey.toString('base64url'));
    // The same vault row copied to another developer does not open.
    await expect(unlockVault(randomUUID(), 'correct horse battery', vault)).rejects.toThrow();
  });
});
