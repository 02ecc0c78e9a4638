let turn: Promise<void> | undefined;

/**
 * Resolves in the next turn of the event loop, one shared promise for every caller in this one.
 * nats.js writes what was published in one microtask run as one socket write; each socket event
 * (an upgrade, a close) is its own macrotask, so without this a connect storm paid one write
 * syscall per KV operation (27 % of the hub's CPU in a 2,000-socket connect profile). Awaited
 * before a socket's first NATS operation, a burst's operations leave together.
 */
export function nextTurn(): Promise<void> {
  turn ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      turn = undefined;
      resolve();
    }),
  );
  return turn;
}
