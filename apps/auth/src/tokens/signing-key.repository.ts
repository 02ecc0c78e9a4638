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

  /**
   * Rotation, decided under the same lock so one replica rotates and the others see it: when the
   * active key is older than `rotateAfterSeconds` a new one takes over and the old one is retired;
   * retired keys older than `keepRetiredSeconds` (their last token has expired) are deleted.
   * Returns the kid of the key that is active afterwards.
   */
  rotate(
    rotateAfterSeconds: number,
    keepRetiredSeconds: number,
    create: () => SigningKeyEntity,
  ): Promise<string> {
    return this.db.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [CREATE_LOCK]);
      await m.query(
        `DELETE FROM "auth"."signing_keys" WHERE NOT "active" AND "retired_at" < now() - make_interval(secs => $1)`,
        [keepRetiredSeconds],
      );
      const due: Array<{ kid: string }> = await m.query(
        `SELECT "kid" FROM "auth"."signing_keys" WHERE "active" AND "created_at" <= now() - make_interval(secs => $1)`,
        [rotateAfterSeconds],
      );
      const active = await m.findOneBy(SigningKeyEntity, { active: true });
      if (active && !due.length) return active.kid;
      if (active)
        await m.update(SigningKeyEntity, { kid: active.kid }, { active: false, retiredAt: () => 'now()' });
      const key = create();
      await m.insert(SigningKeyEntity, key);
      return key.kid;
    });
  }

  /** Every key that may still have live tokens: the active one and the retired ones not yet deleted. */
  published(): Promise<SigningKeyEntity[]> {
    return this.db.repository(SigningKeyEntity).find({ order: { createdAt: 'ASC', kid: 'ASC' } });
  }
}
