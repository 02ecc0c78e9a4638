import {
  NATS_HUB_SLOTS,
  hubNatsUser,
  natsServiceUsers,
  renderNatsAuthorization,
  type NatsServiceUser,
} from '@cloudflow/platform';
import { randomBytes } from 'node:crypto';

export interface NatsLogin {
  user: string;
  pass: string;
}

/** The logins of a test NATS server (single node or cluster): production's users plus a full-access test user. */
export interface NatsUsers {
  testUser: NatsLogin;
  /** Each service's user; `hub` is the first hub user (`hub-1`). */
  serviceUsers: Record<NatsServiceUser, NatsLogin>;
  /** `hub-1` … `hub-<NATS_HUB_SLOTS>`: each hub process logs in as its own. */
  hubUsers: NatsLogin[];
  /** The nats-server `authorization` block for all of them. */
  authorization: string;
  /** NATS_USER / NATS_PASSWORD for a service's environment: every call for `hub` hands out the next hub user. */
  serviceEnv(service: NatsServiceUser): { NATS_USER: string; NATS_PASSWORD: string };
}

const secret = () => randomBytes(18).toString('base64url');

export function makeNatsUsers(): NatsUsers {
  const testUser: NatsLogin = { user: 'cf-test', pass: secret() };
  const hubUsers = Array.from({ length: NATS_HUB_SLOTS }, (_, k) => ({
    user: hubNatsUser(k + 1),
    pass: secret(),
  }));
  const login = (user: string) => ({ user, pass: secret() });
  const serviceUsers: Record<NatsServiceUser, NatsLogin> = {
    auth: login('auth'),
    admin: login('admin'),
    gateway: login('gateway'),
    hub: hubUsers[0],
  };
  const byName = new Map([...Object.values(serviceUsers), ...hubUsers].map((l) => [l.user, l.pass]));
  const authorization = renderNatsAuthorization([
    ...natsServiceUsers((user) => byName.get(user)!),
    { user: testUser.user, password: testUser.pass },
  ]);
  let nextHub = 0;
  return {
    testUser,
    serviceUsers,
    hubUsers,
    authorization,
    serviceEnv(service) {
      // Hubs past the slot count share a user again; they still never share a subscription.
      const l = service === 'hub' ? hubUsers[nextHub++ % hubUsers.length] : serviceUsers[service];
      return { NATS_USER: l.user, NATS_PASSWORD: l.pass };
    },
  };
}
