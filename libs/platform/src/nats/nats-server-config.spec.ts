import { EVENTS, SUBJECTS } from '@cloudflow/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { natsConnectionOptions, splitNatsUrl } from './nats-options';
import {
  CONNECTION_SUBJECTS,
  NATS_PERMISSIONS,
  NATS_SERVICE_USERS,
  natsPermissionsFor,
  natsUserNames,
} from './nats-permissions';
import { renderK8sNatsAuthorization, renderNatsAuthorization } from './nats-server-config';

const root = join(__dirname, '../../../..');

describe('NATS credentials and the generated server configuration', () => {
  it('takes user:password out of a NATS_URL (nats.js would read a password of digits as the port)', () => {
    expect(splitNatsUrl('nats://hub:12ab%40c@127.0.0.1:4222,nats://10.0.0.2:4223')).toEqual({
      servers: ['nats://127.0.0.1:4222', 'nats://10.0.0.2:4223'],
      user: 'hub',
      pass: '12ab@c',
    });
    expect(splitNatsUrl('nats://127.0.0.1:4222')).toEqual({ servers: ['nats://127.0.0.1:4222'] });
  });

  it("uses the service's own NATS_USER over credentials in the URL, and its own reply prefix", () => {
    const options = natsConnectionOptions('nats://cf-test:x@127.0.0.1:4222', 'hub@h1', {
      user: 'hub',
      pass: 'secret',
      inboxPrefix: '_INBOX_hub',
    });
    expect(options).toMatchObject({
      servers: ['nats://127.0.0.1:4222'],
      user: 'hub',
      pass: 'secret',
      inboxPrefix: '_INBOX_hub',
    });
    expect(natsConnectionOptions('nats://cf-test:x@127.0.0.1:4222', 'spec')).toMatchObject({
      user: 'cf-test',
      pass: 'x',
    });
  });

  it('lets only auth subscribe to auth RPCs, only admin to admin RPCs, and no service to another one’s replies', () => {
    const rpcs = (prefix: string) =>
      Object.values(SUBJECTS)
        .flatMap((group) => Object.values(group) as string[])
        .filter((s) => s.startsWith(prefix));
    const events = new Set<string>(Object.values(EVENTS));
    for (const service of NATS_SERVICE_USERS) {
      const subscribe = NATS_PERMISSIONS[service].subscribe;
      if (service !== 'auth')
        expect(
          subscribe.filter((s) => rpcs('auth.').includes(s) || (s.startsWith('auth.') && !events.has(s))),
        ).toEqual([]);
      if (service !== 'admin') expect(subscribe.filter((s) => rpcs('admin.').includes(s))).toEqual([]);
      expect(subscribe.filter((s) => s.startsWith('_INBOX'))).toEqual([`_INBOX_${service}.>`]);
      expect(subscribe).not.toContain('>');
    }
  });

  it('gives every hub its own user whose subscription covers only its own connections', () => {
    expect(natsUserNames(3)).toEqual(['auth', 'admin', 'gateway', 'hub-1', 'hub-2', 'hub-3']);
    const hub2 = natsPermissionsFor('hub-2');
    expect(hub2.subscribe).toContain('hub.connection.hub-2.*.*.deliver.v1');
    expect(hub2.subscribe.filter((s) => s.startsWith('hub.connection.'))).toEqual([
      'hub.connection.hub-2.*.*.deliver.v1',
    ]);
    // Publishing stays open to every hub's connections: a POS's hub routes to the device's hub.
    expect(hub2.publish).toContain(CONNECTION_SUBJECTS);
    expect(natsPermissionsFor('gateway')).toBe(NATS_PERMISSIONS.gateway);
    expect(() => natsPermissionsFor('hub')).toThrow('not a CloudFlow NATS user');
    expect(() => natsPermissionsFor('hub-0')).toThrow();
  });

  it('writes passwords as quoted strings or as $VARIABLE references', () => {
    const text = renderNatsAuthorization([
      { user: 'hub', password: 'p"w', permissions: NATS_PERMISSIONS.hub },
      { user: 'auth', password: { env: 'NATS_PASSWORD_AUTH' } },
    ]);
    expect(text).toContain('password: "p\\"w"');
    expect(text).toContain('password: $NATS_PASSWORD_AUTH');
    expect(text).toContain('"$JS.API.INFO"');
  });

  it('keeps deploy/k8s/nats-authorization.yaml in step with the permission table', () => {
    // Regenerate with: node tools/build.mjs && node tools/nats-authorization.mjs
    expect(readFileSync(join(root, 'deploy/k8s/nats-authorization.yaml'), 'utf8')).toBe(
      renderK8sNatsAuthorization(),
    );
  });
});
