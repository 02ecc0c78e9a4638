/** Every entity and committed migration of the gateway schema. */
type Constructor = new (...args: never[]) => object;
export const GATEWAY_ENTITIES: Constructor[] = [];
export const GATEWAY_MIGRATIONS: Constructor[] = [];
