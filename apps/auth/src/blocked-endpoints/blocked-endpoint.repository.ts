import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import { BlockedEndpointEntity } from './blocked-endpoint.entity';

/** Every query on auth.blocked_endpoints. */
@Injectable()
export class BlockedEndpointRepository {
  constructor(private readonly db: DatabaseService) {}

  list(): Promise<BlockedEndpointEntity[]> {
    return this.db.repository(BlockedEndpointEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async insert(item: BlockedEndpointEntity): Promise<void> {
    await this.db.transaction((m) => m.insert(BlockedEndpointEntity, item));
  }

  /** True when a row was deleted. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.transaction((m) => m.delete(BlockedEndpointEntity, { id }));
    return (result.affected ?? 0) > 0;
  }
}
