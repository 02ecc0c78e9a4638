import type { PresenceStore } from '@cloudflow/presence';
import { recordingSocket, strictMock } from '@cloudflow/testing';
import type { Logger } from 'pino';
import { Connection } from './connection';
import { ConnectionRegistry } from './connection.registry';
import type { HubIdentity } from './hub-identity';
import { SlotReservations } from './slot-reservations.service';

/**
 * The account's slot entry as NATS KV holds it: per hub counts behind a revision, written by
 * compare-and-set. `otherHubs` is what the rest of the cluster holds; `race` makes the next
 * write lose to another hub that took slots in between.
 */
function cluster(otherHubs: number) {
  const state = { revision: 1, mine: 0, others: otherHubs, writes: 0, race: 0, down: false };
  const presence = {
    setSlotCount: jest.fn(async (_t: string, _a: string, _h: string, count: number | (() => number)) => {
      state.mine = typeof count === 'function' ? count() : count;
      state.revision++;
    }),
    reserveSlots: jest.fn(
      async (
        _t: string,
        _a: string,
        _h: string,
        req: { wanted: number; limit: number },
        own: { count(): number; hold(n: number): void },
      ) => {
        if (state.down) throw new Error('CONNECTION_REFUSED');
        for (;;) {
          const seen = state.revision;
          await Promise.resolve();
          const granted = Math.max(0, Math.min(req.wanted, req.limit - state.others - own.count()));
          if (granted === 0) return 0;
          own.hold(granted);
          await Promise.resolve();
          if (state.race > 0) {
            state.race--;
            state.others++;
            state.revision++;
          }
          if (state.revision !== seen) {
            own.hold(-granted);
            continue;
          }
          state.mine = own.count();
          state.revision++;
          state.writes++;
          return granted;
        }
      },
    ),
  };
  const store = strictMock<PresenceStore>('presence', presence);
  const logger = strictMock<Logger>('logger', { warn: jest.fn(), debug: jest.fn() });
  const hub = strictMock<HubIdentity>('hub', { id: 'hub-a' });
  const registry = new ConnectionRegistry(store, hub, logger);
  const slots = new SlotReservations(store, registry, hub, logger);
  return { state, presence, registry, slots };
}

const conn = (id: string) =>
  new Connection({ kind: 'client', tenantId: 't1', accountId: 'acc-1' }, recordingSocket(`pos ${id}`).ws, id);

describe('SlotReservations', () => {
  it('grants a burst no more than the limit leaves; arrivals during a write share the next one', async () => {
    const { state, slots, registry } = cluster(3);
    const leases = await Promise.all(Array.from({ length: 10 }, () => slots.reserve('t1', 'acc-1', 5)));
    expect(leases.filter(Boolean)).toHaveLength(2);
    expect(state.writes).toBe(2); // the first goes at once; the other nine wait for it, then share one
    expect(state.mine).toBe(2);
    expect(registry.countFor('t1', 'acc-1')).toBe(2);
  });

  it('counts a taken slot once: the socket replaces its reservation', async () => {
    const { slots, registry } = cluster(0);
    const lease = (await slots.reserve('t1', 'acc-1', 2))!;
    expect(lease.take()).toBe(true);
    registry.add(conn('c1'), true);
    expect(registry.countFor('t1', 'acc-1')).toBe(1);
    lease.release(); // after take: nothing to give back
    expect(registry.countFor('t1', 'acc-1')).toBe(1);
    expect(await slots.reserve('t1', 'acc-1', 2)).toBeDefined();
    expect(await slots.reserve('t1', 'acc-1', 2)).toBeUndefined();
  });

  it('gives a released slot back (once) and publishes the lower count', async () => {
    const { state, slots, registry, presence } = cluster(0);
    const lease = (await slots.reserve('t1', 'acc-1', 1))!;
    expect(await slots.reserve('t1', 'acc-1', 1)).toBeUndefined();
    lease.release();
    lease.release();
    expect(registry.countFor('t1', 'acc-1')).toBe(0);
    await registry.flush();
    expect(presence.setSlotCount).toHaveBeenCalled();
    expect(state.mine).toBe(0);
    expect(await slots.reserve('t1', 'acc-1', 1)).toBeDefined();
  });

  it('re-reads after losing a race to another hub, and grants only what is left', async () => {
    const { state, slots, registry } = cluster(2);
    state.race = 1; // another hub takes a slot between our read and our write
    const leases = await Promise.all(Array.from({ length: 3 }, () => slots.reserve('t1', 'acc-1', 4)));
    expect(leases.filter(Boolean)).toHaveLength(1);
    expect(registry.countFor('t1', 'acc-1')).toBe(1);
    expect(state.mine + state.others).toBe(4);
  });

  it('keeps admitting within this hub’s own count while NATS is down, and publishes it later', async () => {
    const { state, slots, registry } = cluster(0);
    state.down = true;
    const leases = await Promise.all(Array.from({ length: 4 }, () => slots.reserve('t1', 'acc-1', 3)));
    expect(leases.filter(Boolean)).toHaveLength(3);
    state.down = false;
    await registry.flush();
    expect(state.mine).toBe(3);
  });
});
