import { QueryFailedError } from 'typeorm';

/** Postgres "unique_violation": a concurrent or repeated create hit a unique index. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError &&
    (error.driverError as { code?: string } | undefined)?.code === '23505'
  );
}
