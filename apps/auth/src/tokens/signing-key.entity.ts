import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An Ed25519 JWT signing key; the private JWK is stored only wrapped under AUTH_HASH_KEY. */
@Entity({ name: 'signing_keys' })
// At most one active key: a partial unique index the migration creates and TypeORM leaves alone.
@Index('signing_keys_one_active', { synchronize: false })
export class SigningKeyEntity {
  @PrimaryColumn('text', { name: 'kid' }) kid: string;
  @Column('jsonb', { name: 'public_jwk' }) publicJwk: Record<string, string>;
  @Column('text', { name: 'private_jwk_enc' }) privateJwkEnc: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('boolean', { name: 'active' }) active: boolean;
  /** When a newer key took over; the row (and its public key) goes once its last token has expired. */
  @Column('timestamptz', { name: 'retired_at', nullable: true }) retiredAt: Date | null;
}
