import { WEBSOCKET_TOKEN_TTL_SECONDS, type AccessRevokedEvent } from '@cloudflow/contracts';
import type { ConnectionIdentity } from '../connections/connection';
import { RevocationFloors, revokes } from './revocation-floors';

const T = 1_800_000_000_000;
const client = (issuedAtMs?: number): ConnectionIdentity => ({
  kind: 'client',
  tenantId: 't1',
  accountId: 'acc-1',
  ...(issuedAtMs === undefined ? {} : { issuedAtMs }),
});
const device = (referenceId: string, issuedAtMs?: number): ConnectionIdentity => ({
  kind: 'device',
  tenantId: 't1',
  accountId: 'acc-1',
  referenceId,
  ...(issuedAtMs === undefined ? {} : { issuedAtMs }),
});
const rotated: AccessRevokedEvent = { tenantId: 't1', accountId: 'acc-1', scope: 'account', at: T };

describe('RevocationFloors', () => {
  let now = T;
  const floors = () => new RevocationFloors(() => now);
  beforeEach(() => (now = T + 1000));

  it("refuses a client token minted before its account's token was rotated, and admits one minted after", () => {
    const f = floors();
    f.record(rotated);
    expect(f.refuses(client(T - 1))).toBe(true);
    expect(f.refuses(client(T + 1))).toBe(false);
    // A token that states no issue time is as old as can be.
    expect(f.refuses(client())).toBe(true);
  });

  it('keeps credentials apart: an account rotation leaves device tokens, a device rotation only that device', () => {
    const f = floors();
    f.record(rotated);
    expect(f.refuses(device('till-1', T - 1))).toBe(false);
    f.record({ tenantId: 't1', accountId: 'acc-1', referenceId: 'till-1', scope: 'device', at: T });
    expect(f.refuses(device('till-1', T - 1))).toBe(true);
    expect(f.refuses(device('till-2', T - 1))).toBe(false);
    expect(f.refuses({ ...client(T - 1), tenantId: 't2' })).toBe(false);
  });

  it('keeps the latest floor when revocations arrive out of order', () => {
    const f = floors();
    f.record({ ...rotated, at: T + 500 });
    f.record(rotated);
    expect(f.refuses(client(T + 100))).toBe(true);
  });

  it('needs no floor for a revocation without a time (a device disabled: admit reads the device)', () => {
    const f = floors();
    f.record({ tenantId: 't1', accountId: 'acc-1', referenceId: 'till-1', scope: 'device' });
    expect(f.size).toBe(0);
  });

  it('forgets a floor once no token from before it can still be valid', () => {
    const f = floors();
    f.record(rotated);
    now = T + WEBSOCKET_TOKEN_TTL_SECONDS * 1000 + 61_000;
    expect(f.refuses(client(T - 1))).toBe(false);
    expect(f.size).toBe(0);
  });
});

describe('revokes (which open sockets a broadcast ends)', () => {
  it('ends the sockets of tokens minted before a rotation and keeps those of the new credential', () => {
    expect(revokes(rotated, client(T - 1))).toBe(true);
    expect(revokes(rotated, client(T + 1))).toBe(false);
    expect(revokes(rotated, device('till-1', T - 1))).toBe(false);
  });

  it('ends every matching socket on a deletion or a revocation without a time', () => {
    expect(revokes({ ...rotated, deleted: true }, client(T + 1))).toBe(true);
    expect(revokes({ ...rotated, deleted: true }, device('till-1', T + 1))).toBe(true);
    const disabled: AccessRevokedEvent = {
      tenantId: 't1',
      accountId: 'acc-1',
      referenceId: 'till-1',
      scope: 'device',
    };
    expect(revokes(disabled, device('till-1', T + 1))).toBe(true);
    expect(revokes(disabled, device('till-2', T - 1))).toBe(false);
  });

  it("never touches another tenant's or account's sockets", () => {
    expect(revokes(rotated, { ...client(T - 1), accountId: 'acc-2' })).toBe(false);
    expect(revokes(rotated, { ...client(T - 1), tenantId: 't2' })).toBe(false);
  });
});
