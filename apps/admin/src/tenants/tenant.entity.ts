import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  Unique,
} from 'typeorm';
import { DeveloperEntity } from '../developers/developer.entity';

/** A business profile ("company"); one per developer. */
@Entity({ schema: 'admin', name: 'tenants' })
@Unique('tenants_developer_id_key', ['developerId'])
@Unique('tenants_business_code_key', ['businessCode'])
@Check('tenants_connection_ceiling_check', `"connection_ceiling" BETWEEN 1 AND 100000`)
export class TenantEntity {
  @PrimaryColumn('uuid', { name: 'id', primaryKeyConstraintName: 'tenants_pkey' })
  id: string;

  @Column('uuid', { name: 'developer_id' })
  developerId: string;

  // Declared only so the foreign key is part of the entity model (the drift check compares it).
  @ManyToOne(() => DeveloperEntity, { nullable: false })
  @JoinColumn({ name: 'developer_id', foreignKeyConstraintName: 'tenants_developer_id_fkey' })
  developer?: DeveloperEntity;

  @Column('varchar', { name: 'business_code', length: 16 })
  businessCode: string;

  @Column('varchar', { name: 'name', length: 200 })
  name: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Set by the operator: the most connections any account of this tenant may be given; null: the deployment's. */
  @Column('integer', { name: 'connection_ceiling', nullable: true })
  connectionCeiling: number | null;
}
