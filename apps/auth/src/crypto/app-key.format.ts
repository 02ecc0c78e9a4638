import type { KeyKind } from '@cloudflow/contracts';
import { randomBytes } from 'node:crypto';

/** The visible kind marker at the start of every APP key. */
export const APP_KEY_MARKERS: Readonly<Record<KeyKind, string>> = {
  sandbox: 'cf_sbx_',
  production: 'cf_live_',
};

/** How many leading characters are kept for display (never enough to guess the rest). */
export const APP_KEY_PREFIX_LENGTH = 12;

/** A new key: the kind marker and 32 random bytes in base64url (43 characters). */
export function generateAppKey(kind: KeyKind): string {
  return `${APP_KEY_MARKERS[kind]}${randomBytes(32).toString('base64url')}`;
}

export function appKeyPrefix(appKey: string): string {
  return appKey.slice(0, APP_KEY_PREFIX_LENGTH);
}

/** The shape lives in the contracts so every guard can check it before asking auth. */
export { hasAppKeyShape } from '@cloudflow/contracts';
