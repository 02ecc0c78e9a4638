import { Matches, type ValidationOptions } from 'class-validator';

/** Free text a person typed: no control characters, no leading or trailing whitespace. */
export const PLAIN_TEXT = /^[^\p{Cc}\s](?:[^\p{Cc}]*[^\p{Cc}\s])?$/u;

export function IsPlainText(options?: ValidationOptions): PropertyDecorator {
  return Matches(PLAIN_TEXT, {
    message: '$property must not start or end with spaces or contain control characters',
    ...options,
  });
}
