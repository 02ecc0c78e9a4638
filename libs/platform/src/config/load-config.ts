import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/**
 * Reads the environment once into a typed, validated object. Unknown variables are ignored;
 * a bad value stops the process at start with every offending name listed.
 */
export function loadConfig<T extends object>(cls: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const defaults = new cls() as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) raw[key] = env[key] ?? defaults[key];
  for (const [key, value] of Object.entries(env)) if (!(key in raw) && key in defaults) raw[key] = value;
  const config = plainToInstance(cls, raw, { enableImplicitConversion: true });
  const errors = validateSync(config, { skipMissingProperties: false });
  if (errors.length > 0) {
    const names = errors.map((e) => `${e.property} (${Object.values(e.constraints ?? {}).join('; ')})`);
    throw new Error(`Invalid configuration: ${names.join(', ')}`);
  }
  return config;
}
