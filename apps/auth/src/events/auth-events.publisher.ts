import { Inject, Injectable } from '@nestjs/common';
import { EVENTS, type AccessRevokedEvent } from '@cloudflow/contracts';
import { Broadcasts, LOGGER } from '@cloudflow/platform';
import type { Logger } from 'pino';

/**
 * Change broadcasts, sent after the change is committed. A failed publish is logged, not
 * thrown: the change stands, and caches still expire it within their TTL.
 */
@Injectable()
export class AuthEvents {
  constructor(
    private readonly broadcasts: Broadcasts,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async appKeyChanged(...keyIds: string[]): Promise<void> {
    for (const keyId of keyIds) {
      await this.broadcasts.publish(EVENTS.appKeyChanged, { keyId }).catch((err: unknown) => {
        this.logger.error({ err, keyId }, 'could not broadcast an APP key change');
      });
    }
  }

  async blockedEndpointsChanged(): Promise<void> {
    await this.broadcasts.publish(EVENTS.blockedEndpointsChanged, {}).catch((err: unknown) => {
      this.logger.error({ err }, 'could not broadcast a blocked-endpoints change');
    });
  }

  /**
   * Gateways drop cached credentials; hubs close the matching sockets with 4401 and refuse
   * websocket tokens minted before `at` (stamped here, after the change committed, on the clock
   * that stamps the tokens' `ims`).
   */
  async accessRevoked(event: AccessRevokedEvent): Promise<void> {
    const stamped: AccessRevokedEvent = { ...event, at: event.at ?? Date.now() };
    await this.broadcasts.publish(EVENTS.accessRevoked, stamped).catch((err: unknown) => {
      const { tenantId, accountId, referenceId, scope } = event;
      this.logger.error(
        { err, tenantId, accountId, referenceId, scope },
        'could not broadcast an access revocation',
      );
    });
  }
}
