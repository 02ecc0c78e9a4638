export * from './access.module';
export * from './app-key.cache';
export * from './app-key.guard';
export * from './usage-limiter';
export * from './usage.reporter';
