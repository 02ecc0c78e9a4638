import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { AccountCredentialEntity } from './account-credential.entity';
import { DeviceCredentialEntity } from './device-credential.entity';

/** `taken`: the account id already belongs to another tenant. */
export type UpsertOutcome = 'created' | 'rotated' | 'taken';

export interface NewDeviceCredential {
  tenantId: string;
  accountId: string;
  referenceId: string;
  model: string;
  serialNumber: string;
  tokenHash: string;
}

/** Every query on auth.account_credentials and auth.device_credentials. */
@Injectable()
export class RelayCredentialsRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Creates or rotates in one statement, so concurrent calls cannot both create. The update is
   * guarded by the tenant: an account id of another tenant is reported, never taken over.
   */
  async upsertAccount(tenantId: string, accountId: string, tokenHash: string): Promise<UpsertOutcome> {
    const rows: Array<{ rotated: boolean }> = await this.db.manager.query(
      `INSERT INTO "auth"."account_credentials" ("account_id", "tenant_id", "token_hash")
       VALUES ($1, $2, $3)
       ON CONFLICT ("account_id") DO UPDATE
         SET "token_hash" = EXCLUDED."token_hash", "rotated_at" = now()
         WHERE "account_credentials"."tenant_id" = EXCLUDED."tenant_id"
       RETURNING (xmax <> 0) AS "rotated"`,
      [accountId, tenantId, tokenHash],
    );
    return outcome(rows);
  }

  /** Case-sensitive: Postgres compares text byte-wise under the deterministic default collation. */
  findAccount(accountId: string): Promise<AccountCredentialEntity | null> {
    return this.db.repository(AccountCredentialEntity).findOneBy({ accountId });
  }

  /**
   * Creates or rotates the device's token (model and serial number follow the latest call).
   * A model + serial number held by another device fails with a unique violation.
   */
  async upsertDevice(device: NewDeviceCredential): Promise<Exclude<UpsertOutcome, 'taken'>> {
    const rows: Array<{ rotated: boolean }> = await this.db.manager.query(
      `INSERT INTO "auth"."device_credentials"
         ("id", "tenant_id", "account_id", "reference_id", "model", "serial_number", "token_hash")
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ("tenant_id", "account_id", "reference_id") DO UPDATE
         SET "model" = EXCLUDED."model", "serial_number" = EXCLUDED."serial_number",
             "token_hash" = EXCLUDED."token_hash", "rotated_at" = now()
       RETURNING (xmax <> 0) AS "rotated"`,
      [
        randomUUID(),
        device.tenantId,
        device.accountId,
        device.referenceId,
        device.model,
        device.serialNumber,
        device.tokenHash,
      ],
    );
    return rows[0].rotated ? 'rotated' : 'created';
  }

  findDevice(model: string, serialNumber: string): Promise<DeviceCredentialEntity | null> {
    return this.db.repository(DeviceCredentialEntity).findOneBy({ model, serialNumber });
  }

  /** When the account's own credential was last rotated (null: never), or undefined when it is gone. */
  async accountRotation(tenantId: string, accountId: string): Promise<Date | null | undefined> {
    const row = await this.db
      .repository(AccountCredentialEntity)
      // The key is selected too: TypeORM drops a row whose selected columns are all NULL (a never-rotated credential).
      .findOne({ where: { tenantId, accountId }, select: { accountId: true, rotatedAt: true } });
    return row ? row.rotatedAt : undefined;
  }

  /** The same for some devices of one account: only those that exist are in the map. */
  async deviceRotations(
    tenantId: string,
    accountId: string,
    referenceIds: string[],
  ): Promise<Map<string, Date | null>> {
    if (!referenceIds.length) return new Map();
    const rows = await this.db.repository(DeviceCredentialEntity).find({
      where: { tenantId, accountId, referenceId: In(referenceIds) },
      select: { referenceId: true, rotatedAt: true },
    });
    return new Map(rows.map((r) => [r.referenceId, r.rotatedAt]));
  }

  async deleteDevice(tenantId: string, accountId: string, referenceId: string): Promise<void> {
    await this.db.manager.delete(DeviceCredentialEntity, { tenantId, accountId, referenceId });
  }

  /** The account's own credential and every device credential under it. */
  async deleteAccount(manager: EntityManager, tenantId: string, accountId: string): Promise<void> {
    await manager.delete(DeviceCredentialEntity, { tenantId, accountId });
    await manager.delete(AccountCredentialEntity, { tenantId, accountId });
  }
}

function outcome(rows: Array<{ rotated: boolean }>): UpsertOutcome {
  if (rows.length === 0) return 'taken';
  return rows[0].rotated ? 'rotated' : 'created';
}
