import { check, type Invariant } from './checker';
import type { HistoryEntry } from './history';
import { findPans, luhnValid } from './pan-scan';

/**
 * The checker on small hand-made histories: a clean one passes, and each invariant has a
 * history that breaks it and must be caught, so a broken checker cannot pass a campaign silently.
 */
const T = 1_000_000;
const meta: HistoryEntry = { t: T, kind: 'meta', seed: 1, requestTimeoutMs: 10_000 };

/** A clean async payment: 202, one delivery, events and final recorded and delivered, replay agrees. */
function asyncOk(id = 'r1', account = 'acc-a'): HistoryEntry[] {
  return [
    { t: T + 1, kind: 'request', mode: 'async', account, requestId: id, target: 'till-1', via: 'gw0' },
    { t: T + 5, kind: 'httpAnswer', account, requestId: id, status: 202 },
    {
      t: T + 6,
      kind: 'deviceFrame',
      dir: 'in',
      account,
      device: 'till-1',
      type: 'payment',
      frameId: id,
      requestId: id,
      written: true,
    },
    {
      t: T + 9,
      kind: 'deviceFrame',
      dir: 'out',
      account,
      device: 'till-1',
      type: 'paymentResponse',
      frameId: `${id}-f`,
      requestId: id,
      written: true,
      resultId: `${id}-res`,
    },
    {
      t: T + 20,
      kind: 'webhook',
      account,
      requestId: id,
      type: 'paymentResponse',
      frameId: `${id}-f`,
      resultId: `${id}-res`,
      verified: true,
      answered: 200,
    },
    {
      t: T + 30,
      kind: 'record',
      account,
      requestId: id,
      httpStatus: 200,
      status: 'completed',
      messageIds: [`${id}-f`],
      messageTypes: ['paymentResponse'],
      resultId: `${id}-res`,
    },
    {
      t: T + 31,
      kind: 'httpAnswer',
      account,
      requestId: id,
      status: 200,
      replay: true,
      bodyStatus: 'completed',
      resultId: `${id}-res`,
    },
  ];
}

/** A clean sync payment over the POS websocket. */
function syncOk(id = 's1', account = 'acc-a'): HistoryEntry[] {
  return [
    { t: T + 1, kind: 'request', mode: 'sync', account, requestId: id, target: 'till-2', via: 'hub0' },
    {
      t: T + 6,
      kind: 'deviceFrame',
      dir: 'in',
      account,
      device: 'till-2',
      type: 'payment',
      frameId: id,
      requestId: id,
      written: true,
    },
    {
      t: T + 9,
      kind: 'deviceFrame',
      dir: 'out',
      account,
      device: 'till-2',
      type: 'paymentResponse',
      frameId: `${id}-f`,
      requestId: id,
      written: true,
      resultId: `${id}-res`,
    },
    { t: T + 10, kind: 'posFrame', account, requestId: id, type: 'paymentResponse', frameId: `${id}-f` },
    {
      t: T + 30,
      kind: 'record',
      account,
      requestId: id,
      httpStatus: 200,
      status: 'completed',
      messageIds: [`${id}-f`],
      messageTypes: ['paymentResponse'],
      resultId: `${id}-res`,
    },
  ];
}

const scanClean: HistoryEntry = { t: T + 40, kind: 'scan', where: 'postgres', filesScanned: 3, hits: [] };
const invariantsOf = (h: HistoryEntry[]) => [...new Set(check(h).violations.map((v) => v.invariant))].sort();
const without = (h: HistoryEntry[], drop: (e: HistoryEntry) => boolean) => h.filter((e) => !drop(e));

describe('chaos checker', () => {
  it('passes a clean history of a sync and an async payment', () => {
    const result = check([meta, ...asyncOk(), ...syncOk(), scanClean]);
    expect(result.violations).toEqual([]);
    expect(result.requests.map((r) => [r.requestId, r.outcome, r.deliveries])).toEqual([
      ['r1', 'unknown', 1],
      ['s1', 'completed', 1],
    ]);
  });

  it('I1: catches a second delivery of one requestId', () => {
    const h = asyncOk();
    h.splice(3, 0, { ...(h[2] as Extract<HistoryEntry, { kind: 'deviceFrame' }>), t: T + 7 });
    expect(invariantsOf([meta, ...h])).toEqual<Invariant[]>(['I1']);
  });

  it('I1: catches a delivery of a request the POS was told was not dispatched (410 dispatched:false, 412)', () => {
    for (const answer of [
      { status: 410, errorCode: 'connectionLost', dispatched: false },
      { status: 412, errorCode: 'preconditionFailed' },
    ]) {
      const h: HistoryEntry[] = [
        meta,
        { t: T + 1, kind: 'request', mode: 'async', account: 'a', requestId: 'x', target: 'd', via: 'gw0' },
        { t: T + 2, kind: 'httpAnswer', account: 'a', requestId: 'x', ...answer },
        {
          t: T + 3,
          kind: 'deviceFrame',
          dir: 'in',
          account: 'a',
          device: 'd',
          type: 'payment',
          frameId: 'x',
          requestId: 'x',
          written: true,
        },
      ];
      expect(check(h).violations.map((v) => v.message)).toEqual([
        expect.stringContaining('nothing dispatched'),
      ]);
    }
  });

  it('I1: lets "dispatched, outcome unknown" have one delivery or none, and counts a connectionLost without the flag', () => {
    const h: HistoryEntry[] = [
      meta,
      { t: T + 1, kind: 'request', mode: 'sync', account: 'a', requestId: 'y', target: 'd', via: 'hub0' },
      {
        t: T + 3,
        kind: 'deviceFrame',
        dir: 'in',
        account: 'a',
        device: 'd',
        type: 'payment',
        frameId: 'y',
        requestId: 'y',
        written: true,
      },
      {
        t: T + 4,
        kind: 'posFrame',
        account: 'a',
        requestId: 'y',
        type: 'flowException',
        errorCode: 'connectionLost',
      },
      {
        t: T + 30,
        kind: 'record',
        account: 'a',
        requestId: 'y',
        httpStatus: 200,
        status: 'connectionLost',
        messageIds: [],
        messageTypes: ['flowException'],
        resultId: null,
      },
    ];
    const result = check(h);
    expect(result.violations).toEqual([]);
    expect(result.missingDispatchedFlag).toBe(1);
  });

  it('I2: catches an accepted request still dispatched after settling, a missing final webhook, and a POS that never got an answer', () => {
    const stuck = asyncOk().map((e) => (e.kind === 'record' ? { ...e, status: 'dispatched' } : e));
    expect(invariantsOf([meta, ...stuck])).toContain('I2');
    const noHook = without(asyncOk(), (e) => e.kind === 'webhook');
    expect(invariantsOf([meta, ...noHook])).toEqual(['I2', 'I3']);
    const noAnswer = without(syncOk(), (e) => e.kind === 'posFrame');
    expect(invariantsOf([meta, ...noAnswer])).toEqual(['I2']);
    const late = syncOk().map((e) => (e.kind === 'posFrame' ? { ...e, t: T + 25_000 } : e));
    expect(check([meta, ...late]).violations.map((v) => v.message)).toEqual([
      expect.stringMatching(/after 2\d{4} ms/),
    ]);
  });

  it('I2: a late async webhook is allowed the time an outage overlapped, and no more', () => {
    const late = (at: number) => asyncOk().map((e) => (e.kind === 'webhook' ? { ...e, t: T + at } : e));
    expect(invariantsOf([meta, ...late(25_000)])).toEqual([]);
    expect(invariantsOf([meta, ...late(35_000)])).toEqual(['I2']);
    const outage: HistoryEntry[] = [
      { t: T + 2, kind: 'fault', phase: 'start', fault: 'stopPostgres', target: 'postgres' },
      { t: T + 12_002, kind: 'fault', phase: 'end', fault: 'stopPostgres', target: 'postgres' },
    ];
    expect(invariantsOf([meta, ...outage, ...late(35_000)])).toEqual([]);
    expect(check([meta, ...outage, ...late(35_000)]).faults).toEqual({ stopPostgres: 1 });
  });

  it('I3: catches a device final that is not on the record, and an async final that never reached the webhook', () => {
    const lost = asyncOk().map((e) =>
      e.kind === 'record'
        ? { ...e, status: 'connectionLost', messageIds: [], messageTypes: ['flowException'], resultId: null }
        : e,
    );
    expect(
      check([meta, ...lost])
        .violations.filter((v) => v.invariant === 'I3')
        .map((v) => v.message),
    ).toEqual([expect.stringContaining('not on the stored request')]);
    const sync = syncOk().map((e) => (e.kind === 'record' ? { ...e, messageIds: [], resultId: null } : e));
    expect(invariantsOf([meta, ...sync])).toEqual(['I3']);
    const unwritten = syncOk().map((e) =>
      e.kind === 'deviceFrame' && e.dir === 'out' ? { ...e, written: false } : e,
    );
    const unrecorded = unwritten.map((e) =>
      e.kind === 'record' ? { ...e, messageIds: [], resultId: null } : e,
    );
    expect(invariantsOf([meta, ...unrecorded])).toEqual([]);
  });

  it('I4: catches a replay that is dispatched again or answers another outcome', () => {
    const again = asyncOk().map((e) => (e.kind === 'httpAnswer' && e.replay ? { ...e, status: 202 } : e));
    expect(invariantsOf([meta, ...again])).toEqual(['I4']);
    const other = asyncOk().map((e) =>
      e.kind === 'httpAnswer' && e.replay ? { ...e, bodyStatus: 'expired', resultId: undefined } : e,
    );
    expect(invariantsOf([meta, ...other])).toEqual(['I4']);
  });

  it("I6: catches an answer at another account's POS or webhook, and an unsigned webhook", () => {
    const pos: HistoryEntry = {
      t: T + 11,
      kind: 'posFrame',
      account: 'acc-b',
      requestId: 's1',
      type: 'paymentResponse',
    };
    expect(invariantsOf([meta, ...syncOk(), pos])).toEqual(['I6']);
    const hook = asyncOk().map((e) => (e.kind === 'webhook' ? { ...e, account: 'acc-b' } : e));
    expect(invariantsOf([meta, ...hook])).toEqual(['I6']);
    const unsigned = asyncOk().map((e) => (e.kind === 'webhook' ? { ...e, verified: false } : e));
    expect(invariantsOf([meta, ...unsigned])).toEqual(['I6']);
  });

  it('I7: fails on any card-number hit of a scan', () => {
    const hit: HistoryEntry = {
      ...scanClean,
      where: 'nats store',
      hits: [{ file: 'msgs/1.blk', masked: '411111******1111', context: '"pan":"411111******1111"' }],
    };
    expect(invariantsOf([meta, hit])).toEqual(['I7']);
  });
});

describe('card-number scan', () => {
  const now = Date.now();
  it('finds test PANs in JSON and track-2 data, byte for byte', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    const found = findPans(
      `{"pan":"4111111111111111","track2":";5555555555554444=2601101"}\u0000\u00014111111111111111D2512`,
    );
    expect(found.map((h) => h.masked)).toEqual(['411111******1111', '555555******4444', '411111******1111']);
    expect(found[0].context).not.toContain('4111111111111111');
  });

  it('skips masked PANs, non-Luhn runs, hex hashes and timestamps', () => {
    const ms = String(now - 1000);
    const us = String((now - 1000) * 1000);
    const stamps = [ms, us].filter((s) => luhnValid(s));
    const text = `"maskedPan":"************4242" "id":"4111111111111112" "hash":"ab4111111111111111cd" "time":${ms} "us":${us} ${stamps.join(' ')}`;
    expect(findPans(text, [now - 86_400_000, now + 86_400_000])).toEqual([]);
  });
});

describe('findPans: the encodings card data comes in (issue 12 item 5)', () => {
  const now = Date.now();
  it('finds a PAN glued to a label, inside TLV hex (5A, 57) and before a track-2 D', () => {
    const text = [
      '"x":"pan4111111111111111"',
      '"emv":"9F02060000000012505A0841111111111111115F2403251231"',
      '"emv2":"9F1A0208265713555555555555444' + '4D26011010000045600000F"',
      '"t2":"4111111111111111D25122010000012300000"',
      '"card":"cardNumber5555555555554444"',
    ].join(' ');
    expect(findPans(text, [now - 86_400_000, now + 86_400_000]).map((h) => h.masked)).toEqual([
      '411111******1111',
      '411111******1111',
      '555555******4444',
      '411111******1111',
      '555555******4444',
    ]);
  });

  it('still skips digit runs inside hex digests and base64 tokens', () => {
    const text =
      '"sha":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "tok":"Zm9v4111111111111111YmFy" "h":"ab4111111111111111cd"';
    expect(findPans(text, [now - 86_400_000, now + 86_400_000])).toEqual([]);
  });
});
