import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import type { EntityManager } from 'typeorm';
import { DeveloperCredentialEntity } from './developer-credential.entity';
import { UserCredentialEntity } from './user-credential.entity';

/** Every query on auth.developer_credentials and auth.user_credentials. */
@Injectable()
export class CredentialsRepository {
  constructor(private readonly db: DatabaseService) {}

  findDeveloper(
    developerId: string,
    manager: EntityManager = this.db.manager,
  ): Promise<DeveloperCredentialEntity | null> {
    return manager.findOneBy(DeveloperCredentialEntity, { developerId });
  }

  async insertDeveloper(manager: EntityManager, credential: DeveloperCredentialEntity): Promise<void> {
    await manager.insert(DeveloperCredentialEntity, credential);
  }

  findUser(userId: string): Promise<UserCredentialEntity | null> {
    return this.db.repository(UserCredentialEntity).findOneBy({ userId });
  }

  /** Inserts or replaces a user's hashes; true when the user already had credentials (then its generation moves on). */
  async upsertUser(
    manager: EntityManager,
    credential: Pick<UserCredentialEntity, 'userId' | 'tenantId' | 'passwordHash' | 'pinHash'>,
  ): Promise<boolean> {
    const rows: Array<{ replaced: boolean }> = await manager.query(
      `INSERT INTO "auth"."user_credentials" ("user_id", "tenant_id", "password_hash", "pin_hash")
       VALUES ($1, $2, $3, $4)
       ON CONFLICT ("user_id") DO UPDATE
         SET "tenant_id" = EXCLUDED."tenant_id", "password_hash" = EXCLUDED."password_hash",
             "pin_hash" = EXCLUDED."pin_hash", "updated_at" = now(),
             "generation" = "user_credentials"."generation" + 1
       RETURNING (xmax <> 0) AS "replaced"`,
      [credential.userId, credential.tenantId, credential.passwordHash, credential.pinHash],
    );
    return rows[0].replaced;
  }
}
