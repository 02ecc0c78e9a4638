import { headers } from 'nats';
import type { InboxRequests } from './inbox-requests';

const ACK_TIMEOUT_MS = 5000;
/** The "create only" condition of a KV put (what nats.js `kv.create` and `put(…, { previousSeq: 0 })` send). */
const EXPECTED_LAST_SUBJECT_SEQ = 'Nats-Expected-Last-Subject-Sequence';
/** JetStream's "wrong last sequence": the key has an entry (a value, or a delete/purge marker). */
const WRONG_LAST_SEQUENCE = 10071;
const utf8in = new TextDecoder();
const utf8out = new TextEncoder();

/**
 * `kv.put(key, value, { previousSeq: 0 })` of a plain bucket (no mirror, default API prefix),
 * done by hand: one publish with the create-only header and the PubAck on a shared inbox.
 * nats.js's publish path built an Error with a stack per call (13% of the POS hub's busy CPU
 * in the relay bench profile, for the requestId reservation; a connect storm claims every
 * device this way). `exists` when the key has an entry, whatever it is: the caller decides.
 */
export async function kvCreate(
  inbox: InboxRequests,
  bucket: string,
  key: string,
  value: string,
): Promise<'created' | 'exists'> {
  const h = headers();
  h.set(EXPECTED_LAST_SUBJECT_SEQ, '0');
  const reply = await inbox.request(`$KV.${bucket}.${key}`, utf8out.encode(value), ACK_TIMEOUT_MS, h);
  if (typeof reply === 'string') throw new Error(`no acknowledgement from the ${bucket} bucket (${reply})`);
  const ack = JSON.parse(utf8in.decode(reply.data)) as {
    seq?: unknown;
    error?: { err_code?: number; description?: string };
  };
  if (ack.error?.err_code === WRONG_LAST_SEQUENCE) return 'exists';
  if (ack.error || typeof ack.seq !== 'number')
    throw new Error(`the ${bucket} bucket refused the write: ${ack.error?.description ?? 'no sequence'}`);
  return 'created';
}
