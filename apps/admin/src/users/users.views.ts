import type { UserEntity, UserRole } from './user.entity';

/** A tenant user as the admin API shows it; credentials live in auth and never appear. */
export interface UserView {
  userId: string;
  username: string;
  name: string;
  email: string | null;
  timeZone: string;
  role: UserRole;
  createdAt: string;
}

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
