import { argon2id, hash, verify } from 'argon2';

/**
 * argon2id at OWASP's recommended floor (19 MiB, 2 passes, 1 lane): strong enough for
 * passwords, cheap enough for two cores serving logins.
 */
const PARAMS = { type: argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashSecret(secret: string): Promise<string> {
  return hash(secret, PARAMS);
}

/** False for a wrong secret and for a malformed stored hash alike. */
export async function verifySecret(storedHash: string, secret: string): Promise<boolean> {
  try {
    return await verify(storedHash, secret);
  } catch {
    return false;
  }
}

/** A 256-bit key-encryption key from a password (argon2id, raw output, its own salt). */
export function deriveKek(password: string, salt: Buffer): Promise<Buffer> {
  return hash(password, { ...PARAMS, salt, hashLength: 32, raw: true });
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one real verification when there is no stored hash, so the answer time
 * does not tell whether a user or developer exists.
 */
export async function verifyAgainstNothing(secret: string): Promise<false> {
  dummyHash ??= hashSecret('cloudflow-dummy-password');
  await verifySecret(await dummyHash, secret);
  return false;
}
