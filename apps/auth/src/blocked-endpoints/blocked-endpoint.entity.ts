import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A platform-wide block: requests with this method (or any, `*`) under this path prefix get 403. */
@Entity({ name: 'blocked_endpoints' })
@Index('blocked_endpoints_method_path_prefix_key', ['method', 'pathPrefix'], { unique: true })
export class BlockedEndpointEntity {
  @PrimaryColumn('uuid', { name: 'id' }) id: string;
  @Column('text', { name: 'method' }) method: string;
  @Column('text', { name: 'path_prefix' }) pathPrefix: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
}
