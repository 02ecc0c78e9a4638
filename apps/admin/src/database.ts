/** Every entity and committed migration of the admin schema. */
export const ADMIN_ENTITIES: Function[] = [];
export const ADMIN_MIGRATIONS: Function[] = [];
