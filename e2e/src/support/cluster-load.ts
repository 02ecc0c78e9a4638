import { FINAL_TYPES, type CloudFlowMessage } from '@cloudflow/contracts';
import { DeviceSimulator, http, PosClient, type System, type WebhookReceiver } from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import { clientHeaders, type Account, type Tenant } from './tenant';

/**
 * Steady payment load for the cluster faults, counted where a customer would see it (as the
 * fault campaign does): what each POS got back, what each simulated device received and
 * answered, and what the webhook receiver accepted; never from the services' own logs.
 */
export interface AsyncAttempt {
  requestId: string;
  device: string;
  /** URL of the gateway it was sent to. */
  gateway: string;
  status: number;
  body: unknown;
  at: number;
}

export interface SyncAttempt {
  requestId: string;
  device: string;
  final?: CloudFlowMessage;
  error?: string;
  at: number;
}

export interface LoadDevice {
  referenceId: string;
  sim: DeviceSimulator;
}

export class ClusterLoad {
  readonly asyncAttempts: AsyncAttempt[] = [];
  readonly syncAttempts: SyncAttempt[] = [];
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly sys: System,
    private readonly tenant: Tenant,
    private readonly account: Account,
    private readonly receiver: WebhookReceiver,
  ) {}

  /** One async payment after another on each device (a device takes one request at a time), through alternating gateways. */
  startAsync(devices: LoadDevice[], pauseMs = 150): void {
    this.running = true;
    devices.forEach((d, k) => this.loops.push(this.asyncLoop(d, k, pauseMs)));
  }

  /** Sync payments from `pos[i]` to `devices[i]`, one after another. */
  startSync(pairs: Array<{ pos: PosClient; device: LoadDevice }>, pauseMs = 150): void {
    this.running = true;
    for (const p of pairs) this.loops.push(this.syncLoop(p.pos, p.device, pauseMs));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** Async requests the gateway took (202): each must end in a final webhook and a recorded result. */
  get accepted(): AsyncAttempt[] {
    return this.asyncAttempts.filter((a) => a.status === 202);
  }

  /** Every request a device received, by requestId, with the final answer it sent (counted at the simulator). */
  static deviceAnswers(devices: LoadDevice[]): Map<string, { device: string; final?: CloudFlowMessage }> {
    const out = new Map<string, { device: string; final?: CloudFlowMessage }>();
    for (const d of devices) {
      for (const f of d.sim.received.frames)
        if (f.type === 'payment' && f.requestId) out.set(f.requestId, { device: d.referenceId });
      for (const f of d.sim.sent) {
        if (!FINAL_TYPES.has(f.type) || !f.originatingRequestId) continue;
        const entry = out.get(f.originatingRequestId);
        if (entry) entry.final = f;
      }
    }
    return out;
  }

  private async asyncLoop(d: LoadDevice, k: number, pauseMs: number): Promise<void> {
    let n = 0;
    while (this.running) {
      const requestId = randomUUID();
      // As behind the balancer: a dead gateway leaves rotation.
      const live = this.sys.gateways.filter((g) => g.child.running);
      const gateway = live[(k + n++) % live.length].url;
      const body = {
        type: 'payment',
        format: 'appflow',
        version: '2.1.2',
        requestId,
        target: d.referenceId,
        payload: {
          id: randomUUID(),
          flowType: 'sale',
          amounts: { baseAmount: 1000 + (n % 50), currency: 'EUR' },
        },
      };
      // Whatever the gateway answered (202, a refusal, a proxy's page): kept as it came, for the report.
      const res = await http<unknown>('POST', `${gateway}/client/v1.1/requests`, {
        body,
        headers: clientHeaders(this.tenant, this.account),
      }).catch((e: Error) => ({ status: 0, body: e.message }));
      this.asyncAttempts.push({
        requestId,
        device: d.referenceId,
        gateway,
        status: res.status,
        body: res.body,
        at: Date.now(),
      });
      if (res.status === 202) {
        // The next request only after this one's final answer reached the webhook (else 412 busy).
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline && !this.finalWebhook(requestId)) await sleep(20);
      }
      await sleep(pauseMs);
    }
  }

  private async syncLoop(pos: PosClient, d: LoadDevice, pauseMs: number): Promise<void> {
    while (this.running) {
      const requestId = randomUUID();
      const attempt: SyncAttempt = { requestId, device: d.referenceId, at: Date.now() };
      this.syncAttempts.push(attempt);
      try {
        attempt.final = (await pos.pay(d.referenceId, 1200, 'EUR', 30_000, requestId)).final;
      } catch (error) {
        attempt.error = (error as Error).message;
      }
      await sleep(pauseMs);
    }
  }

  finalWebhook(requestId: string) {
    return this.receiver
      .acceptedFor(requestId)
      .find(
        (w) => typeof w.body?.type === 'string' && FINAL_TYPES.has(w.body.type as CloudFlowMessage['type']),
      );
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
