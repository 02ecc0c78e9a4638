/** Every entity and committed migration of the gateway schema. */
export const GATEWAY_ENTITIES: Function[] = [];
export const GATEWAY_MIGRATIONS: Function[] = [];
