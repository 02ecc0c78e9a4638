/** How many failures a counter allows before pauses, and before a lock (AuthConfig's GUESS_* settings). */
export interface GuessPolicy {
  /** Failures that cost nothing more than the argon2 run. */
  free: number;
  /** At this many failures the counter locks for `lockSeconds`. */
  lockAt: number;
  maxDelaySeconds: number;
  /** Also how long a counter without new failures is remembered. */
  lockSeconds: number;
}

export interface CounterState {
  failures: number;
  /** Seconds since the last counted attempt (database clock, so every replica agrees). */
  secondsSinceLast: number;
}

/** A counter quiet for `lockSeconds` starts again from zero. */
export function isForgotten(policy: GuessPolicy, state: CounterState): boolean {
  return state.secondsSinceLast >= policy.lockSeconds;
}

/**
 * Seconds until the next attempt may be counted (0: now). After `free` failures each further one
 * needs a pause that doubles (1 s, 2 s, 4 s, … capped), at `lockAt` the counter is locked.
 */
export function secondsToWait(policy: GuessPolicy, state: CounterState): number {
  if (state.failures < policy.free || isForgotten(policy, state)) return 0;
  if (state.failures >= policy.lockAt) return policy.lockSeconds - state.secondsSinceLast;
  const pause = Math.min(2 ** (state.failures - policy.free), policy.maxDelaySeconds);
  return Math.max(0, pause - state.secondsSinceLast);
}
