import { isErrorCode } from '@cloudflow/contracts';
import type { Prng } from '@cloudflow/testing';
import type WebSocket from 'ws';

export interface FuzzFrame {
  label: string;
  data: string | Buffer;
  /** Sent as a binary frame (the protocol is text frames only). */
  binary?: boolean;
  /** The hub must close the socket for it (over 64 KiB: 1009; not UTF-8: 1007). */
  closes?: number;
}

/**
 * Close codes a hub may use on bad input (RFC 6455): 1003 unsupported data (binary), 1007 not
 * UTF-8, 1008 policy, 1009 too big (CONTRACT.md §7: frames over 64 KiB). 1011 (server error) and
 * 1006 (no close frame: the process died or hung up) are findings.
 */
const ACCEPTABLE_CLOSES = new Set([1000, 1003, 1007, 1008, 1009]);

const WRONG: unknown[] = [
  null,
  1,
  -1,
  1.5,
  true,
  '',
  'x'.repeat(300),
  [],
  {},
  ['a'],
  { $ne: 1 },
  '\u0000',
  '\ud800',
  '\u202e',
  1e308,
];
const FIELDS = [
  'type',
  'format',
  'version',
  'requestId',
  'originatingRequestId',
  'source',
  'target',
  'payload',
];

/** Envelopes a client (payment/request) or a device (replies) would send, each with one thing wrong. */
export function planFrames(kind: 'client' | 'device', target: string, rng: Prng, count: number): FuzzFrame[] {
  const frames: FuzzFrame[] = [];
  for (let i = 0; i < count; i++) frames.push(buildFrame(kind, target, rng));
  return frames;
}

function baseline(kind: 'client' | 'device', target: string, rng: Prng): Record<string, unknown> {
  const payload = {
    id: randomUUIDFrom(rng),
    flowType: 'sale',
    amounts: { baseAmount: rng.int(1, 10_000), currency: 'EUR' },
  };
  if (kind === 'client')
    return {
      type: rng.pick(['payment', 'request']),
      format: 'appflow',
      version: '2.1.2',
      requestId: randomUUIDFrom(rng),
      originatingRequestId: null,
      target: rng.chance(0.2) ? target : `fuzz-nobody-${rng.int(1, 9)}`,
      payload,
    };
  return {
    type: rng.pick(['paymentResponse', 'response', 'flowEvent', 'flowException']),
    format: 'appflow',
    version: '2.1.2',
    requestId: randomUUIDFrom(rng),
    originatingRequestId: randomUUIDFrom(rng),
    payload: { id: payload.id, outcome: 'FULFILLED' },
  };
}

function buildFrame(kind: 'client' | 'device', target: string, rng: Prng): FuzzFrame {
  const env = baseline(kind, target, rng);
  const field = rng.pick(FIELDS);
  switch (rng.int(0, 11)) {
    case 0:
      return { label: `wrong-type:${field}`, data: JSON.stringify({ ...env, [field]: rng.pick(WRONG) }) };
    case 1: {
      const copy: Record<string, unknown> = { ...env };
      delete copy[field];
      return { label: `missing:${field}`, data: JSON.stringify(copy) };
    }
    case 2:
      return {
        label: 'extra-field',
        data: JSON.stringify({
          ...env,
          [rng.pick(['extra', 'tenantId', 'accountId', 'isAdmin'])]: rng.pick(WRONG),
        }).replace(/^\{/, rng.chance(0.3) ? '{"__proto__":{"x":1},' : '{'),
      };
    case 3: {
      const size = rng.pick([1_000, 60_000, 66_000, 200_000]);
      return {
        label: `huge-${size}`,
        data: JSON.stringify({ ...env, payload: { blob: 'x'.repeat(size) } }),
        closes: size > 65_536 ? 1009 : undefined,
      };
    }
    case 4: {
      const depth = rng.pick([100, 2_000, 20_000]);
      return {
        label: `deep-${depth}`,
        data: JSON.stringify({ ...env, payload: 'DEEP' }).replace(
          '"DEEP"',
          `${'['.repeat(depth)}${']'.repeat(depth)}`,
        ),
      };
    }
    case 5:
      return {
        label: 'nul',
        data: JSON.stringify({ ...env, [rng.pick(['target', 'requestId', 'type', 'format'])]: 'a\u0000b' }),
      };
    case 6:
      return {
        label: 'lone-surrogate',
        data: JSON.stringify({ ...env, target: 'SURR' }).replace(
          '"SURR"',
          rng.pick(['"\\ud800"', '"\\udfff"', '"x\\ud83d"']),
        ),
      };
    case 7:
      return {
        label: 'not-utf8',
        data: Buffer.concat([
          Buffer.from('{"type":"payment","target":"'),
          Buffer.from([0xed, 0xa0, 0x80, 0xff]),
          Buffer.from('"}'),
        ]),
        closes: 1007,
      };
    case 8:
      return { label: 'binary', data: Buffer.from(JSON.stringify(env)), binary: true };
    case 9:
      return {
        label: 'malformed',
        data: rng.pick([
          '',
          '{',
          '[]',
          'null',
          '1',
          '"x"',
          '{"type":}',
          '{"a":1,"a":2}',
          '\uFEFF{}',
          'x'.repeat(100),
        ]),
      };
    case 10:
      return {
        label: 'unknown-type',
        data: JSON.stringify({
          ...env,
          type: rng.pick(['ping', 'PAYMENT', 'payment ', '__proto__', 'constructor', 'toString']),
        }),
      };
    default:
      return {
        label: 'odd-ids',
        data: JSON.stringify({
          ...env,
          requestId: rng.pick(['', 'x', '../..', '%00', 'a'.repeat(5000)]),
          target: rng.pick(['', '*', '>', 'a.b', 'till-7.>', ' ', '\t']),
        }),
      };
  }
}

/** A uuid drawn from the seed, so a run replays byte for byte. */
function randomUUIDFrom(rng: Prng): string {
  const hex = Array.from({ length: 32 }, () => rng.int(0, 15).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface SocketFuzzResult {
  sent: number;
  received: number;
  reconnects: number;
  closes: Record<string, number>;
  problems: string[];
}

/**
 * Sends the frames over sockets from `open`, reopening one the hub closed. Every frame the hub
 * sends back must be JSON, and a `flowException` must carry `{"errorCode","errorMessage"}`;
 * every `probeEvery` frames a malformed frame must be answered with `invalidData` within
 * `probeMs` (the socket is alive, not hung).
 */
export async function fuzzSocket(
  open: () => Promise<WebSocket>,
  frames: FuzzFrame[],
  probeEvery = 10,
  probeMs = 10_000,
): Promise<SocketFuzzResult> {
  const result: SocketFuzzResult = { sent: 0, received: 0, reconnects: 0, closes: {}, problems: [] };
  let ws: WebSocket | undefined;
  let last = 'connect';
  let closing = false;
  let invalidDataSeen = 0;
  let wake: (() => void) | undefined;
  const connect = async () => {
    const socket = await open();
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      result.received++;
      let frame: { type?: unknown; payload?: { errorCode?: unknown; errorMessage?: unknown } };
      try {
        frame = JSON.parse(data.toString('utf8')) as typeof frame;
      } catch {
        result.problems.push(
          `a frame that is not JSON (binary=${isBinary}): ${data.toString('utf8').slice(0, 120)}`,
        );
        return;
      }
      if (frame.type === 'flowException') {
        const p = frame.payload ?? {};
        if (!isErrorCode(p.errorCode) || typeof p.errorMessage !== 'string')
          result.problems.push(
            `flowException not in the error shape: ${data.toString('utf8').slice(0, 200)}`,
          );
        if (p.errorCode === 'invalidData') invalidDataSeen++;
        wake?.();
      }
    });
    socket.on('close', (code: number) => {
      result.closes[code] = (result.closes[code] ?? 0) + 1;
      if (!closing && !ACCEPTABLE_CLOSES.has(code))
        result.problems.push(`socket closed with ${code} (last frame sent: ${last})`);
      wake?.();
    });
    socket.on('error', () => undefined);
    return socket;
  };
  const probe = async (after: string) => {
    const seen = invalidDataSeen;
    ws!.send('{');
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), probeMs);
      const socket = ws!;
      wake = () => {
        if (invalidDataSeen > seen || socket.readyState !== socket.OPEN) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      wake();
    });
    wake = undefined;
    if (!answered && ws!.readyState === ws!.OPEN)
      result.problems.push(
        `no invalidData answer within ${probeMs} ms to a malformed frame (after ${after})`,
      );
  };
  ws = await connect();
  for (let i = 0; i < frames.length; i++) {
    if (ws.readyState !== ws.OPEN) {
      await new Promise((r) => setTimeout(r, 20));
      ws = await connect();
      result.reconnects++;
    }
    const f = frames[i];
    last = f.label;
    const closed = f.closes
      ? new Promise<number | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), probeMs);
          ws!.once('close', (code: number) => (clearTimeout(timer), resolve(code)));
        })
      : undefined;
    ws.send(f.data, { binary: !!f.binary });
    result.sent++;
    // Wait for the close it must cause, so the next frames go to a live socket and a missing close is seen.
    if (closed) {
      const code = await closed;
      if (code !== f.closes)
        result.problems.push(
          `${f.label}: expected close ${f.closes}, got ${code ?? `none within ${probeMs} ms`}`,
        );
      continue;
    }
    if ((i + 1) % probeEvery === 0 && ws.readyState === ws.OPEN) await probe(f.label);
  }
  if (ws.readyState !== ws.OPEN) ws = await connect();
  await probe('the last frame');
  closing = true;
  ws.close(1000);
  return result;
}
