import { Transport, type NatsOptions } from '@nestjs/microservices';

/**
 * Connection options shared by every NATS link: never give up reconnecting, and do not fail
 * start-up when NATS is not there yet (a NATS outage degrades a service, never kills it).
 * `noAsyncTraces`: nats.js otherwise builds an Error (a captured stack) for every request, just
 * in case it times out; on the relay's hot path that was ~5% of a hub's CPU (bench profile).
 */
export function natsConnectionOptions(url: string, name: string) {
  return {
    servers: url.split(','),
    name,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 5000,
    maxPingOut: 2,
    noAsyncTraces: true,
  };
}

/** A Nest NATS responder in a queue group, so any number of replicas share the work. */
export function natsResponderOptions(url: string, name: string, queue: string): NatsOptions {
  return { transport: Transport.NATS, options: { ...natsConnectionOptions(url, name), queue } };
}
