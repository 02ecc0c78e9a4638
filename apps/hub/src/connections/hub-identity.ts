import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** This hub process's cluster-unique id (a restarted hub is a new hub: its old entries age out). */
export class HubIdentity {
  readonly id: string;
  /** The first token of every connection id of this hub: its one bus subscription covers them all. */
  readonly connPrefix = randomBytes(6).toString('base64url');

  constructor(instance?: string) {
    this.id = `${instance ?? hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** `<hub prefix>.<random>`: two NATS subject tokens, 25 characters. */
  newConnectionId(): string {
    return `${this.connPrefix}.${randomBytes(12).toString('base64url')}`;
  }
}
