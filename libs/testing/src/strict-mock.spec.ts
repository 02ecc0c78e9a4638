import { recordingSocket, strictMock } from './strict-mock';

interface Store {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  size: number;
}

describe('strictMock', () => {
  it('answers with what it was given', async () => {
    const store = strictMock<Store>('store', { get: async (k) => `v:${k}`, size: 2 });
    expect(await store.get('a')).toBe('v:a');
    expect(store.size).toBe(2);
  });

  it('fails loudly on any other member, naming the mock and the member', () => {
    const store = strictMock<Store>('store', { get: async () => undefined });
    expect(() => store.put).toThrow('unexpected use of store.put');
    expect(() => void store.put('k', 'v')).toThrow('unexpected use of store.put');
    expect(() => store.size).toThrow('unexpected use of store.size');
  });

  it('keeps a member given as undefined (present, not unexpected)', () => {
    const store = strictMock<Store>('store', { size: undefined });
    expect(store.size).toBeUndefined();
  });

  it('lets framework probes and symbols read as undefined: it can be awaited, compared and printed', async () => {
    const store = strictMock<Store>('store', { size: 1 });
    const probed = store as unknown as Record<string | symbol, unknown>;
    for (const probe of ['then', 'asymmetricMatch', '$$typeof', 'nodeType', 'toJSON', '_isMockFunction'])
      expect(probed[probe]).toBeUndefined();
    expect(probed[Symbol.iterator]).toBeUndefined();
    expect(probed[Symbol.toPrimitive]).toBeUndefined();
    // Promise.resolve reads `then`; expect's equality and printing read the probes.
    expect(await Promise.resolve(store)).toBe(store);
    expect(store).toEqual(strictMock<Store>('other', { size: 1 }));
    expect(() => expect(store).toEqual({ size: 2 })).toThrow(/size/);
    expect(Object.prototype.toString.call(store)).toBe('[object Object]');
  });

  it('takes writes (a class may cache on it), and then reads them back', () => {
    const store = strictMock<Store>('store');
    store.size = 5;
    expect(store.size).toBe(5);
  });
});

describe('recordingSocket', () => {
  it('records written frames, closes and terminations', () => {
    const socket = recordingSocket();
    const done = jest.fn();
    socket.ws.send(JSON.stringify({ type: 'flowEvent' }), done);
    socket.ws.close(1000, 'bye');
    socket.ws.terminate();
    expect(socket.sent).toEqual([{ type: 'flowEvent' }]);
    expect(done).toHaveBeenCalledWith();
    expect(socket.closes).toEqual([[1000, 'bye']]);
    expect(socket.terminated()).toBe(1);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    expect(socket.ws.bufferedAmount).toBe(0);
  });

  it('reports the state it is set to, and fails writes when asked', () => {
    const socket = recordingSocket('pos', { bufferedAmount: 10 });
    expect(socket.ws.bufferedAmount).toBe(10);
    socket.set({ readyState: 3, bufferedAmount: 99, failSends: true });
    expect(socket.ws.readyState).toBe(3);
    expect(socket.ws.bufferedAmount).toBe(99);
    const done = jest.fn();
    socket.ws.send('{}', done);
    expect(done).toHaveBeenCalledWith(expect.any(Error));
    expect(socket.sent).toEqual([]);
  });

  it('is strict about everything else a socket has', () => {
    const socket = recordingSocket('pos');
    expect(() => socket.ws.ping()).toThrow('unexpected use of pos.ping');
  });
});
