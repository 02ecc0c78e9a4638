import { Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  GET_DEVICES_MAX,
  SUBJECTS,
  type DeviceRecord,
} from '@cloudflow/contracts';
import { RpcClient } from '@cloudflow/platform';

/** One batch of an account in flight at a time: what arrives meanwhile queues for the next (bigger batches, fewer admin handlers). */
const MAX_IN_FLIGHT_PER_ACCOUNT = 1;

interface Waiter {
  resolve: (device: DeviceRecord) => void;
  reject: (error: unknown) => void;
}

interface AccountQueue {
  tenantId: string;
  accountId: string;
  waiting: Map<string, Waiter[]>;
  inFlight: number;
  /** When its last batch left (Date.now()), and the timer holding the next one back. */
  sentAt: number;
  timer?: NodeJS.Timeout;
}

/**
 * The device read of a device-socket upgrade, straight from admin as before (never cached: a
 * disabled or deleted device must be refused even with a token that is still valid), but one
 * round trip for a burst: upgrades of one account arriving while a read is in flight (or in the
 * same event-loop turn) wait and go together in one `admin.device.getMany` (group-commit style:
 * a lone upgrade is asked at once, a storm of 10,000 costs ~10,000 ÷ batch admin handlers and
 * queries instead of 10,000). During a storm an account's batches leave at most every
 * `batchIntervalMs`, so they hold more than the few upgrades one round trip takes to collect
 * (an upgrade waits up to that long more; a lone one goes at once). A failed batch falls back to one `admin.device.get` per device, so
 * an admin without the batch subject (a rolling upgrade) still answers.
 */
@Injectable()
export class UpgradeDevices {
  private readonly queues = new Map<string, AccountQueue>();
  private scheduled = false;
  /** The least time between two batches of one account. */
  batchIntervalMs = 20;

  constructor(private readonly rpc: RpcClient) {}

  get(tenantId: string, accountId: string, referenceId: string): Promise<DeviceRecord> {
    const key = `${tenantId}\u0000${accountId}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { tenantId, accountId, waiting: new Map(), inFlight: 0, sentAt: 0 };
      this.queues.set(key, queue);
    }
    const q = queue;
    return new Promise<DeviceRecord>((resolve, reject) => {
      const list = q.waiting.get(referenceId);
      if (list) list.push({ resolve, reject });
      else q.waiting.set(referenceId, [{ resolve, reject }]);
      this.schedule();
    });
  }

  /** One turn of the event loop collects what arrives in it: their requests leave in one write. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const now = Date.now();
      for (const [key, queue] of this.queues) {
        const wait = queue.sentAt + this.batchIntervalMs - now;
        if (queue.waiting.size > 0 && queue.inFlight < MAX_IN_FLIGHT_PER_ACCOUNT && !queue.timer) {
          if (wait > 0) {
            queue.timer = setTimeout(() => {
              queue.timer = undefined;
              this.schedule();
            }, wait);
          } else {
            this.send(queue);
          }
        }
        const idle = queue.waiting.size === 0 && queue.inFlight === 0 && !queue.timer;
        if (idle && wait <= 0) this.queues.delete(key);
      }
    });
  }

  private send(queue: AccountQueue): void {
    const batch = new Map<string, Waiter[]>();
    for (const [ref, waiters] of queue.waiting) {
      if (batch.size >= GET_DEVICES_MAX) break;
      batch.set(ref, waiters);
    }
    for (const ref of batch.keys()) queue.waiting.delete(ref);
    queue.inFlight++;
    queue.sentAt = Date.now();
    const { tenantId, accountId } = queue;
    void this.rpc
      .send(SUBJECTS.admin.deviceGetMany, { tenantId, accountId, referenceIds: [...batch.keys()] })
      .then(
        ({ devices }) => {
          const found = new Map(devices.map((d) => [d.referenceId, d]));
          for (const [ref, waiters] of batch) {
            const device = found.get(ref);
            for (const w of waiters) {
              if (device) w.resolve(device);
              else w.reject(notFound(ref));
            }
          }
        },
        () => {
          for (const [referenceId, waiters] of batch) {
            const one = this.rpc.send(SUBJECTS.admin.deviceGet, { tenantId, accountId, referenceId });
            for (const w of waiters) one.then(w.resolve, w.reject);
          }
        },
      )
      .finally(() => {
        queue.inFlight--;
        if (queue.waiting.size > 0) this.schedule();
      });
  }
}

function notFound(referenceId: string): CloudFlowError {
  return new CloudFlowError(ErrorCode.notFound, `Device ${referenceId} not found`);
}
