import { deviceEventId } from './event-id';

describe('deviceEventId', () => {
  it('is the same uuid for the same device frame, and differs for another frame or another device', () => {
    const id = deviceEventId('t1', 'pos-1', 'till-1', 'f-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deviceEventId('t1', 'pos-1', 'till-1', 'f-1')).toBe(id);
    expect(deviceEventId('t1', 'pos-1', 'till-1', 'f-2')).not.toBe(id);
    expect(deviceEventId('t1', 'pos-1', 'till-2', 'f-1')).not.toBe(id);
    expect(deviceEventId('t2', 'pos-1', 'till-1', 'f-1')).not.toBe(id);
  });
});
