import { Injectable } from '@nestjs/common';
import { type CloudFlowMessage, type RequestView, type VerifiedAccount } from '@cloudflow/contracts';
import { PresenceStore } from '@cloudflow/presence';
import { randomUUID } from 'node:crypto';
import { GatewayConfig } from '../gateway.config';
import { DeviceBus } from './device-bus.client';
import { RequestDispatchService } from './request-dispatch.service';
import { RequestFinals } from './request-finals';

export type CancelOutcome = 'cancelled' | 'tooLate' | 'pending';

export interface CancelAnswer {
  outcome: CancelOutcome;
  request: RequestView;
}

/** Statuses whose answer is the terminal's own: nothing a cancel does changes them. */
const SETTLED = new Set<RequestView['status']>(['completed', 'failed', 'cancelled']);

/**
 * POST /client/v1.1/requests/{requestId}/cancel (issue 13). The answer is read from the record,
 * never guessed: the terminal decides (a transaction it stops ends with its own final answer,
 * outcome `cancelled`; one it has finished ignores the cancel), and the recorder writes that
 * answer as for any request. So `cancelled` is said only of a request whose terminal said so,
 * whatever the order in which the cancel and the approval crossed. Settled already: answered at
 * once without asking the terminal. Otherwise the cancel goes to the device's current connection
 * and the call waits (CANCEL_WAIT_MS) for the record to settle; if it does not, `pending`: the
 * outcome follows on the record, by webhook, and in the answer to the cancel asked again.
 */
@Injectable()
export class RequestCancelService {
  constructor(
    private readonly requests: RequestDispatchService,
    private readonly presence: PresenceStore,
    private readonly bus: DeviceBus,
    private readonly finals: RequestFinals,
    private readonly config: GatewayConfig,
  ) {}

  async cancel(account: VerifiedAccount, requestId: string): Promise<CancelAnswer> {
    const read = () => this.requests.get(account, requestId);
    const view = await read();
    if (SETTLED.has(view.status)) return answer(view);
    await this.ask(account, view);
    const key = { tenantId: account.tenantId, accountId: account.accountId, requestId };
    let settled: RequestView | undefined;
    const until = Date.now() + this.config.CANCEL_WAIT_MS;
    // connectionLost / expired end a wait, not a cancel: the terminal may still answer.
    while (!settled && Date.now() < until) {
      const final = await this.finals.until(key, until - Date.now(), read);
      if (!final) break;
      if (SETTLED.has(final.status)) settled = final;
      else await new Promise((r) => setTimeout(r, 200));
    }
    return settled ? answer(settled) : { outcome: 'pending', request: await read() };
  }

  /** Writes the cancel to the terminal if it is connected; not reaching it is not an error (pending). */
  private async ask(account: VerifiedAccount, view: RequestView): Promise<void> {
    const owner = await this.presence
      .deviceOwner(account.tenantId, account.accountId, view.target)
      .catch(() => undefined);
    if (!owner) return;
    const frame: CloudFlowMessage = {
      type: 'cancel',
      format: view.request.format,
      version: view.request.version,
      requestId: randomUUID(),
      originatingRequestId: view.requestId,
      target: view.target,
      payload: {},
    };
    const deadline = Date.now() + this.config.REQUEST_DELIVERY_TIMEOUT_MS;
    // A "not in flight" answer means the terminal already sent its final answer: the record tells.
    await this.bus
      .request(
        owner.connId,
        { kind: 'forward', frame, deadline },
        this.config.REQUEST_DELIVERY_TIMEOUT_MS + this.config.REQUEST_DEADLINE_MARGIN_MS,
      )
      .catch(() => undefined);
  }
}

function answer(view: RequestView): CancelAnswer {
  return { outcome: view.status === 'cancelled' ? 'cancelled' : 'tooLate', request: view };
}
