import { Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  type CredentialCheck,
  type CredentialCheckRequest,
  type CredentialState,
  type DeleteCredentialRequest,
  type IssuedApiToken,
  type SetAccountCredentialRequest,
  type SetDeviceCredentialRequest,
  type VerifiedAccount,
  type VerifiedDevice,
  type VerifyAccountRequest,
  type VerifyDeviceRequest,
} from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';
import { AuthSecrets } from '../crypto/auth-secrets.service';
import { isUniqueViolation } from '../database-errors';
import { AuthEvents } from '../events/auth-events.publisher';
import { accountIdTaken, invalidBearer } from './relay-credential.errors';
import { RelayCredentialsRepository } from './relay-credentials.repository';
import { generateApiToken } from './relay-token.format';
import { WebhookSecretRepository } from './webhook-secret.repository';

/**
 * Account and device API tokens (CONTRACT.md §5, §6): issued once, stored as keyed hashes,
 * checked in constant time. Every rotation or deletion is broadcast after it commits, so
 * caches and open sockets built on the old token end within seconds.
 */
@Injectable()
export class RelayCredentialsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly secrets: AuthSecrets,
    private readonly credentials: RelayCredentialsRepository,
    private readonly webhookSecrets: WebhookSecretRepository,
    private readonly events: AuthEvents,
  ) {}

  async setAccount({ tenantId, accountId }: SetAccountCredentialRequest): Promise<IssuedApiToken> {
    const apiToken = generateApiToken();
    const outcome = await this.credentials.upsertAccount(
      tenantId,
      accountId,
      this.secrets.hashToken(apiToken),
    );
    switch (outcome) {
      case 'taken':
        throw accountIdTaken(accountId);
      case 'rotated':
        await this.events.accessRevoked({ tenantId, accountId, scope: 'account' });
        break;
      case 'created':
        break;
    }
    return { apiToken };
  }

  async verifyAccount({ accountId, apiToken }: VerifyAccountRequest): Promise<VerifiedAccount> {
    const row = await this.credentials.findAccount(accountId);
    // Checked even without a row, so the answer time does not tell whether the account exists.
    const matches = this.secrets.tokenMatches(apiToken, row?.tokenHash);
    if (!row || !matches) throw invalidBearer();
    return { tenantId: row.tenantId, accountId: row.accountId };
  }

  async setDevice(request: SetDeviceCredentialRequest): Promise<IssuedApiToken> {
    const { tenantId, accountId, referenceId, model, serialNumber } = request;
    const apiToken = generateApiToken();
    let outcome: 'created' | 'rotated';
    try {
      outcome = await this.credentials.upsertDevice({
        tenantId,
        accountId,
        referenceId,
        model,
        serialNumber,
        tokenHash: this.secrets.hashToken(apiToken),
      });
    } catch (error) {
      // The upsert resolves its own key; the only other unique index is model + serial number.
      if (isUniqueViolation(error)) {
        throw new CloudFlowError(
          ErrorCode.duplicateItem,
          `A device with model '${model}' and serial number '${serialNumber}' already exists`,
        );
      }
      throw error;
    }
    if (outcome === 'rotated')
      await this.events.accessRevoked({ tenantId, accountId, referenceId, scope: 'device' });
    return { apiToken };
  }

  async verifyDevice({ model, serialNumber, apiToken }: VerifyDeviceRequest): Promise<VerifiedDevice> {
    const row = await this.credentials.findDevice(model, serialNumber);
    const matches = this.secrets.tokenMatches(apiToken, row?.tokenHash);
    if (!row || !matches) throw invalidBearer();
    return { tenantId: row.tenantId, accountId: row.accountId, referenceId: row.referenceId };
  }

  /**
   * What a hub asks after NATS came back: whether each credential still exists and when it was
   * last rotated, so sockets opened with tokens minted before a missed revocation can be closed.
   */
  async check({
    tenantId,
    accountId,
    account,
    referenceIds,
  }: CredentialCheckRequest): Promise<CredentialCheck> {
    const [own, devices] = await Promise.all([
      account ? this.credentials.accountRotation(tenantId, accountId) : Promise.resolve(undefined),
      this.credentials.deviceRotations(tenantId, accountId, referenceIds),
    ]);
    const state = (rotation: Date | null | undefined): CredentialState =>
      rotation === undefined
        ? { exists: false }
        : rotation
          ? { exists: true, rotatedAt: rotation.getTime() }
          : { exists: true };
    return {
      ...(account ? { account: state(own) } : {}),
      devices: referenceIds.map((referenceId) => ({ referenceId, ...state(devices.get(referenceId)) })),
    };
  }

  /**
   * Idempotent. The broadcast goes out even when nothing was left to delete: a retry after a
   * crash between commit and publish must still reach the caches.
   */
  async delete({ tenantId, accountId, referenceId }: DeleteCredentialRequest): Promise<{ ok: true }> {
    if (referenceId !== undefined) {
      await this.credentials.deleteDevice(tenantId, accountId, referenceId);
      await this.events.accessRevoked({ tenantId, accountId, referenceId, scope: 'device', deleted: true });
    } else {
      await this.db.transaction(async (m) => {
        await this.credentials.deleteAccount(m, tenantId, accountId);
        await this.webhookSecrets.delete(m, tenantId, accountId);
      });
      await this.events.accessRevoked({ tenantId, accountId, scope: 'account', deleted: true });
    }
    return { ok: true };
  }
}
