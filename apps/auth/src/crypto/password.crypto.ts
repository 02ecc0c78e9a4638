import { argon2id, hash, verify } from 'argon2';
import { WorkGate } from './work-gate';

/**
 * argon2id at OWASP's recommended floor (19 MiB, 2 passes, 1 lane): strong enough for
 * passwords, cheap enough for two cores serving logins.
 */
const PARAMS = { type: argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * Every argon2 run of this process passes this gate (issue 12: each guess is one run, so the
 * thread pool was a denial-of-service target). AppModule sets its limits from AuthConfig.
 */
export const argon2Gate = new WorkGate({ concurrent: 2, maxQueue: 16, maxWaitMs: 1500 });

export function hashSecret(secret: string): Promise<string> {
  return argon2Gate.run(() => hash(secret, PARAMS));
}

/** False for a wrong secret and for a malformed stored hash alike. */
export async function verifySecret(storedHash: string, secret: string): Promise<boolean> {
  return argon2Gate.run(async () => {
    try {
      return await verify(storedHash, secret);
    } catch {
      return false;
    }
  });
}

/** A 256-bit key-encryption key from a password (argon2id, raw output, its own salt). */
export function deriveKek(password: string, salt: Buffer): Promise<Buffer> {
  return argon2Gate.run(() => hash(password, { ...PARAMS, salt, hashLength: 32, raw: true }));
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one real verification when there is no stored hash, so the answer time
 * does not tell whether a user or developer exists.
 */
export async function verifyAgainstNothing(secret: string): Promise<false> {
  // A first run shed by the gate must not leave a rejected promise behind for good.
  dummyHash ??= hashSecret('cloudflow-dummy-password').catch((error: unknown) => {
    dummyHash = undefined;
    throw error;
  });
  await verifySecret(await dummyHash, secret);
  return false;
}
