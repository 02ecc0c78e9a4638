import type { UserView } from '@cloudflow/contracts';
import type { UserEntity } from './user.entity';

/** The shape is the contract's (libs/contracts admin-api.views); the mapping is admin's. */
export type { UserView } from '@cloudflow/contracts';

export const toUserView = (u: UserEntity): UserView => ({
  userId: u.id,
  username: u.username,
  name: u.name,
  // The column is NOT NULL (the portal's admin user always has one); "" means none was given.
  email: u.email === '' ? null : u.email,
  timeZone: u.timeZone,
  role: u.role,
  createdAt: u.createdAt.toISOString(),
});
