import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A developer's portal password hash and their APP-key box (see developer-vault.crypto.ts). */
@Entity({ name: 'developer_credentials' })
export class DeveloperCredentialEntity {
  @PrimaryColumn('uuid', { name: 'developer_id' }) developerId: string;
  @Column('text', { name: 'password_hash' }) passwordHash: string;
  @Column('text', { name: 'box_public_key' }) boxPublicKey: string;
  @Column('text', { name: 'box_private_key_enc' }) boxPrivateKeyEnc: string;
  @Column('text', { name: 'kek_salt' }) kekSalt: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
}
