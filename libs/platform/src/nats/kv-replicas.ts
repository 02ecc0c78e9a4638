import type { NatsConnection } from 'nats';

/**
 * Reads of a bucket go to its stream leader (`STREAM.MSG.GET`), not to any replica. With direct
 * get (nats.js's default on 2.9 servers) every replica answers reads: one that is behind (a node
 * restarted a moment ago, its memory store still catching up) says "no such key" for a device
 * claimed since, or hands back a hub heartbeat older than the liveness deadline, and one that is
 * stalled holds the read until the client times out. The cluster e2e's lame-duck run, right after
 * a node's restart, refused a payment to a connected device as "not connected" that way; the
 * kv-consistent-reads int spec pauses a replica and fails with direct get. Presence and request
 * ids decide whether a payment is sent: they need read-after-write.
 */
export const KV_CONSISTENT_READS = { allow_direct: false } as const;

/**
 * A key-value bucket made earlier with another replica count (say R1 from a one-node start,
 * before the cluster had 3 nodes) is brought to `replicas`: `views.kv` binds to an existing
 * bucket as it is and would silently keep it unreplicated. A change the server refuses (more
 * replicas than nodes) is not fatal: the bucket keeps working as it is.
 */
export async function reconcileKvReplicas(
  nc: NatsConnection,
  bucket: string,
  replicas: number,
): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const stream = `KV_${bucket}`;
  const info = await jsm.streams.info(stream);
  if ((info.config.num_replicas ?? 1) === replicas) return;
  const updated = await jsm.streams.update(stream, { num_replicas: replicas }).then(
    () => true,
    () => false,
  );
  if (!updated) return;
  // While the new peers join, the bucket answers 503 (no leader): wait for one, briefly, so the
  // first write after a reconciliation does not fail.
  for (let i = 0; i < 50; i++) {
    const leader = await jsm.streams.info(stream).then(
      (s) => s.cluster?.leader,
      () => undefined,
    );
    if (leader) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
