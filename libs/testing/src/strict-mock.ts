import type { WebSocket } from 'ws';

/**
 * Properties that test frameworks and libraries read on any object to find out what it is: a
 * promise (`then`), a jest asymmetric matcher, a React element, a DOM node, something with its
 * own JSON form, a jest mock, an Immutable.js collection. Reading them is not a use of the
 * collaborator, so they read as undefined instead of failing the test.
 */
const PROBES = new Set<string>([
  'then',
  'asymmetricMatch',
  '$$typeof',
  'nodeType',
  'toJSON',
  '_isMockFunction',
  '@@__IMMUTABLE_ITERABLE__@@',
  '@@__IMMUTABLE_RECORD__@@',
  '@@__IMMUTABLE_KEYED__@@',
  '@@__IMMUTABLE_ORDERED__@@',
]);

/**
 * A stand-in for a collaborator `T` with only the members in `impl`: reading any other property
 * throws `unexpected use of <name>.<prop>`, so a call the test did not foresee fails it loudly
 * (instead of `undefined is not a function` somewhere, or silently doing nothing). Symbols and
 * the framework probes above read as undefined; members of Object.prototype (`toString`, ...)
 * are there as on any object. Writes go to `impl` (a class may cache something on it).
 */
export function strictMock<T extends object>(name: string, impl: Partial<T> = {}): T {
  return new Proxy(impl as T, {
    get(target, prop, receiver) {
      if (prop in target) return Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop === 'symbol' || PROBES.has(prop)) return undefined;
      throw new Error(`unexpected use of ${name}.${prop}`);
    },
  });
}

/** What a recordingSocket was asked to do. */
export interface RecordingSocket {
  /** The socket to hand to the code under test (a strict mock of ws's WebSocket). */
  ws: WebSocket;
  /** Every frame written, parsed from its JSON, in order. */
  sent: unknown[];
  /** Every close(code, reason) asked, in order. */
  closes: Array<[number | undefined, string | undefined]>;
  /** How many times terminate() was called. */
  terminated: () => number;
  /** Sets what the socket reports: open or not, and its unsent bytes. */
  set(state: { readyState?: number; bufferedAmount?: number; failSends?: boolean }): void;
}

/**
 * A ws socket that records what is written to it and how it is ended, and fails the test on any
 * other use. Writes complete at once (their callback is called synchronously), or with an error
 * after `set({ failSends: true })`.
 */
export function recordingSocket(
  name = 'ws',
  state: { readyState?: number; bufferedAmount?: number } = {},
): RecordingSocket {
  const sent: unknown[] = [];
  const closes: Array<[number | undefined, string | undefined]> = [];
  let terminated = 0;
  let failSends = false;
  const impl = {
    OPEN: 1 as const,
    CLOSED: 3 as const,
    readyState: (state.readyState ?? 1) as WebSocket['readyState'],
    bufferedAmount: state.bufferedAmount ?? 0,
    send(data: string, cb?: (err?: Error) => void): void {
      if (failSends) return cb?.(new Error('socket write failed'));
      sent.push(JSON.parse(data) as unknown);
      cb?.();
    },
    close(code?: number, reason?: string): void {
      closes.push([code, reason]);
    },
    terminate(): void {
      terminated++;
    },
  };
  const ws = strictMock<WebSocket>(name, impl as unknown as Partial<WebSocket>);
  return {
    ws,
    sent,
    closes,
    terminated: () => terminated,
    set(next) {
      if (next.readyState !== undefined) impl.readyState = next.readyState as WebSocket['readyState'];
      if (next.bufferedAmount !== undefined) impl.bufferedAmount = next.bufferedAmount;
      if (next.failSends !== undefined) failSends = next.failSends;
    },
  };
}
