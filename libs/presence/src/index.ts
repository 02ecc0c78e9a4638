export * from './presence.module';
export * from './presence.store';
export * from './presence-changes.stream';
