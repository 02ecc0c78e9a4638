import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** This hub process's cluster-unique id (a restarted hub is a new hub: its old entries age out). */
export class HubIdentity {
  readonly id: string;
  constructor(instance?: string) {
    this.id = `${instance ?? hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }
}
