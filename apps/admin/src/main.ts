import 'reflect-metadata';
import { bootstrap } from './bootstrap';

// A stray rejection is logged, never allowed to take the process down.
process.on('unhandledRejection', (reason) =>
  console.error(JSON.stringify({ level: 50, msg: 'unhandled rejection', reason: String(reason) })),
);

bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
