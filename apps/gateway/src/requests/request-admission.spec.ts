import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import { runWithCorrelation, type DatabaseService } from '@cloudflow/platform';
import { GatewayConfig } from '../gateway.config';
import { EventLoopLag } from './event-loop-lag';
import { RequestAdmission } from './request-admission';

const db = (waiting = 0) =>
  ({ dataSource: { driver: { master: { waitingCount: waiting } } } }) as unknown as DatabaseService;
const config = (over: Partial<GatewayConfig> = {}) =>
  Object.assign(new GatewayConfig(), { REQUEST_ADMISSION_LATENCY_MIN_IN_FLIGHT: 2, ...over });

/** Holds `n` POSTs in flight until released. */
function hold(admission: RequestAdmission, n: number) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const running = Array.from({ length: n }, () => admission.run(() => gate));
  return { release: async () => (release(), await Promise.all(running)) };
}

const refused = (p: Promise<unknown>) =>
  p.then(
    () => 'admitted',
    (e: unknown) =>
      e instanceof CloudFlowError && e.code === ErrorCode.tooManyRequests
        ? `429 retry ${e.retryAfterSeconds}`
        : e,
  );

describe('RequestAdmission', () => {
  it('refuses by count and by pool waiters, with Retry-After', async () => {
    const a = new RequestAdmission(config({ REQUEST_ADMISSION_MAX_IN_FLIGHT: 3 }), db());
    const held = hold(a, 3);
    await expect(refused(a.run(async () => 1))).resolves.toBe('429 retry 1');
    await held.release();
    await expect(refused(a.run(async () => 1))).resolves.toBe('admitted');
    const busyPool = new RequestAdmission(config(), db(21));
    await expect(refused(busyPool.run(async () => 1))).resolves.toBe('429 retry 1');
    a.onModuleDestroy();
    busyPool.onModuleDestroy();
  });

  it('refuses a POST that already waited too long in the gateway, but only while others are in flight', async () => {
    const a = new RequestAdmission(config({ REQUEST_ADMISSION_MAX_QUEUE_MS: 250 }), db());
    const arrivedLongAgo = performance.now() - 1000;
    const late = () => runWithCorrelation(undefined, () => a.run(async () => 1), arrivedLongAgo);
    const fresh = () => runWithCorrelation(undefined, () => a.run(async () => 1), performance.now());
    // Alone: a slow moment on a loaded machine, served.
    await expect(refused(late())).resolves.toBe('admitted');
    const held = hold(a, 2);
    await expect(refused(late())).resolves.toBe('429 retry 1');
    await expect(refused(fresh())).resolves.toBe('admitted');
    await held.release();
    a.onModuleDestroy();
  });

  it('refuses new POSTs while the event loop lags, again only with others in flight', async () => {
    const a = new RequestAdmission(config({ REQUEST_ADMISSION_MAX_LAG_MS: 1000 }), db());
    const held = hold(a, 2);
    await expect(refused(a.run(async () => 1))).resolves.toBe('admitted');
    // Block the loop for 1.5 s: the lag timer sees it on its next run.
    await new Promise((r) => setTimeout(r, 60));
    const until = Date.now() + 1500;
    while (Date.now() < until);
    await new Promise((r) => setTimeout(r, 60));
    await expect(refused(a.run(async () => 1))).resolves.toBe('429 retry 1');
    await held.release();
    a.onModuleDestroy();
  });
});

describe('EventLoopLag', () => {
  it('reports a blocked loop for about its window, then forgets it', async () => {
    const lag = new EventLoopLag(20, 5);
    lag.start();
    await new Promise((r) => setTimeout(r, 50));
    const until = Date.now() + 600;
    while (Date.now() < until);
    await new Promise((r) => setTimeout(r, 30));
    expect(lag.lagMs).toBeGreaterThanOrEqual(550);
    // Five more measurements push the spike out of the window.
    await new Promise((r) => setTimeout(r, 300));
    expect(lag.lagMs).toBeLessThan(550);
    lag.stop();
  });
});
