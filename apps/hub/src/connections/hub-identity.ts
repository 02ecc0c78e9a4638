import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A NATS user name that is one subject token (`hub-3`, or the test harness's user). */
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** This hub process's cluster-unique id (a restarted hub is a new hub: its old entries age out). */
export class HubIdentity {
  readonly id: string;
  /**
   * The first two tokens of every connection id of this hub, `<NATS user>.<incarnation>`: its
   * one bus subscription covers them all, and the NATS server lets a hub user subscribe only
   * under its own name (nats-permissions.ts natsPermissionsFor). The incarnation keeps two
   * processes on one user (a rolling update) apart.
   */
  readonly connPrefix: string;

  constructor(instance?: string, natsUser?: string) {
    this.id = `${instance ?? hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const user = natsUser && SUBJECT_TOKEN.test(natsUser) ? natsUser : 'hub';
    this.connPrefix = `${user}.${randomBytes(6).toString('base64url')}`;
  }

  /** `<user>.<incarnation>.<random>`: three NATS subject tokens. */
  newConnectionId(): string {
    return `${this.connPrefix}.${randomBytes(12).toString('base64url')}`;
  }
}
