/** Every entity and committed migration of the auth schema. */
export const AUTH_ENTITIES: Function[] = [];
export const AUTH_MIGRATIONS: Function[] = [];
