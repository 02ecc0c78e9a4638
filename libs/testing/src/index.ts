export * from './ports';
export * from './child';
export * from './nats-server';
export * from './postgres';
export * from './services';
export * from './http-client';
