import type { ClientNats } from '@nestjs/microservices';
import { SUBJECTS } from '@cloudflow/contracts';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception';
import { NEVER, of, throwError } from 'rxjs';
import { RpcClient } from './rpc-client';

/** A ClientNats double: answers the calls listed in `answers` in turn; `null` loses that request, an Error (or a string) fails it. */
function fakeClient(answers: Array<unknown | null>) {
  const calls: string[] = [];
  const client = {
    send: (subject: string) => {
      calls.push(subject);
      const answer = answers.shift();
      if (answer instanceof Error || typeof answer === 'string') return throwError(() => answer);
      return answer === null || answer === undefined ? NEVER : of(answer);
    },
    close: async () => undefined,
  } as unknown as ClientNats;
  return { client, calls };
}

describe('RpcClient', () => {
  it('asks a lookup again when the first request was lost, within the same overall time', async () => {
    const { client, calls } = fakeClient([null, { tenantId: 't', accountId: 'a' }]);
    const rpc = new RpcClient(client, 400);
    const started = Date.now();
    await expect(
      rpc.send(SUBJECTS.admin.accountGet, { tenantId: 't', accountId: 'a' }),
    ).resolves.toMatchObject({ accountId: 'a' });
    expect(calls).toEqual([SUBJECTS.admin.accountGet, SUBJECTS.admin.accountGet]);
    expect(Date.now() - started).toBeLessThan(600);
  });

  it('never asks a state-changing call twice', async () => {
    const { client, calls } = fakeClient([null, { apiToken: 'x' }]);
    const rpc = new RpcClient(client, 300);
    await expect(
      rpc.send(SUBJECTS.auth.accountCredentialSet, { tenantId: 't', accountId: 'a' }),
    ).rejects.toMatchObject({ code: 'failed' });
    expect(calls).toHaveLength(1);
  });

  it('gives up after the second try with the timeout error', async () => {
    const { client, calls } = fakeClient([null, null]);
    const rpc = new RpcClient(client, 300);
    await expect(
      rpc.send(SUBJECTS.admin.deviceGet, { tenantId: 't', accountId: 'a', referenceId: 'd' }),
    ).rejects.toThrow(/did not answer in time/);
    expect(calls).toHaveLength(2);
  });

  it('asks any call again after "no responders" (nobody received it), while a connection move lasts', async () => {
    const noResponders = () => new EmptyResponseException(SUBJECTS.auth.accountCredentialSet);
    const { client, calls } = fakeClient([noResponders(), noResponders(), { apiToken: 'x' }]);
    const rpc = new RpcClient(client, 300);
    await expect(
      rpc.send(SUBJECTS.auth.accountCredentialSet, { tenantId: 't', accountId: 'a' }),
    ).resolves.toMatchObject({ apiToken: 'x' });
    expect(calls).toHaveLength(3);
  });

  it('never asks again after an answered error', async () => {
    const { client, calls } = fakeClient([new Error('boom'), { apiToken: 'x' }]);
    const rpc = new RpcClient(client, 300);
    await expect(
      rpc.send(SUBJECTS.auth.accountCredentialSet, { tenantId: 't', accountId: 'a' }),
    ).rejects.toMatchObject({ code: 'failed' });
    expect(calls).toHaveLength(1);
  });

  it('asks any call again that was never sent because this connection is reconnecting to another node', async () => {
    // What Nest's ClientNats rejects with between a disconnect and the reconnect.
    const reconnecting = 'Error: Connection lost. Trying to reconnect...';
    const { client, calls } = fakeClient([reconnecting, reconnecting, { apiToken: 'x' }]);
    const rpc = new RpcClient(client, 300);
    await expect(
      rpc.send(SUBJECTS.auth.accountCredentialSet, { tenantId: 't', accountId: 'a' }),
    ).resolves.toMatchObject({ apiToken: 'x' });
    expect(calls).toHaveLength(3);
  });
});
