import { pushedEventProblem } from './presence-events';

const good = {
  tenantId: 't1',
  accountId: 'pos-1',
  id: 'delivery-1',
  type: 'deviceDisconnected',
  body: {
    type: 'deviceDisconnected',
    referenceId: 'till-1',
    at: '2026-12-07T10:00:00.000Z',
    reason: 'closed',
  },
};

describe('pushedEventProblem: what a hub accepts from the pushed-events subject', () => {
  it('accepts a pushed presence event, with or without a reason', () => {
    expect(pushedEventProblem(good)).toBeUndefined();
    expect(
      pushedEventProblem({
        ...good,
        type: 'deviceConnected',
        body: { ...good.body, type: 'deviceConnected', reason: undefined },
      }),
    ).toBeUndefined();
  });

  it.each([
    [null, 'not an object'],
    ['{"a":1}', 'not an object'],
    [{ ...good, tenantId: '' }, 'tenantId must be a string'],
    [{ ...good, accountId: 7 }, 'accountId must be a string'],
    [{ ...good, id: 'x'.repeat(201) }, 'id must be a string'],
    [{ ...good, type: 'other' }, 'type must be one of'],
    [{ ...good, body: 'text' }, 'body must be an object'],
    [{ ...good, body: { ...good.body, type: 'requestMessage' } }, 'body.type must be one of'],
    [{ ...good, body: { ...good.body, referenceId: '' } }, 'body.referenceId must be a string'],
    [{ ...good, body: { ...good.body, at: 'yesterday' } }, 'body.at must be a time'],
    [{ ...good, body: { ...good.body, reason: 'bored' } }, 'body.reason must be one of'],
  ])('refuses %j: %s', (value, problem) => {
    expect(pushedEventProblem(value)).toContain(problem);
  });
});
