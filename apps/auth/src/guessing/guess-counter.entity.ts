import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One failure counter (issue 12): an identifier (email, business + username, a developer's
 * reveal) or a client address. The key is an HMAC of what it counts, so no email or address is
 * stored in clear. Rows past `forget_at` are deleted by any replica.
 */
@Entity({ name: 'guess_counters' })
@Index('guess_counters_forget_at_idx', ['forgetAt'])
export class GuessCounterEntity {
  @PrimaryColumn('text', { name: 'key' }) key: string;
  @Column('integer', { name: 'failures' }) failures: number;
  @Column('timestamptz', { name: 'last_at' }) lastAt: Date;
  @Column('timestamptz', { name: 'forget_at' }) forgetAt: Date;
}
