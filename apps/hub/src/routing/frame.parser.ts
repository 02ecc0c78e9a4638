import { CloudFlowError, CloudFlowMessage, ErrorCode, certainlyValidEnvelope } from '@cloudflow/contracts';
import { describeValidationErrors } from '@cloudflow/platform';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { RawData } from 'ws';
import { poisonReason } from './poison-check';

export function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/** One text frame → a validated envelope, or the invalidData error to send back (socket stays open). */
export function parseFrame(data: RawData, isBinary: boolean): CloudFlowMessage | CloudFlowError {
  if (isBinary) return new CloudFlowError(ErrorCode.invalidData, 'Frames must be JSON text');
  const text = rawText(data);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return new CloudFlowError(ErrorCode.invalidData, 'Frame is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return new CloudFlowError(ErrorCode.invalidData, 'Frame must be a JSON object (the CloudFlow envelope)');
  }
  const poison = poisonReason(text, parsed);
  if (poison) return new CloudFlowError(ErrorCode.invalidData, poison);
  // The common case, a valid frame, skips class-transformer/class-validator (see envelope-check.ts).
  if (certainlyValidEnvelope(parsed as Record<string, unknown>))
    return Object.assign(new CloudFlowMessage(), parsed);
  const message = plainToInstance(CloudFlowMessage, parsed);
  const errors = validateSync(message, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length)
    return new CloudFlowError(
      ErrorCode.invalidData,
      `Invalid frame: ${describeValidationErrors(errors).join('; ')}`,
    );
  return message;
}

/** The requestId a refusal should answer, read leniently from whatever arrived. */
export function requestIdOf(data: RawData): string | null {
  try {
    const id = (JSON.parse(rawText(data)) as { requestId?: unknown }).requestId;
    return typeof id === 'string' && id.length <= 100 ? id : null;
  } catch {
    return null;
  }
}
