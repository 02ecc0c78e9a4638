import { Inject, Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  SUBJECTS,
  type ConnectionCredentials,
  type VerifiedAccount,
} from '@cloudflow/contracts';
import { LOGGER, RpcClient } from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';
import type { Logger } from 'pino';
import { GatewayConfig } from '../gateway.config';

/** Who the websocket token is for: a POS account, or one of its devices. */
/** A client token also names the APP key it was asked with: the hub bills its sync payments to it. */
export type SocketHolder =
  | (VerifiedAccount & { kind: 'client'; appKeyId?: string })
  | (VerifiedAccount & { kind: 'device'; referenceId: string });

/**
 * Issues the credentials to open a websocket (`GET /token`, `GET /devices/enrol`). The account's
 * connection limit is checked first against the cluster-wide slot count, so a POS at its limit
 * learns it here with a clear 429 instead of at the upgrade. The hub enforces the limit again
 * when the socket opens; this check is the early, friendly one.
 */
@Injectable()
export class ConnectionCredentialsService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly presence: PresenceStore,
    private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async issue(holder: SocketHolder): Promise<ConnectionCredentials> {
    const { tenantId, accountId } = holder;
    const account = await this.rpc.send(SUBJECTS.admin.accountGet, { tenantId, accountId });
    const held = await this.socketsCounted(holder);
    if (held >= account.connectionLimit) {
      throw new CloudFlowError(
        ErrorCode.tooManyConnections,
        `Connection limit of ${account.connectionLimit} reached for this account`,
      );
    }
    const token = await this.rpc.send(SUBJECTS.auth.websocketToken, {
      kind: holder.kind,
      tenantId,
      accountId,
      ...(holder.kind === 'device' ? { referenceId: holder.referenceId } : {}),
      ...(holder.kind === 'client' && holder.appKeyId ? { appKeyId: holder.appKeyId } : {}),
    });
    return {
      connectionType: 'websocket',
      connectionUrl: this.config.HUB_PUBLIC_URL,
      tokenType: 'jwt',
      accessToken: token.accessToken,
    };
  }

  /**
   * Sockets the account holds now. A device that is connected already will replace its own
   * socket (one per device), so that socket does not count against its re-enrolment.
   */
  private async socketsCounted(holder: SocketHolder): Promise<number> {
    try {
      const held = await this.presence.slotsElsewhere(holder.tenantId, holder.accountId);
      if (holder.kind === 'client' || held === 0) return held;
      const owner = await this.presence.deviceOwner(holder.tenantId, holder.accountId, holder.referenceId);
      return owner ? held - 1 : held;
    } catch (error) {
      this.logger.warn({ err: error }, 'presence store unavailable');
      throw new CloudFlowError(
        ErrorCode.failed,
        'Live connection state is unavailable right now; please retry',
      );
    }
  }
}
