import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** What `demo-setup` writes and the other CLIs read, so a newcomer types no credentials. */
export interface DemoConfig {
  gatewayUrl: string;
  adminUrl: string;
  appKey: string;
  developer: { email: string; password: string };
  admin: { username: string; password: string; accessToken: string };
  account: { accountId: string; apiToken: string };
  device: { referenceId: string; model: string; serialNumber: string; apiToken: string };
}

export const DEFAULT_DEMO_FILE = '.data/demo.json';

export function readDemoConfig(path = DEFAULT_DEMO_FILE): DemoConfig {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new Error(`${file} not found: run "npm run demo:setup" first (with "npm start" running)`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as DemoConfig;
}

export function stamp(): string {
  return new Date().toISOString().slice(11, 23);
}

export function fail(error: unknown): never {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
