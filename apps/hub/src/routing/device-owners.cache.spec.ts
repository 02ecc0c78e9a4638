import type { DevicePresence } from '@cloudflow/contracts';
import type { Broadcasts } from '@cloudflow/platform';
import type { PresenceStore } from '@cloudflow/presence';
import { DeviceOwners } from './device-owners.cache';

describe('DeviceOwners', () => {
  let reads: number;
  let current: DevicePresence | undefined;
  let reconnect: () => void;
  let owners: DeviceOwners;
  const owner = (connId: string): DevicePresence => ({
    hubId: 'hub-b',
    connId,
    epoch: 1,
    connectedSince: new Date().toISOString(),
  });

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    reads = 0;
    current = owner('c1');
    const presence = { deviceOwner: async () => (reads++, current) } as unknown as PresenceStore;
    const broadcasts = { onReconnect: (hook: () => void) => (reconnect = hook) } as unknown as Broadcasts;
    owners = new DeviceOwners(presence, broadcasts);
  });
  afterEach(() => jest.useRealTimers());

  it('answers from memory for a second, then reads again', async () => {
    expect(await owners.owner('t', 'a', 'till-7', false)).toMatchObject({ connId: 'c1' });
    current = owner('c2');
    expect(await owners.owner('t', 'a', 'till-7', false)).toMatchObject({ connId: 'c1' });
    expect(reads).toBe(1);
    jest.advanceTimersByTime(1_000);
    expect(await owners.owner('t', 'a', 'till-7', false)).toMatchObject({ connId: 'c2' });
    expect(reads).toBe(2);
  });

  it('always reads the store on the retry (fresh), and remembers what it found', async () => {
    await owners.owner('t', 'a', 'till-7', false);
    current = owner('c2');
    expect(await owners.owner('t', 'a', 'till-7', true)).toMatchObject({ connId: 'c2' });
    expect(await owners.owner('t', 'a', 'till-7', false)).toMatchObject({ connId: 'c2' });
    expect(reads).toBe(2);
  });

  it('never remembers "not connected", and forgets a device that is gone', async () => {
    current = undefined;
    expect(await owners.owner('t', 'a', 'till-7', false)).toBeUndefined();
    current = owner('c1');
    expect(await owners.owner('t', 'a', 'till-7', false)).toMatchObject({ connId: 'c1' });
    current = undefined;
    expect(await owners.owner('t', 'a', 'till-7', true)).toBeUndefined();
    current = owner('c3');
    expect(await owners.owner('t', 'a', 'till-7', false)).toMatchObject({ connId: 'c3' });
    expect(reads).toBe(4);
  });

  it('keeps devices apart and forgets everything when NATS reconnects', async () => {
    await owners.owner('t', 'a', 'till-7', false);
    await owners.owner('t', 'a', 'till-8', false);
    expect(reads).toBe(2);
    reconnect();
    await owners.owner('t', 'a', 'till-7', false);
    expect(reads).toBe(3);
  });
});
