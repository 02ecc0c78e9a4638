import type { HistoryEntry, Mode } from './history';

/**
 * Proves the invariants of issue 9 over a whole campaign history. Everything is counted where
 * the outside world sees it (devices, POS clients, webhook receivers) plus what was read back
 * from Postgres and the NATS store after the run; nothing comes from our services' logs.
 */
export type Invariant = 'I1' | 'I2' | 'I3' | 'I4' | 'I6' | 'I7';
export const INVARIANTS: Record<Invariant, string> = {
  I1: 'at most one delivery to a device per (account, requestId); none for a request the POS was told was not dispatched',
  I2: 'every accepted request reaches a final state within timeout + 10 s (or connectionLost/expired with the outcome recorded once it arrives)',
  I3: 'every final answer a device sent is on its request in Postgres and, for async, delivered by webhook',
  I4: 'a replay of an async requestId returns the same stored outcome',
  I6: "no answer ever reaches another account's POS or webhook",
  I7: 'no Luhn-valid 13–19 digit run in Postgres, the log files or the NATS store',
};

export interface Violation {
  invariant: Invariant;
  requestId?: string;
  message: string;
  excerpt: HistoryEntry[];
}

/** What the POS was told, as far as "was anything dispatched" goes. */
export type Outcome = 'completed' | 'failed' | 'notDispatched' | 'unknown' | 'unknownNoFlag' | 'noAnswer';

export interface CheckResult {
  violations: Violation[];
  requests: Array<{
    requestId: string;
    account: string;
    mode: Mode;
    outcome: Outcome;
    detail: string;
    deliveries: number;
  }>;
  faults: Record<string, number>;
  /** connectionLost answers without the `dispatched` flag, checked as "outcome unknown" (0 or 1 deliveries). */
  missingDispatchedFlag: number;
}

export interface CheckOptions {
  /** Extra time for webhooks on top of timeout + 10 s (their retry backoff after an outage). */
  webhookSlackMs?: number;
}

const FINAL = new Set(['paymentResponse', 'response', 'flowException']);
const DEFINITE_REFUSALS = new Set([
  'notFound',
  'invalidData',
  'duplicateItem',
  'preconditionFailed',
  'tooManyRequests',
  'tooManyConnections',
  'storageFailed',
  'unauthorized',
  'forbidden',
]);
/** Faults during which the system may not be able to finish anything: they stretch the async deadline. */
const OUTAGES = new Set(['stopPostgres', 'restartNats', 'killGateway']);
/**
 * Faults that freeze the websocket path: a paused hub cannot even run the POS's timeout, and a
 * NATS restart carries nothing. They stretch the sync deadline by the time they overlap it.
 */
const SYNC_OUTAGES = new Set(['pauseHub', 'restartNats']);

export function check(history: HistoryEntry[], options: CheckOptions = {}): CheckResult {
  const violations: Violation[] = [];
  const meta = history.find((e) => e.kind === 'meta');
  const timeoutMs = meta?.kind === 'meta' ? meta.requestTimeoutMs : 150_000;
  const budget = timeoutMs + 10_000;
  const byRequest = new Map<string, HistoryEntry[]>();
  const add = (id: string, e: HistoryEntry) => byRequest.set(id, [...(byRequest.get(id) ?? []), e]);
  for (const e of history) {
    if ('requestId' in e && typeof e.requestId === 'string') add(e.requestId, e);
    if (e.kind === 'posLost') for (const id of e.requestIds) add(id, e);
  }
  const excerpt = (id: string) => (byRequest.get(id) ?? []).slice(0, 16);
  const fail = (
    invariant: Invariant,
    requestId: string | undefined,
    message: string,
    lines?: HistoryEntry[],
  ) =>
    violations.push({
      invariant,
      requestId,
      message,
      excerpt: lines ?? (requestId ? excerpt(requestId) : []),
    });

  const sent = new Map<string, Extract<HistoryEntry, { kind: 'request' }>>();
  for (const e of history)
    if (e.kind === 'request' && !e.replay && !sent.has(e.requestId)) sent.set(e.requestId, e);
  const owner = (id: string) => sent.get(id)?.account;

  const faults: Record<string, number> = {};
  const outages: Array<[number, number]> = [];
  const syncOutages: Array<[number, number]> = [];
  const openFaults = new Map<string, number>();
  for (const e of history) {
    if (e.kind !== 'fault') continue;
    const key = `${e.fault}/${e.target}`;
    if (e.phase === 'start') {
      faults[e.fault] = (faults[e.fault] ?? 0) + 1;
      openFaults.set(key, e.t);
    } else if (openFaults.has(key)) {
      if (OUTAGES.has(e.fault)) outages.push([openFaults.get(key)!, e.t]);
      if (SYNC_OUTAGES.has(e.fault)) syncOutages.push([openFaults.get(key)!, e.t]);
      openFaults.delete(key);
    }
  }
  const overlap = (list: Array<[number, number]>, from: number, to: number) =>
    list.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0);
  /**
   * `budget` of working time from `from`, stretched by the frozen time (the listed outages) that
   * falls inside the stretched window itself: an outage that starts just before the first
   * deadline pushes it out, and so may the next one (computed to a fixed point).
   */
  const stretched = (list: Array<[number, number]>, from: number, budgetMs: number) => {
    let allowed = budgetMs;
    for (let i = 0; i < 20; i++) {
      const next = budgetMs + overlap(list, from, from + allowed);
      if (next === allowed) break;
      allowed = next;
    }
    return allowed;
  };

  // I6 first: an answer at the wrong account is wrong whatever else happened.
  for (const e of history) {
    if (e.kind === 'posFrame' && owner(e.requestId) && owner(e.requestId) !== e.account)
      fail(
        'I6',
        e.requestId,
        `POS of account ${e.account} got a ${e.type} for a request of account ${owner(e.requestId)}`,
      );
    if (e.kind === 'webhook' && owner(e.requestId) && owner(e.requestId) !== e.account)
      fail(
        'I6',
        e.requestId,
        `webhook of account ${e.account} got a ${e.type} for a request of account ${owner(e.requestId)}`,
      );
    if (e.kind === 'webhook' && !e.verified)
      fail(
        'I6',
        e.requestId,
        `webhook of account ${e.account} got a delivery not signed with its own secret`,
      );
    if (e.kind === 'deviceFrame' && e.dir === 'in' && owner(e.requestId) && owner(e.requestId) !== e.account)
      fail(
        'I6',
        e.requestId,
        `device ${e.device} of account ${e.account} got a request of account ${owner(e.requestId)}`,
      );
  }

  const records = new Map<string, Extract<HistoryEntry, { kind: 'record' }>>();
  for (const e of history) if (e.kind === 'record') records.set(e.requestId, e);
  let missingDispatchedFlag = 0;
  const requests: CheckResult['requests'] = [];

  for (const [requestId, req] of sent) {
    const lines = byRequest.get(requestId) ?? [];
    const deliveries = lines.filter(
      (e) => e.kind === 'deviceFrame' && e.dir === 'in' && (e.type === 'payment' || e.type === 'request'),
    ).length;
    if (deliveries > 1) fail('I1', requestId, `${deliveries} deliveries of one requestId to the device`);
    const { outcome, detail, noFlag } = outcomeOf(req, lines);
    if (noFlag) missingDispatchedFlag++;
    requests.push({ requestId, account: req.account, mode: req.mode, outcome, detail, deliveries });
    if (outcome === 'notDispatched' && deliveries > 0)
      fail(
        'I1',
        requestId,
        `the POS was told "${detail}" (nothing dispatched) but the device got the request`,
      );

    // I3: every final the device wrote is recorded, and (async) delivered by webhook.
    const record = records.get(requestId);
    const finals = lines.filter(
      (e): e is Extract<HistoryEntry, { kind: 'deviceFrame' }> =>
        e.kind === 'deviceFrame' && e.dir === 'out' && e.written && FINAL.has(e.type),
    );
    for (const f of finals) {
      const recorded =
        record?.httpStatus === 200 &&
        (record.messageIds.includes(f.frameId) ||
          (f.resultId !== undefined && record.resultId === f.resultId));
      if (!recorded)
        fail(
          'I3',
          requestId,
          `the device's ${f.type} ${f.frameId} is not on the stored request (record: ${record ? `${record.httpStatus} ${record.status ?? ''} [${record.messageTypes.join(', ')}]` : 'not read'})`,
        );
      if (req.mode === 'async') {
        const hooked = lines.some(
          (e) =>
            e.kind === 'webhook' &&
            e.answered < 300 &&
            (e.frameId === f.frameId || (f.resultId !== undefined && e.resultId === f.resultId)),
        );
        if (!hooked)
          fail('I3', requestId, `the device's ${f.type} ${f.frameId} never reached the account's webhook`);
      }
    }

    // I2: accepted requests end, and in time.
    const accepted = req.mode === 'async' ? detail === 'HTTP 202' : outcome !== 'notDispatched';
    if (!accepted) continue;
    if (record === undefined) {
      fail('I2', requestId, 'accepted but its record was never read back');
      continue;
    }
    const neverDispatched = req.mode === 'sync' && record.httpStatus === 404 && deliveries === 0;
    if (!neverDispatched) {
      if (record.httpStatus !== 200)
        fail('I2', requestId, `accepted but GET /requests/{id} answers ${record.httpStatus}`);
      else if (!['completed', 'failed', 'connectionLost', 'expired'].includes(record.status ?? ''))
        fail('I2', requestId, `accepted but still "${record.status}" after the system settled`);
    }
    if (req.mode === 'sync') {
      const final = lines.find((e) => e.kind === 'posFrame' && FINAL.has(e.type));
      const lost = lines.find((e) => e.kind === 'posLost');
      const allowed = stretched(syncOutages, req.t, budget);
      if (final && final.t - req.t > allowed)
        fail(
          'I2',
          requestId,
          `the POS got its final answer after ${final.t - req.t} ms (allowed: timeout + 10 s + overlapping hub pauses / NATS restarts = ${allowed} ms)`,
        );
      if (!final && !lost)
        fail('I2', requestId, `the POS never got a final answer (gave up after timeout + 10 s)`);
    } else {
      const hook = lines.find((e) => e.kind === 'webhook' && e.answered < 300 && FINAL.has(e.type));
      const allowed = stretched(outages, req.t, budget) + (options.webhookSlackMs ?? 10_000);
      if (!hook)
        fail(
          'I2',
          requestId,
          'accepted (202) but no final message (answer, flowException connectionLost/expired) ever reached the webhook',
        );
      else if (hook.t - req.t > allowed)
        fail(
          'I2',
          requestId,
          `the first final webhook came ${hook.t - req.t} ms after the request (allowed ${allowed} ms incl. outages)`,
        );
    }
  }

  // I4: replays of accepted async requests answer the stored outcome.
  for (const e of history) {
    if (e.kind !== 'httpAnswer' || !e.replay) continue;
    const record = records.get(e.requestId);
    if (e.status !== 200)
      fail(
        'I4',
        e.requestId,
        `the replay answered HTTP ${e.status}${e.errorCode ? ` ${e.errorCode}` : ''} instead of the stored request`,
      );
    else if (record && (record.status !== e.bodyStatus || (record.resultId ?? null) !== (e.resultId ?? null)))
      fail(
        'I4',
        e.requestId,
        `the replay says ${e.bodyStatus}/${e.resultId ?? 'no result'} but the record says ${record.status}/${record.resultId ?? 'no result'}`,
      );
  }

  for (const e of history)
    if (e.kind === 'scan' && e.hits.length > 0)
      fail(
        'I7',
        undefined,
        `${e.hits.length} card-number-like run(s) in ${e.where} (${[...new Set(e.hits.map((h) => h.file))].slice(0, 3).join(', ')})`,
        [e],
      );

  return { violations, requests, faults, missingDispatchedFlag };
}

function outcomeOf(
  req: Extract<HistoryEntry, { kind: 'request' }>,
  lines: HistoryEntry[],
): { outcome: Outcome; detail: string; noFlag?: boolean } {
  if (req.mode === 'async') {
    const answer = lines.find(
      (e): e is Extract<HistoryEntry, { kind: 'httpAnswer' }> => e.kind === 'httpAnswer' && !e.replay,
    );
    if (!answer || answer.status === 0) return { outcome: 'noAnswer', detail: 'no HTTP answer' };
    if (answer.status === 202 || answer.status === 200)
      return { outcome: 'unknown', detail: `HTTP ${answer.status}` };
    return refusal(
      `HTTP ${answer.status} ${answer.errorCode ?? ''}`.trim(),
      answer.errorCode,
      answer.dispatched,
      answer.status,
    );
  }
  const final = lines.find(
    (e): e is Extract<HistoryEntry, { kind: 'posFrame' }> => e.kind === 'posFrame' && FINAL.has(e.type),
  );
  if (final?.type === 'flowException')
    return refusal(`flowException ${final.errorCode ?? ''}`.trim(), final.errorCode, final.dispatched);
  if (final) return { outcome: 'completed', detail: final.type };
  if (lines.some((e) => e.kind === 'posLost')) return { outcome: 'unknown', detail: 'POS socket lost' };
  return { outcome: 'noAnswer', detail: 'no final frame' };
}

function refusal(
  detail: string,
  code: string | undefined,
  dispatched: boolean | undefined,
  status?: number,
): { outcome: Outcome; detail: string; noFlag?: boolean } {
  if (code === 'connectionLost') {
    if (dispatched === false) return { outcome: 'notDispatched', detail: `${detail} dispatched:false` };
    if (dispatched === true) return { outcome: 'unknown', detail: `${detail} dispatched:true` };
    return { outcome: 'unknownNoFlag', detail: `${detail} (no dispatched flag)`, noFlag: true };
  }
  if (code && DEFINITE_REFUSALS.has(code)) return { outcome: 'notDispatched', detail };
  if (status === 503 || status === 429) return { outcome: 'notDispatched', detail };
  return { outcome: 'unknown', detail };
}
