import type { PresenceChange } from '@cloudflow/contracts';
import { applyChange, type DeviceAnnounced } from './presence-transitions';

const change = (c: Partial<PresenceChange> & Pick<PresenceChange, 'change' | 'epoch'>): PresenceChange => ({
  tenantId: 't',
  accountId: 'a',
  referenceId: 'till-1',
  hubId: 'hub-1',
  at: '2026-12-03T10:00:00.000Z',
  ...c,
});

/** Runs changes in the given order; the event types (with reasons) they announce. */
function announced(changes: PresenceChange[]): string[] {
  let state: DeviceAnnounced | undefined;
  const out: string[] = [];
  let lastSeq = 0;
  for (const c of changes) {
    const result = applyChange(state, c);
    if (!result) continue;
    for (const e of result.events) {
      expect(e.seq).toBe(lastSeq + 1);
      lastSeq = e.seq;
      out.push(e.body.reason ? `${e.body.type}:${e.body.reason}` : e.body.type);
    }
    state = result.next;
  }
  return out;
}

describe('applyChange (one event per presence transition)', () => {
  const open5 = change({ change: 'connected', epoch: 5 });
  const close5 = change({ change: 'disconnected', epoch: 5, reason: 'livenessLost' });
  const open6 = change({ change: 'connected', epoch: 6, hubId: 'hub-2' });
  const close6 = change({ change: 'disconnected', epoch: 6, reason: 'closed' });

  it('announces an opening and a closing with its reason', () => {
    expect(announced([open5, close5])).toEqual(['deviceConnected', 'deviceDisconnected:livenessLost']);
  });

  it('ignores a change that comes again (a redelivery, a second gateway)', () => {
    expect(announced([open5, open5, close5, close5, open5])).toEqual([
      'deviceConnected',
      'deviceDisconnected:livenessLost',
    ]);
  });

  it('closes the older socket as replaced when a newer one opens first, and drops its late close', () => {
    expect(announced([open5, open6, close5, close6])).toEqual([
      'deviceConnected',
      'deviceDisconnected:replaced',
      'deviceConnected',
      'deviceDisconnected:closed',
    ]);
  });

  it('announces a socket whose close arrived before its opening, once, in order', () => {
    expect(announced([close5, open5])).toEqual(['deviceConnected', 'deviceDisconnected:livenessLost']);
  });

  it("never goes back in a device's order: an older socket reported after a newer one is old news", () => {
    const all = [open5, close5, open6, close6];
    const expected = [
      'deviceConnected',
      'deviceDisconnected:livenessLost',
      'deviceConnected',
      'deviceDisconnected:closed',
    ];
    expect(announced(all)).toEqual(expected);
    expect(announced([open6, open5, close5, close6])).toEqual([
      'deviceConnected',
      'deviceDisconnected:closed',
    ]);
  });

  it('a sweep that found the hub dead ends the open socket once, whoever reports it', () => {
    const gone = change({ change: 'disconnected', epoch: 5, reason: 'hubGone' });
    expect(announced([open5, gone, gone, close5])).toEqual(['deviceConnected', 'deviceDisconnected:hubGone']);
  });

  it('records the socket hub and the count of events for the next seq', () => {
    const first = applyChange(undefined, open5)!;
    expect(first.next).toEqual({ epoch: 5, connected: true, hubId: 'hub-1', events: 1 });
    const second = applyChange(first.next, open6)!;
    expect(second.next).toEqual({ epoch: 6, connected: true, hubId: 'hub-2', events: 3 });
    expect(second.events.map((e) => e.seq)).toEqual([2, 3]);
  });
});
