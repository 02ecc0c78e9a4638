import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import { RevokedTokenEntity } from './revoked-token.entity';

/** Every query on auth.revoked_tokens. */
@Injectable()
export class RevokedTokenRepository {
  constructor(private readonly db: DatabaseService) {}

  async revoke(jti: string, subject: string, expiresAt: Date): Promise<void> {
    await this.db.manager.query(
      `INSERT INTO "auth"."revoked_tokens" ("jti", "subject", "expires_at") VALUES ($1, $2, $3)
       ON CONFLICT ("jti") DO NOTHING`,
      [jti, subject, expiresAt],
    );
    // Rows past their token's expiry refuse nothing any more; a log-out is rare enough to sweep on.
    await this.db.manager.query(`DELETE FROM "auth"."revoked_tokens" WHERE "expires_at" < now()`);
  }

  async isRevoked(jti: string): Promise<boolean> {
    return (await this.db.repository(RevokedTokenEntity).countBy({ jti })) > 0;
  }
}
