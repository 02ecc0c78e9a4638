import { connect } from 'nats';
import { startNatsCluster, type NatsClusterHandle } from './nats-cluster';

/** startNatsCluster's `tls` option (bench:cluster runs start:cluster's TLS shape on it). */
describe('a NATS cluster with TLS for clients', () => {
  let nats: NatsClusterHandle;
  beforeAll(async () => {
    nats = await startNatsCluster(3, { tls: true });
  }, 120_000);
  afterAll(async () => {
    await nats?.stop();
  });

  it('carries a request across nodes for a client that trusts its CA', async () => {
    const opts = nats.connectOptions();
    expect(opts.tls?.caFile).toBe(nats.tls?.ca);
    const [first, last] = [nats.nodes[0], nats.nodes[2]];
    const a = await connect({ ...opts, servers: first.serverUrl });
    const b = await connect({ ...opts, servers: last.serverUrl });
    try {
      b.subscribe('ping', { callback: (_e, m) => m.respond(new TextEncoder().encode('pong')) });
      await b.flush();
      const reply = await a.request('ping', new Uint8Array(), { timeout: 5000, noMux: true });
      expect(new TextDecoder().decode(reply.data)).toBe('pong');
      expect(a.info?.tls_required).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 30_000);

  it('refuses a client that does not know the CA (the certificate is checked, not just offered)', async () => {
    const { user, pass } = nats.connectOptions();
    await expect(
      connect({ servers: nats.nodes[1].serverUrl, user, pass, reconnect: false, timeout: 5000 }),
    ).rejects.toThrow();
  }, 30_000);
});
