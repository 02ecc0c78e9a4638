/**
 * Things that went wrong but were survived (a stalled enrol retried, a handshake that never
 * answered): counted here so the report shows them instead of hiding them in a retry loop.
 */
const counts = new Map<string, number>();

export function noteIncident(what: string): void {
  counts.set(what, (counts.get(what) ?? 0) + 1);
}

export function incidents(): Array<[string, number]> {
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}
