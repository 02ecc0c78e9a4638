import { QueryFailedError } from 'typeorm';

/**
 * The constraint a failed insert ran into when Postgres refused it as a duplicate (SQLSTATE
 * 23505), else undefined. Races between two requests end here rather than in a 500.
 */
export function uniqueViolation(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driver = error.driverError as { code?: string; constraint?: string } | undefined;
  return driver?.code === '23505' ? (driver.constraint ?? 'unknown') : undefined;
}

/** The constraint of a foreign-key refusal (SQLSTATE 23503): the parent row went away meanwhile. */
export function foreignKeyViolation(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driver = error.driverError as { code?: string; constraint?: string } | undefined;
  return driver?.code === '23503' ? (driver.constraint ?? 'unknown') : undefined;
}
