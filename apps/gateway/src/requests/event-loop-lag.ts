/**
 * How late this process's timers run right now: a timer every `everyMs` measures its own delay,
 * and `lagMs` is the worst of the last `window` measurements (≈ 0.5 s by default). A late
 * timer means everything queued behind it waits as long: a POST admitted now would too.
 */
export class EventLoopLag {
  private readonly recent: number[];
  private next = 0;
  private expected = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly everyMs = 50,
    window = 10,
  ) {
    this.recent = new Array<number>(window).fill(0);
  }

  start(): void {
    if (this.timer) return;
    this.expected = performance.now() + this.everyMs;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.recent[this.next] = Math.max(0, now - this.expected);
      this.next = (this.next + 1) % this.recent.length;
      this.expected = now + this.everyMs;
    }, this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get lagMs(): number {
    return Math.max(...this.recent);
  }
}
