import { CloudFlowError, ErrorCode, SUBJECTS, type DeviceRecord } from '@cloudflow/contracts';
import type { RpcClient } from '@cloudflow/platform';
import { UpgradeDevices } from './upgrade-devices.client';

const record = (referenceId: string, enabled = true): DeviceRecord => ({
  tenantId: 't1',
  clientAccountId: 'acc',
  referenceId,
  serialNumber: `sn-${referenceId}`,
  model: 'm',
  name: null,
  location: null,
  enabled,
});

describe('UpgradeDevices', () => {
  let calls: Array<{ subject: string; request: Record<string, unknown> }>;
  let known: Map<string, DeviceRecord>;
  let manyFails: boolean;
  /** While set, every call waits for its own gate to be opened. */
  let hold: boolean;
  let gates: Array<() => void>;
  let devices: UpgradeDevices;

  beforeEach(() => {
    calls = [];
    known = new Map(['d1', 'd2', 'd3'].map((r) => [r, record(r)]));
    manyFails = false;
    hold = false;
    gates = [];
    const rpc = {
      send: async (subject: string, request: Record<string, unknown>) => {
        calls.push({ subject, request });
        if (hold) await new Promise<void>((r) => gates.push(r));
        if (subject === SUBJECTS.admin.deviceGetMany) {
          if (manyFails) throw new CloudFlowError(ErrorCode.failed, 'no responders');
          return {
            devices: (request.referenceIds as string[]).flatMap((r) => (known.has(r) ? [known.get(r)!] : [])),
          };
        }
        const one = known.get(request.referenceId as string);
        if (!one) throw new CloudFlowError(ErrorCode.notFound, 'gone');
        return one;
      },
    };
    devices = new UpgradeDevices(rpc as unknown as RpcClient);
    devices.batchIntervalMs = 0;
  });

  it('asks admin once for the upgrades of one account arriving together, and answers each its own device', async () => {
    const [a, b, c] = await Promise.all([
      devices.get('t1', 'acc', 'd1'),
      devices.get('t1', 'acc', 'd2'),
      devices.get('t1', 'acc', 'd1'),
    ]);
    expect(calls).toEqual([
      {
        subject: SUBJECTS.admin.deviceGetMany,
        request: { tenantId: 't1', accountId: 'acc', referenceIds: ['d1', 'd2'] },
      },
    ]);
    expect([a.referenceId, b.referenceId, c.referenceId]).toEqual(['d1', 'd2', 'd1']);
  });

  it('refuses a device admin does not have with notFound, without failing the others of its batch', async () => {
    const [ok, missing] = await Promise.allSettled([
      devices.get('t1', 'acc', 'd3'),
      devices.get('t1', 'acc', 'nope'),
    ]);
    expect(ok).toMatchObject({ status: 'fulfilled', value: { referenceId: 'd3' } });
    expect(missing).toMatchObject({ status: 'rejected', reason: { code: ErrorCode.notFound } });
  });

  it('reads afresh every time: a device disabled between two upgrades is seen disabled', async () => {
    expect((await devices.get('t1', 'acc', 'd1')).enabled).toBe(true);
    known.set('d1', record('d1', false));
    expect((await devices.get('t1', 'acc', 'd1')).enabled).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it('keeps accounts apart and queues behind the batch in flight (group commit)', async () => {
    hold = true;
    const turn = () => new Promise((r) => setImmediate(r));
    const first = [devices.get('t1', 'acc', 'd1'), devices.get('t1', 'other', 'd2')];
    await turn();
    expect(calls.map((c) => c.request.accountId)).toEqual(['acc', 'other']);
    // While the account's batch is in flight, what comes waits for it and then goes together.
    const queued = [
      devices.get('t1', 'acc', 'd2'),
      devices.get('t1', 'acc', 'd3'),
      devices.get('t1', 'acc', 'd1'),
    ];
    await turn();
    expect(calls).toHaveLength(2);
    hold = false;
    gates.shift()!();
    await first[0];
    await turn();
    await turn();
    expect(calls.map((c) => c.request.referenceIds)).toEqual([['d1'], ['d2'], ['d2', 'd3', 'd1']]);
    for (const open of gates.splice(0)) open();
    await expect(Promise.all([...first, ...queued])).resolves.toHaveLength(5);
  });

  it("during a storm sends an account's batches at most every batchIntervalMs, a lone upgrade at once", async () => {
    devices.batchIntervalMs = 200;
    const t0 = Date.now();
    await devices.get('t1', 'acc', 'd1');
    expect(Date.now() - t0).toBeLessThan(150);
    const burst = [devices.get('t1', 'acc', 'd2'), devices.get('t1', 'acc', 'd3')];
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toHaveLength(1);
    await Promise.all(burst);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(calls.map((c) => c.request.referenceIds)).toEqual([['d1'], ['d2', 'd3']]);
    // Another account is not held back by this one's interval.
    const t1 = Date.now();
    await devices.get('t1', 'other', 'd1').catch(() => undefined);
    expect(Date.now() - t1).toBeLessThan(150);
  });

  it('falls back to one admin.device.get per device when the batch read fails (an admin without it)', async () => {
    manyFails = true;
    const results = await Promise.allSettled([
      devices.get('t1', 'acc', 'd1'),
      devices.get('t1', 'acc', 'nope'),
    ]);
    expect(calls.map((c) => c.subject)).toEqual([
      SUBJECTS.admin.deviceGetMany,
      SUBJECTS.admin.deviceGet,
      SUBJECTS.admin.deviceGet,
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { referenceId: 'd1' } });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: ErrorCode.notFound } });
  });
});
