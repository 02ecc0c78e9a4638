import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';

/**
 * Reads the environment once into a typed, validated object. Each setting is a property of
 * the config class with its local default; the default's type says how to parse the string
 * (number, boolean, string). A bad value stops the process at start, naming every offender.
 */
export function loadConfig<T extends object>(cls: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const defaults = new cls() as Record<string, unknown>;
  const raw: Record<string, unknown> = { ...defaults };
  for (const key of Object.keys(env)) {
    if (
      !(key in defaults) &&
      !Reflect.hasMetadata('design:type', cls.prototype as object, key) &&
      !hasValidators(cls, key)
    )
      continue;
    raw[key] = parse(env[key]!, defaults[key]);
  }
  const config = plainToInstance(cls, raw);
  const errors = validateSync(config, { skipMissingProperties: false });
  if (errors.length > 0) {
    const names = errors.map((e) => `${e.property} (${Object.values(e.constraints ?? {}).join('; ')})`);
    throw new Error(`Invalid configuration: ${names.join(', ')}`);
  }
  return config;
}

function parse(value: string, fallback: unknown): unknown {
  if (typeof fallback === 'number') return value.trim() === '' ? NaN : Number(value);
  if (typeof fallback === 'boolean')
    return value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;
  return value;
}

// Settings without a default (required secrets) are still read when they carry validators.
function hasValidators(cls: new () => object, key: string): boolean {
  return getMetadataStorage()
    .getTargetValidationMetadatas(cls, '', true, false)
    .some((m) => m.propertyName === key);
}
