import { CloudFlowError, CloudFlowMessage, ErrorCode } from '@cloudflow/contracts';
import { parseFrame, requestIdOf } from './frame-parser';

const frame = (over: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ type: 'payment', format: 'appflow', version: '2.1.2', requestId: 'r-1', target: 'till-7', payload: { amounts: { baseAmount: 1000, currency: 'EUR' } }, ...over }));

describe('parseFrame', () => {
  it('accepts a valid payment envelope', () => {
    const parsed = parseFrame(frame(), false);
    expect(parsed).toBeInstanceOf(CloudFlowMessage);
    expect((parsed as CloudFlowMessage).target).toBe('till-7');
  });

  it('accepts a reply that names its request and has no target', () => {
    expect(parseFrame(frame({ type: 'paymentResponse', target: undefined, originatingRequestId: 'r-1' }), false)).toBeInstanceOf(CloudFlowMessage);
  });

  it.each([
    ['not JSON', Buffer.from('{nope'), /not valid JSON/],
    ['an array', Buffer.from('[]'), /JSON object/],
    ['an unknown type', frame({ type: 'refundPlease' }), /type/],
    ['a payment without target', frame({ target: undefined }), /target/],
    ['a reply without originatingRequestId', frame({ type: 'flowEvent' }), /originatingRequestId/],
    ['an unknown field', frame({ cardNumber: '4111111111111111' }), /cardNumber: unknown field/],
    ['a payload that is not an object', frame({ payload: 'x' }), /payload/],
    ['a requestId with spaces', frame({ requestId: 'a b' }), /requestId/],
  ])('refuses %s with invalidData naming the problem', (_name, data, message) => {
    const parsed = parseFrame(data, false);
    expect(parsed).toBeInstanceOf(CloudFlowError);
    expect((parsed as CloudFlowError).code).toBe(ErrorCode.invalidData);
    expect((parsed as CloudFlowError).message).toMatch(message);
  });

  it('refuses binary frames', () => {
    expect((parseFrame(frame(), true) as CloudFlowError).code).toBe(ErrorCode.invalidData);
  });

  it('finds the requestId of a refused frame when it can', () => {
    expect(requestIdOf(frame({ type: 'bogus' }))).toBe('r-1');
    expect(requestIdOf(Buffer.from('{nope'))).toBeNull();
  });
});
