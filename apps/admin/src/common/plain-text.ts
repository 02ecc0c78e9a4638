import { Matches, type ValidationOptions } from 'class-validator';

/**
 * Characters no name a person typed needs and that make one string look like another
 * (issue 12, item 9): control characters, line and paragraph separators, the byte-order
 * mark, and the bidirectional marks, embeddings, overrides and isolates ("Trojan Source":
 * `admin\u202Enimda` shows as something else than it is). Joiners stay: scripts and emoji use them.
 */
const FORBIDDEN = '\\p{Cc}\\u2028\\u2029\\uFEFF\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069';

/** Free text a person typed: none of the above, no leading or trailing whitespace. */
export const PLAIN_TEXT = new RegExp(`^[^${FORBIDDEN}\\s](?:[^${FORBIDDEN}]*[^${FORBIDDEN}\\s])?$`, 'u');

/** A login name: none of the above and no whitespace at all. */
export const USERNAME = new RegExp(`^[^${FORBIDDEN}\\s]+$`, 'u');

export function IsPlainText(options?: ValidationOptions): PropertyDecorator {
  return Matches(PLAIN_TEXT, {
    message:
      '$property must not start or end with spaces or contain control or bidirectional-override characters',
    ...options,
  });
}

export function IsUsername(options?: ValidationOptions): PropertyDecorator {
  return Matches(USERNAME, {
    message: '$property must not contain spaces, control or bidirectional-override characters',
    ...options,
  });
}
