import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import { SigningKeyEntity } from './signing-key.entity';

const CREATE_LOCK = 'cloudflow-auth-signing-key';

/** Every query on auth.signing_keys. */
@Injectable()
export class SigningKeyRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * The active key, created by `create` when there is none. Replicas starting together take an
   * advisory lock in turn, so only the first creates one; the unique partial index backs it up.
   */
  activeOrCreate(create: () => SigningKeyEntity): Promise<SigningKeyEntity> {
    return this.db.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [CREATE_LOCK]);
      const active = await m.findOneBy(SigningKeyEntity, { active: true });
      if (active) return active;
      const key = create();
      await m.insert(SigningKeyEntity, key);
      return key;
    });
  }

  /** Every key that may still have live tokens: keys are never retired yet, so all of them. */
  published(): Promise<SigningKeyEntity[]> {
    return this.db.repository(SigningKeyEntity).find({ order: { createdAt: 'ASC', kid: 'ASC' } });
  }
}
