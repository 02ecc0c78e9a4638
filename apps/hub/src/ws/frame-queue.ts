/**
 * A socket's inbound frames, handled one at a time in arrival order, with a cap on how many may
 * wait: a peer that sends faster than its frames can be handled would otherwise grow the hub's
 * memory without bound and delay its own answers. `push` says false when the queue is full; the
 * caller then closes the socket (1008).
 */
export class FrameQueue {
  private waiting = 0;

  constructor(
    private tail: Promise<void>,
    private readonly limit: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  get size(): number {
    return this.waiting;
  }

  push(task: () => Promise<void>): boolean {
    if (this.waiting >= this.limit) return false;
    this.waiting++;
    this.tail = this.tail
      .then(task)
      .catch(this.onError)
      .then(() => void this.waiting--);
    return true;
  }
}
