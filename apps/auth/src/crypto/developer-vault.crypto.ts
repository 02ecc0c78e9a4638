import { randomBytes } from 'node:crypto';
import { aeadDecrypt, aeadEncrypt } from './aead.crypto';
import { deriveKek, hashSecret, verifySecret } from './password.crypto';
import { generateBoxKeyPair, type BoxKeyPair } from './sealed-box.crypto';

/**
 * A developer's box: the public half seals every APP key issued to them; the private half is
 * stored only encrypted under a key derived from their portal password. The service can
 * therefore issue keys at any time but read one only while the developer types the password.
 */
export interface DeveloperVault {
  passwordHash: string;
  boxPublicKey: string;
  boxPrivateKeyEnc: string;
  kekSalt: string;
}

export async function createVault(developerId: string, password: string): Promise<DeveloperVault> {
  const pair = generateBoxKeyPair();
  const salt = randomBytes(16);
  const [passwordHash, kek] = await Promise.all([hashSecret(password), deriveKek(password, salt)]);
  return {
    passwordHash,
    boxPublicKey: pair.publicKey,
    boxPrivateKeyEnc: aeadEncrypt(kek, pair.privateKey, vaultAad(developerId)),
    kekSalt: salt.toString('base64url'),
  };
}

/** The developer's key pair, or undefined when the password is wrong. */
export async function unlockVault(
  developerId: string,
  password: string,
  vault: DeveloperVault,
): Promise<BoxKeyPair | undefined> {
  if (!(await verifySecret(vault.passwordHash, password))) return undefined;
  const kek = await deriveKek(password, Buffer.from(vault.kekSalt, 'base64url'));
  return {
    publicKey: vault.boxPublicKey,
    privateKey: aeadDecrypt(kek, vault.boxPrivateKeyEnc, vaultAad(developerId)),
  };
}

function vaultAad(developerId: string): string {
  return `developer-box:${developerId}`;
}
