import type { CloudFlowMessage } from '@cloudflow/contracts';
import { publicStatus, statusAfter } from './request-status';

const msg = (type: CloudFlowMessage['type']): CloudFlowMessage => ({
  type,
  format: 'appflow',
  version: '1',
  requestId: 'm',
  originatingRequestId: 'r',
  payload: {},
});

describe('request status', () => {
  it('settles on the device final answer: paymentResponse/response → completed, flowException → failed, with the result', () => {
    expect(statusAfter('dispatched', msg('paymentResponse'), 'device')).toEqual({
      status: 'completed',
      result: true,
    });
    expect(statusAfter('dispatched', msg('response'), 'device')).toEqual({
      status: 'completed',
      result: true,
    });
    expect(statusAfter('dispatched', msg('flowException'), 'device')).toEqual({
      status: 'failed',
      result: true,
    });
    // The device may answer before the dispatcher wrote `dispatched`.
    expect(statusAfter('dispatching', msg('paymentResponse'), 'device')).toEqual({
      status: 'completed',
      result: true,
    });
  });

  it('lets a late final answer move connectionLost and expired on: a result is never dropped', () => {
    expect(statusAfter('connectionLost', msg('paymentResponse'), 'device')).toEqual({
      status: 'completed',
      result: true,
    });
    expect(statusAfter('expired', msg('flowException'), 'device')).toEqual({
      status: 'failed',
      result: true,
    });
  });

  it('changes nothing for events, or for anything after a final answer', () => {
    expect(statusAfter('dispatched', msg('flowEvent'), 'device')).toBeNull();
    expect(statusAfter('completed', msg('paymentResponse'), 'device')).toBeNull();
    expect(statusAfter('failed', msg('paymentResponse'), 'device')).toBeNull();
  });

  it("takes the hub's connectionLost only while the request is open", () => {
    expect(statusAfter('dispatched', msg('flowException'), 'hub')).toEqual({
      status: 'connectionLost',
      result: false,
    });
    expect(statusAfter('dispatching', msg('flowException'), 'hub')).toEqual({
      status: 'connectionLost',
      result: false,
    });
    expect(statusAfter('connectionLost', msg('flowException'), 'hub')).toBeNull();
    expect(statusAfter('completed', msg('flowException'), 'hub')).toBeNull();
  });

  it('shows internal statuses as dispatched', () => {
    expect(publicStatus('dispatching')).toBe('dispatched');
    expect(publicStatus('expired')).toBe('expired');
  });
});
