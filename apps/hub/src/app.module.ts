import { DynamicModule, Module } from '@nestjs/common';
import { AccessModule } from '@cloudflow/access';
import {
  LOGGER,
  NatsConnectionOwner,
  PlatformModule,
  RequestIdsStore,
  RevocationStream,
  splitNatsUrl,
} from '@cloudflow/platform';
import { PresenceModule } from '@cloudflow/presence';
import type { Logger } from 'pino';
import { HubBus } from './bus/hub-bus.client';
import { RequestEventsPublisher } from './bus/request-events.publisher';
import { ConnectionRegistry } from './connections/connection.registry';
import { HubIdentity } from './connections/hub-identity';
import { SlotReservations } from './connections/slot-reservations.service';
import { HubConfig } from './hub.config';
import { HubMetrics } from './hub.metrics';
import { RelayLookup } from './lookup/relay-lookup.cache';
import { UpgradeDevices } from './lookup/upgrade-devices.client';
import { PresenceChangesPublisher } from './presence/presence-changes.publisher';
import { ClientFrames } from './routing/client-frames.service';
import { DeviceFrames } from './routing/device-frames.service';
import { DeviceOwners } from './routing/device-owners.cache';
import { EventSubscriptions } from './routing/event-subscriptions.registry';
import { InflightWatch } from './routing/inflight.watch';
import { SimulatedTerminals } from './simulated/simulated-terminals.service';
import { ConnectionLifecycle } from './ws/connection-lifecycle.service';
import { RevocationFloors } from './ws/revocation-floors';
import { SocketRevalidation } from './ws/socket-revalidation.service';
import { UpgradeAuth } from './ws/upgrade-auth.service';
import { WsServer } from './ws/ws-server.service';

/*
 * The hub's rooms, one folder each (config, metrics and bootstrap sit at the top):
 * - ws/          the device and POS websocket edge: the server at /ws, the upgrade's auth and
 *                admit, a socket's lifecycle, revocation floors and revalidation, the frame queue.
 * - routing/     frames between sockets and the bus: POS (client) and device frames, which
 *                connection holds a device, the inflight watch, the frame parser, POS event
 *                subscriptions.
 * - bus/         the hub's NATS side: the connection subjects (HubBus), the request-events
 *                publisher and its batches, next-turn write batching, and the real-nats-server
 *                specs of the platform's NATS pieces the hub stands on.
 * - connections/ the sockets held: Connection, their registry, this hub's identity, slot
 *                reservations under the account's limit.
 * - presence/    device presence: the changes this hub publishes, PresenceStore's real-nats specs.
 * - lookup/      what the hub reads from admin: relay records (cached), devices at upgrade (batched).
 * - simulated/   the sandbox tenants' simulated terminals a hub hosts.
 */
@Module({})
export class AppModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'hub', config }),
        // No HTTP guard: APP-key usage is counted and reported for the sync payments it bills.
        AccessModule.forRoot({ guard: false }),
        PresenceModule,
      ],
      providers: [
        { provide: HubConfig, useValue: config },
        {
          provide: HubIdentity,
          useValue: new HubIdentity(
            config.INSTANCE_ID,
            config.NATS_USER ?? splitNatsUrl(config.NATS_URL).user,
          ),
        },
        ConnectionRegistry,
        HubMetrics,
        RelayLookup,
        UpgradeDevices,
        HubBus,
        {
          provide: RequestIdsStore,
          inject: [NatsConnectionOwner],
          useFactory: (nats: NatsConnectionOwner) =>
            new RequestIdsStore(nats, config.REQUEST_RETENTION_HOURS * 3600 * 1000),
        },
        RequestEventsPublisher,
        PresenceChangesPublisher,
        EventSubscriptions,
        DeviceOwners,
        ClientFrames,
        DeviceFrames,
        InflightWatch,
        { provide: RevocationFloors, useValue: new RevocationFloors() },
        {
          provide: RevocationStream,
          inject: [NatsConnectionOwner, LOGGER],
          useFactory: (nats: NatsConnectionOwner, logger: Logger) => new RevocationStream(nats, logger),
        },
        UpgradeAuth,
        SlotReservations,
        ConnectionLifecycle,
        SocketRevalidation,
        WsServer,
        SimulatedTerminals,
      ],
    };
  }
}
