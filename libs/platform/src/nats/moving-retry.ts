/**
 * How long a NATS connection move takes at most: the cluster's clients reconnect to another node
 * within 5 s of theirs going into lame duck or dying (issue 10), and a JetStream group led from that
 * node has a new leader by then.
 */
export const MOVING_WINDOW_MS = 5_000;

/**
 * Asking again what provably reached nobody, while a connection moves between NATS nodes. In that
 * window the moving client's subscriptions are unknown to the cluster ("no responders" for a
 * hub's connection subject or a lone responder's RPC subject) and a key-value bucket led from
 * the old node has no leader for a moment. Such an answer means nothing received the request, so
 * it is asked again with a growing pause (25 ms doubling to 500 ms) until the window is spent.
 * One small mechanism for every bus path that has such an answer; each caller decides what
 * "reached nobody" means for it.
 */
export class MovingRetry {
  private readonly until: number;
  private pause = 25;

  constructor(windowMs = MOVING_WINDOW_MS) {
    this.until = Date.now() + windowMs;
  }

  /** Waits before the next try; false (at once) once the window is spent. */
  async again(): Promise<boolean> {
    const rest = this.until - Date.now();
    if (rest <= 0) return false;
    await new Promise((r) => setTimeout(r, Math.min(this.pause, rest)));
    this.pause = Math.min(this.pause * 2, 500);
    return true;
  }
}
