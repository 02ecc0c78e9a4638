import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';

const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** In a `u` regex, `\p{Cs}` matches only a surrogate that is not half of a pair. */
const LONE_SURROGATE = /\p{Cs}/u;
/** A `\uD800`–`\uDFFF` escape somewhere: the only way JSON text that is valid UTF-8 can carry one. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * A JSON body as text, refused with 422 unless it is well-formed Unicode. body-parser decodes
 * with replacement, so bytes that are not UTF-8 (`ED A0 80`, `FF`) became U+FFFD, and an
 * unpaired `\ud800` escape reached the validators, which then threw (validator's isEmail calls
 * encodeURI: "URI malformed", answered as an unexpected failure) or was stored as U+FFFD: either
 * way not what was sent (found by the bad-input fuzz once admin's user schema was documented).
 * The escape check parses only bodies that contain such an escape.
 */
export function wellFormedText(buf: Buffer): string {
  let text: string;
  try {
    text = UTF8.decode(buf);
  } catch {
    throw new CloudFlowError(ErrorCode.invalidData, 'Invalid data: the request body is not valid UTF-8');
  }
  if (SURROGATE_ESCAPE.test(text) && hasLoneSurrogate(text))
    throw new CloudFlowError(
      ErrorCode.invalidData,
      'Invalid data: a string holds an unpaired UTF-16 surrogate (\\ud800 to \\udfff); send well-formed Unicode',
    );
  return text;
}

function hasLoneSurrogate(text: string): boolean {
  let found = false;
  try {
    JSON.parse(text, (key: string, value: unknown) => {
      if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value))) found = true;
      return value;
    });
  } catch {
    return false; // not JSON: the parser refuses it with its own message
  }
  return found;
}
